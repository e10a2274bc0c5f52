"""webui.training_view: training events and results -> curves, status lines, summaries, pictures."""

from __future__ import annotations

import numpy as np
import pytest

from cnndemo.data.sets import DigitSet, TrainingSets
from cnndemo.training import TestResult as HeldOutResult  # not a test class for pytest to collect
from cnndemo.training import TrainConfig, TrainEvent, TrainResult
from webui import training_view as view

pytestmark = pytest.mark.unit


def batch(epoch, step, loss, accuracy, kind="batch", val=None):
    return TrainEvent(kind, epoch=epoch, step=step, steps_per_epoch=10, seen=step * 32, total=640,
                      smooth_loss=loss, smooth_accuracy=accuracy, val_loss=val, val_accuracy=val)


def test_curves_hold_both_lines_from_the_start():
    frame = view.curves([], "loss")
    assert set(frame["curve"]) == {"train", "validation"} and frame["value"].isna().all()
    only_train = view.curves([batch(1, 1, 2.0, 0.2)], "loss")
    assert set(only_train["curve"]) == {"train", "validation"}  # the validation line has its colour already


def test_curves_place_points_by_epoch_position():
    history = [batch(1, 5, 1.0, 0.5), batch(1, 10, 0.5, 0.8, kind="epoch", val=0.6), batch(2, 5, 0.4, 0.9)]
    frame = view.curves(history, "loss")
    train = frame[frame["curve"] == "train"]
    validation = frame[frame["curve"] == "validation"]
    assert train["epoch"].tolist() == [0.5, 1.0, 1.5] and train["value"].tolist() == [1.0, 0.5, 0.4]
    assert validation["epoch"].tolist() == [1.0] and validation["value"].tolist() == [0.6]


def test_long_runs_are_thinned_but_keep_their_last_point():
    history = [batch(1 + i // 10, 1 + i % 10, 1 / (i + 1), 0.5) for i in range(2000)]
    train = view.curves(history, "loss").query("curve == 'train'")
    assert len(train) <= view.MAX_CURVE_POINTS + 1
    assert train["value"].iloc[-1] == pytest.approx(1 / 2000)


def test_status_lines_in_both_languages():
    config = TrainConfig(model="alexnet", epochs=3, data="mnist+pen")
    event = batch(2, 7, 0.1234, 0.9876)
    event.images_per_s, event.eta_s = 412.0, 95.0
    english, korean = view.status_line(event, config, "en"), view.status_line(event, config, "ko")
    assert "Epoch 2 / 3" in english and "step 7 / 10" in english and "412 images/s" in english
    assert "0.1234" in english and "98.76%" in english
    assert "에포크 2 / 3" in korean and "0.1234" in korean
    assert "pen" in view.status_line(TrainEvent("prepare"), config, "en")


def small_result(mnist, predictions, status="finished", with_pen=False):
    test = DigitSet(mnist.x_test[:100], mnist.y_test[:100], "mnist-test")
    tests = {"mnist": test}
    results = {"mnist": HeldOutResult(0.25, float(np.mean(predictions == test.labels)), predictions)}
    if with_pen:
        tests["pen"] = test
        results["pen"] = HeldOutResult(0.3, 0.95, predictions)
    sets = TrainingSets("mnist", test, test, tests)
    return TrainResult(model=None, config=TrainConfig(epochs=2), status=status, sets=sets, tests=results,
                       images_seen=640, epochs_completed=2, train_seconds=12.0, images_per_s=55.0)


def test_the_summary_gives_the_figures_and_the_shipped_model(mnist):
    predictions = mnist.y_test[:100].astype(np.int64).copy()
    predictions[:7] = (predictions[:7] + 1) % 10
    result = small_result(mnist, predictions, with_pen=True)
    summary = view.result_summary(result, {"test_accuracy": 0.9944}, "en")
    assert "**93.00%**" in summary and "99.44%" in summary and "**95.00%**" in summary  # pen line present
    assert "pen" in summary and "MNIST, 100 images" in summary
    assert "Finished after 640 images" in view.result_status(result, "en")


def test_a_diverged_run_says_so_and_suggests_a_smaller_rate(mnist):
    result = small_result(mnist, mnist.y_test[:100].astype(np.int64), status="diverged")
    result.tests, result.divergence = {}, {"epoch": 1, "step": 3, "loss": float("nan")}
    line = view.result_status(result, "en")
    assert "diverged" in line and "epoch 1, step 3" in line and "0.001" in line
    assert view.result_summary(result, None, "en") == ""


def test_confusion_cells_show_their_test_digits(mnist):
    from cnndemo.render.training import CONFUSION_CELL_PX, CONFUSION_MARGIN_PX

    labels = mnist.y_test[:100].astype(np.int64)
    predictions = labels.copy()
    wrong = np.flatnonzero(labels == 7)[:2]
    predictions[wrong] = 2
    result = small_result(mnist, predictions)
    pictures = view.result_pictures(result, "en")
    assert pictures.confusion.size[0] > 10 * CONFUSION_CELL_PX and pictures.samples.size[0] > 0

    def centre(true, predicted):
        return (CONFUSION_MARGIN_PX + predicted * CONFUSION_CELL_PX + 5, CONFUSION_MARGIN_PX + true * CONFUSION_CELL_PX + 5)

    picture, caption = view.confusion_cell(result, *centre(7, 2), "en")
    assert picture is not None and "True 7, predicted 2: 2 test digits" in caption
    empty_picture, empty_caption = view.confusion_cell(result, *centre(3, 8), "en")
    assert empty_picture is None and "No test digit 3" in empty_caption
    assert view.confusion_cell(result, 2, 2, "en") is None  # the margin is no cell


def test_presets_respect_the_servers_caps():
    assert view.preset_values("quick", "simplecnn", 100, 200_000, 60_000) == (1, 10_000, 64)
    assert view.preset_values("full", "alexnet", 100, 200_000, 74_994) == (6, 74_994, 64)  # 0 = all of the data
    assert view.preset_values("full", "alexnet", 3, 10_000, 74_994) == (3, 10_000, 64)
    assert view.preset_values("nonsense", "alexnet", 3, 10_000, 60_000) is None


def test_the_servers_saved_models_are_listed_with_who_and_when(tmp_path):
    import json

    (tmp_path / "alexnet.json").write_text(json.dumps({
        "model": "alexnet", "test_accuracy": 0.9912, "tests": {"pen": {"accuracy": 0.9801}},
        "saved_by": "Ms Kim, 3-2", "saved_at": "2026-11-24 10:32"}))
    (tmp_path / "vgg16.json").write_text("{ not json")  # a broken card is left out, not a crash
    headers, rows = view.saved_models(tmp_path, "en")
    assert headers == ["model", "MNIST test accuracy", "pen digits (held-out writers)", "saved by", "when"]
    assert rows == [["AlexNet", "99.12%", "98.01%", "Ms Kim, 3-2", "2026-11-24 10:32"]]
    assert view.saved_models(tmp_path, "ko")[0][3] == "저장한 사람"
