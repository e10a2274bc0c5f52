"""The fit runner: progress events, stop flag, config checks, divergence, the card, the CLI."""

from __future__ import annotations

import json
import sys
import threading

import numpy as np
import pytest

from cnndemo.cards import build_card
from cnndemo.data.sets import DigitSet, TrainingSets
from cnndemo.messages import CnnDemoError
from cnndemo.training import TrainConfig, train

pytestmark = pytest.mark.unit

KINDS = {"start", "batch", "validation", "epoch", "end"}


def small_sets(mnist, n_train: int = 300, n_validation: int = 200, n_test: int = 1000) -> TrainingSets:
    """A few MNIST digits as the runner's sets (fast: no pen rendering)."""
    train_set = DigitSet(mnist.x_train[:n_train], mnist.y_train[:n_train], "mnist-train-small")
    validation = DigitSet(mnist.x_test[:n_validation], mnist.y_test[:n_validation], "mnist-validation-small")
    test = DigitSet(mnist.x_test[:n_test], mnist.y_test[:n_test], "mnist-test-small")
    return TrainingSets("mnist", train_set, validation, {"mnist": test})


def small_config(**overrides) -> TrainConfig:
    settings = dict(model="simplecnn", epochs=1, batch_size=32, validation_images=200)
    return TrainConfig(**{**settings, **overrides})


# Under xdist the tests that share this training run on one worker, so it is trained once.
SHARES_FINISHED_RUN = pytest.mark.xdist_group("finished-run")


@pytest.fixture(scope="module")
def finished_run(mnist):
    events = []
    result = train(small_config(), on_event=events.append, sets=small_sets(mnist), event_interval_s=0)
    return result, events


@SHARES_FINISHED_RUN
def test_a_short_run_finishes_with_a_test_accuracy(finished_run):
    result, _ = finished_run
    assert result.status == "finished"
    assert result.test_accuracy > 0.2  # 300 images are enough to beat chance (0.1) clearly
    assert np.isfinite(result.test_loss)
    assert result.images_seen == 300
    assert result.epochs_completed == 1
    assert result.test_predictions.shape == (1000,)
    assert result.model.count_params() == 93_322
    assert set(result.tests) == {"mnist"}


@SHARES_FINISHED_RUN
def test_events_come_in_order_with_increasing_seen(finished_run):
    result, events = finished_run
    kinds = [event.kind for event in events]
    assert KINDS <= set(kinds) <= KINDS | {"evaluate"}  # "evaluate": progress of the final test
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert kinds.count("end") == 1 and kinds.count("start") == 1 and kinds.count("epoch") == 1
    assert kinds.index("epoch") > max(i for i, k in enumerate(kinds) if k in ("batch", "validation"))
    steps = -(-300 // 32)
    training = [event for event in events if event.kind in ("batch", "validation")]
    assert len(training) == steps  # event_interval_s=0: one event per batch
    seen = [event.seen for event in training]
    assert all(a < b for a, b in zip(seen, seen[1:])), seen
    assert seen[0] == 32 and seen[-1] == 300
    assert [event.step for event in training] == list(range(1, steps + 1))
    assert all(event.total == 300 for event in training)
    epoch = next(event for event in events if event.kind == "epoch")
    assert epoch.seen == 300 and epoch.step == steps
    assert epoch.val_accuracy is not None and 0 <= epoch.val_accuracy <= 1
    validations = [event for event in events if event.kind == "validation"]
    assert validations and all(0 <= event.val_accuracy <= 1 for event in validations)
    assert all(event.loss is not None and np.isfinite(event.loss) for event in training)
    assert all(0 <= event.fraction <= 1 for event in events)
    evaluations = [event for event in events if event.kind == "evaluate"]
    assert evaluations[-1].seen == evaluations[-1].total == 1000
    assert events[-1].val_accuracy == pytest.approx(result.test_accuracy)


@SHARES_FINISHED_RUN
def test_the_card_records_data_recipe_and_figures(finished_run):
    result, _ = finished_run
    card = build_card(result)
    assert card["model"] == "simplecnn" and card["status"] == "finished"
    assert card["test_accuracy"] == pytest.approx(result.test_accuracy)
    assert card["tests"]["mnist"]["images"] == 1000
    assert card["data"]["mix"] == "mnist"
    assert card["data"]["train"]["images"] == 300 and len(card["data"]["train"]["sha256"]) == 64
    assert card["augmentation"]["mode"] == "none"
    assert card["recipe"]["epochs"] == 1
    json.dumps(card)  # JSON-ready


def test_stop_flag_stops_after_the_current_batch(mnist):
    stop = threading.Event()
    events = []

    def on_event(event):
        events.append(event)
        if event.kind == "batch":
            stop.set()

    result = train(small_config(validation_images=0), on_event=on_event, stop=stop,
                   sets=small_sets(mnist, n_validation=0), event_interval_s=0)
    assert result.status == "stopped"
    assert 0 < result.images_seen < 300
    assert result.images_seen <= 2 * 32  # the batch that saw the flag was the last one
    assert result.epochs_completed == 0
    assert 0.0 <= result.test_accuracy <= 1.0
    assert events[-1].kind == "end"


BAD_CONFIGS = {
    "epochs_0": (dict(epochs=0), "train.whole_number"),
    "epochs_negative": (dict(epochs=-1), "train.whole_number"),
    "epochs_bool": (dict(epochs=True), "train.whole_number"),
    "epochs_fraction": (dict(epochs=1.5), "train.whole_number"),
    "batch_size_0": (dict(batch_size=0), "train.whole_number"),
    "batch_size_huge": (dict(batch_size=100_000), "train.whole_number"),
    "learning_rate_0": (dict(learning_rate=0), "train.learning_rate"),
    "learning_rate_negative": (dict(learning_rate=-0.001), "train.learning_rate"),
    "learning_rate_huge": (dict(learning_rate=1e9), "train.learning_rate"),
    "learning_rate_text": (dict(learning_rate="abc"), "train.learning_rate"),
    "learning_rate_nan": (dict(learning_rate=float("nan")), "train.learning_rate"),
    "train_images_too_few": (dict(train_images=50), "train.whole_number"),
    "train_images_more_than_the_data": (dict(train_images=301), "train.whole_number"),
    "optimizer_unknown": (dict(optimizer="foo"), "train.choice"),
    "schedule_unknown": (dict(schedule="linear"), "train.choice"),
    "augment_unknown": (dict(augment="mixup"), "train.choice"),
    "data_unknown": (dict(data="emnist"), "train.choice"),
    "pen_copies_0": (dict(pen_copies=0), "train.whole_number"),
    "precision_unknown": (dict(precision="float8"), "train.precision"),
    "ema_momentum_too_small": (dict(ema_momentum=0.5), "train.ema_momentum"),
    "ema_momentum_1": (dict(ema_momentum=1.0), "train.ema_momentum"),
    "ema_momentum_text": (dict(ema_momentum="high"), "train.ema_momentum"),
    "model_unknown": (dict(model="resnet"), "model.unknown"),
    "init_from_missing": (dict(init_from="no/such/weights"), "weights.start_card_wrong"),
}


@pytest.mark.parametrize("overrides, code", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_config_raises_a_coded_error_before_training(overrides, code, mnist):
    events = []
    with pytest.raises(CnnDemoError) as error:
        train(small_config(**overrides), on_event=events.append, sets=small_sets(mnist))
    assert isinstance(error.value, ValueError)
    assert error.value.code == code
    assert [e.kind for e in events if e.kind != "prepare"] == []  # nothing started
    value = next(iter(overrides.values()))
    if code in ("train.whole_number", "train.choice", "train.learning_rate", "model.unknown"):
        assert error.value.params["received"] == value or (value != value)  # NaN != NaN


@SHARES_FINISHED_RUN
def test_init_from_goes_on_from_saved_weights_and_the_card_says_so(finished_run, mnist, tmp_path):
    from cnndemo.checkpoint import save_weights

    first, _ = finished_run
    first_card = build_card(first)
    save_weights(first.model, first_card, tmp_path, "simplecnn")
    # A learning rate too small to move anything: the run must end where the saved weights were.
    result = train(small_config(init_from=str(tmp_path), learning_rate=1e-9), sets=small_sets(mnist))
    assert result.status == "finished"
    assert abs(result.test_accuracy - first.test_accuracy) <= 0.003, (result.test_accuracy, first.test_accuracy)
    card = build_card(result)
    assert card["recipe"]["init_from"] == str(tmp_path)
    assert card["initialised_from"]["test_accuracy"] == first_card["test_accuracy"]
    assert card["initialised_from"]["weights_sha256"]  # the exact starting weights are named
    assert card["total_epochs"] == 2
    assert card["total_train_seconds"] >= card["train_seconds"]


@SHARES_FINISHED_RUN
def test_ema_momentum_ends_with_the_moving_average_of_the_weights(finished_run, mnist, tmp_path):
    from cnndemo.checkpoint import save_weights

    first, _ = finished_run
    save_weights(first.model, build_card(first), tmp_path, "simplecnn")
    start = [w.copy() for w in first.model.get_weights()]

    def distance_from_start(result) -> float:
        return float(np.sqrt(sum(np.sum((w - s) ** 2) for w, s in zip(result.model.get_weights(), start))))

    # Ten Adam steps at a large learning rate move the weights far. Keras's average starts at
    # the weights after the first step (Adam's first step moves each weight by about the
    # learning rate: a distance of ~0.01 * sqrt(93,322) = 3) and, with momentum 0.9999, takes
    # in only ~0.1 % of the nine later ones.
    settings = dict(init_from=str(tmp_path), learning_rate=0.01, validation_images=0)
    plain = train(small_config(**settings), sets=small_sets(mnist, n_validation=0))
    averaged = train(small_config(**settings, ema_momentum=0.9999), sets=small_sets(mnist, n_validation=0))
    assert distance_from_start(plain) > 1.0
    assert distance_from_start(averaged) < 0.35 * distance_from_start(plain)
    assert build_card(averaged)["recipe"]["ema_momentum"] == 0.9999
    assert build_card(plain)["recipe"]["ema_momentum"] == 0.0


@SHARES_FINISHED_RUN
def test_init_from_needs_a_card_of_the_same_model(finished_run, mnist, tmp_path):
    from cnndemo.checkpoint import save_weights

    first, _ = finished_run
    save_weights(first.model, build_card(first), tmp_path, "simplecnn")
    with pytest.raises(CnnDemoError) as error:
        train(small_config(model="alexnet", init_from=str(tmp_path)), sets=small_sets(mnist))
    assert error.value.code == "weights.start_card_wrong" and error.value.params["reason"] == "weights.missing"


def test_operator_caps_are_enforced(mnist):
    with pytest.raises(CnnDemoError, match="epochs"):
        train(small_config(epochs=3), sets=small_sets(mnist), max_epochs=2)
    with pytest.raises(CnnDemoError, match="train_images"):
        train(small_config(train_images=300), sets=small_sets(mnist), max_train_images=200)


def test_a_diverging_run_ends_with_status_diverged(mnist, monkeypatch):
    # Pixels of 1e30 instead of at most 1: activations overflow and the loss becomes NaN
    # within a few steps, whatever the seed or precision.
    from cnndemo.training import runner

    make = runner.make_training_dataset
    monkeypatch.setattr(runner, "make_training_dataset", lambda images, labels, config: make(
        images.astype(np.float32)[..., None] * 1e30, labels, config))
    events = []
    config = small_config(validation_images=0, learning_rate=0.002)
    result = train(config, on_event=events.append, sets=small_sets(mnist, n_validation=0), event_interval_s=0)
    assert result.status == "diverged"
    assert result.divergence["epoch"] == 1 and not np.isfinite(result.divergence["loss"])
    assert result.test_accuracy is None and result.tests == {}
    assert result.epochs_completed == 0
    assert result.images_seen < 300  # stopped early
    assert events[-1].kind == "end"


# ---------------------------------------------------------------- CLI

def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """``python -m cnndemo ARGS`` in this process (the same ``main``): exit code, stdout, stderr."""
    from cnndemo.__main__ import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_cli_train_writes_a_card_that_evaluate_reads(tmp_path, capsys):
    out = tmp_path / "weights"
    code, stdout, stderr = run_cli(capsys, "train", "--model", "simplecnn", "--epochs", "1", "--train-images", "200",
                                   "--validation-images", "100", "--log-every", "0", "--out", str(out))
    assert code == 0, stderr[-3000:]
    # progress is printed for every kind of event, the test pass included, without crashing
    assert "epoch 1 step" in stdout and "tested on 10,000 test images" in stdout
    card = json.loads((out / "simplecnn.json").read_text())
    assert card["model"] == "simplecnn"
    assert card["train_images"] == 200 and card["recipe"]["epochs"] == 1
    assert card["images_seen"] == 200
    assert card["params"] == 93_322
    assert (out / card["weights_file"]).is_file()
    assert 0 <= card["test_accuracy"] <= 1

    code, stdout, stderr = run_cli(capsys, "evaluate", "simplecnn", "--weights", str(out), "--data", "mnist")
    assert code == 0, stderr[-3000:]
    line = next(line for line in stdout.splitlines() if line.startswith("{"))
    report = json.loads(line)
    assert report["model"] == "simplecnn"
    assert report["card_test_accuracy"] == card["test_accuracy"]
    # evaluate runs float32; training may have used mixed precision: close, not equal
    assert abs(report["mnist_accuracy"] - card["test_accuracy"]) <= 0.02


def test_cli_train_refuses_zero_epochs_in_words(tmp_path, capsys):
    out = tmp_path / "weights"
    code, _, stderr = run_cli(capsys, "train", "--model", "simplecnn", "--epochs", "0", "--out", str(out))
    assert code == 2
    assert "Epochs must be a whole number from 1" in stderr and "Received: 0" in stderr
    assert not (out / "simplecnn.json").exists()


def test_batch_ends_arriving_together_are_all_counted():
    # Keras runs an async_safe callback's on_train_batch_end in a pool of threads, so the
    # ends of two batches can overlap; none may be lost and the step never goes back.
    from concurrent.futures import ThreadPoolExecutor

    from cnndemo.training import ProgressCallback

    steps = 3_200
    empty = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8))
    callback = ProgressCallback(lambda event: None, threading.Event(), images_per_epoch=steps, batch_size=1,
                                epochs=1, validation=empty, interval=0.0)
    callback.on_epoch_begin(0)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda batch: callback.on_train_batch_end(batch, {"loss": 0.5, "accuracy": 0.9}),
                          range(steps)))
    finally:
        sys.setswitchinterval(interval)
    assert callback.seen == steps
    assert callback.step == steps
