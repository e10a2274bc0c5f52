"""The fit runner behind both the Train tab and ``python -m cnndemo train``.

:func:`train` builds the model, wraps ``model.fit`` with the progress callback
(:mod:`cnndemo.training.progress`) and tests on every held-out set at the end. It returns
status and numbers, never sentences. Saving is separate (:func:`cnndemo.checkpoint.save_weights`
with :func:`cnndemo.cards.build_card`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from cnndemo.data.sets import TrainingSets, training_sets
from cnndemo.precision import choose_precision
from cnndemo.registry import create_model
from cnndemo.training.config import MAX_EPOCHS, MAX_TRAIN_IMAGES, TrainConfig, TrainConfigError
from cnndemo.training.metrics import loss_and_accuracy, predict_probabilities
from cnndemo.training.pipeline import make_training_dataset
from cnndemo.training.progress import ProgressCallback, TrainEvent


@dataclass
class TestResult:
    """Figures on one held-out set.

    Attributes:
        loss, accuracy: mean cross-entropy and accuracy.
        predictions: int64 (n,) predicted digits, in the set's order.
    """

    loss: float
    accuracy: float
    predictions: np.ndarray


@dataclass
class TrainResult:
    """What a run produced.

    Attributes:
        model: the trained ``keras.Model`` (its weights, also when stopped early).
        config: the checked recipe.
        status: "finished", "stopped" (by the stop flag) or "diverged" (loss became NaN/inf).
        sets: the data it trained, validated and tested on.
        history: every event of kinds "batch", "validation" and "epoch", in order.
        epochs_completed: full epochs done.
        images_seen: images trained on.
        train_seconds: wall time of the fit, validation included.
        images_per_s: training throughput.
        tests: figures per test set ("mnist", and "pen" for the pen mix); empty when
            diverged or not evaluated.
        divergence: {"epoch", "step", "loss"} where the loss stopped being finite.
        precision: the dtype policy used.
        start_card: the card of the weights it went on from (``init_from``), or None.
    """

    model: Any
    config: TrainConfig
    status: str
    sets: TrainingSets | None = None
    history: list[TrainEvent] = field(default_factory=list)
    epochs_completed: int = 0
    images_seen: int = 0
    train_seconds: float = 0.0
    images_per_s: float = 0.0
    tests: dict[str, TestResult] = field(default_factory=dict)
    divergence: dict[str, Any] | None = None
    precision: str = "float32"
    start_card: dict[str, Any] | None = None

    def _first_test(self) -> TestResult | None:
        return next(iter(self.tests.values()), None)

    @property
    def test_accuracy(self) -> float | None:
        """Accuracy on the first test set (MNIST's 10,000 test digits)."""
        test = self._first_test()
        return test.accuracy if test else None

    @property
    def test_loss(self) -> float | None:
        test = self._first_test()
        return test.loss if test else None

    @property
    def test_predictions(self) -> np.ndarray | None:
        test = self._first_test()
        return test.predictions if test else None


def _optimizer(config: TrainConfig, total_steps: int, steps_per_epoch: int):
    import keras

    rate: Any = config.learning_rate
    if config.schedule == "cosine":
        warmup = min(steps_per_epoch, max(1, total_steps // 10))
        rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=config.learning_rate / 10,
            decay_steps=max(1, total_steps - warmup),
            warmup_target=config.learning_rate,
            warmup_steps=warmup,
        )
    average = dict(use_ema=True, ema_momentum=config.ema_momentum) if config.ema_momentum else {}
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=0.9, **average)
    return {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}[config.optimizer](rate, **average)


def compile_model(model: Any, config: TrainConfig, total_steps: int, steps_per_epoch: int) -> None:
    """Compile with the recipe's optimizer and schedule, sparse cross-entropy and accuracy."""
    model.compile(
        optimizer=_optimizer(config, total_steps, steps_per_epoch),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def train(
    config: TrainConfig,
    on_event: Callable[[TrainEvent], None] | None = None,
    stop: threading.Event | None = None,
    sets: TrainingSets | None = None,
    event_interval_s: float = 0.25,
    max_epochs: int = MAX_EPOCHS,
    max_train_images: int = MAX_TRAIN_IMAGES,
    evaluate: bool = True,
) -> TrainResult:
    """Train a model of ``config.model`` on a digit set; return a :class:`TrainResult`.

    Args:
        config: the recipe (checked first: :class:`TrainConfigError` before anything starts).
        on_event: called from the training thread with each :class:`TrainEvent`; batch
            events at most every ``event_interval_s`` seconds.
        stop: when set, training ends after the current batch, keeping its weights.
        sets: the data (default: ``training_sets(config.data, ...)``, the bundled files).
        max_epochs, max_train_images: operator caps (a Space or kiosk may lower them).
        evaluate: test on every test set at the end (benchmarks turn it off).
    """
    import keras

    config.check(max_epochs=max_epochs, max_train_images=max_train_images)
    stop = stop or threading.Event()
    emit = on_event or (lambda event: None)
    precision = choose_precision(config.precision)
    if sets is None:
        emit(TrainEvent("prepare"))  # rendering the pen digits takes ~30 s the first time
    sets = sets or training_sets(config.data, seed=config.seed, validation_images=config.validation_images,
                                 pen_copies=config.pen_copies)
    if config.train_images > len(sets.train):
        raise TrainConfigError("train.whole_number", field="train_images", low=100, high=len(sets.train),
                               received=config.train_images)
    train_set = sets.train.take(config.train_images or len(sets.train), seed=config.seed)

    keras.utils.set_random_seed(config.seed)
    model = create_model(config.model, dtype=precision)
    start_card = None
    if config.init_from:
        from cnndemo.checkpoint import load_weights

        start_card = load_weights(model, config.init_from, config.model)
    progress = ProgressCallback(emit, stop, len(train_set), config.batch_size, config.epochs,
                                (sets.validation.images, sets.validation.labels),
                                config.validations_per_epoch, event_interval_s)
    compile_model(model, config, progress.steps_per_epoch * config.epochs, progress.steps_per_epoch)
    emit(TrainEvent("start", epoch=1, steps_per_epoch=progress.steps_per_epoch, total=progress.total))

    started = time.perf_counter()
    dataset = make_training_dataset(train_set.images, train_set.labels, config)
    # shuffle=False: the dataset is shuffled already (Keras would ignore True, with a warning).
    model.fit(dataset, epochs=config.epochs, verbose=0, callbacks=[progress], shuffle=False)
    result = TrainResult(
        model=model, config=config, status=progress.status, sets=sets, history=progress.history,
        epochs_completed=progress.epochs_completed, images_seen=progress.seen,
        train_seconds=time.perf_counter() - started, images_per_s=progress.images_per_s(),
        precision=precision, start_card=start_card,
    )
    if result.status == "diverged":
        result.divergence = {"epoch": progress.epoch, "step": progress.step, "loss": progress.bad_loss}
    elif evaluate:
        def on_progress(done: int, total: int) -> None:
            emit(TrainEvent("evaluate", epoch=progress.epoch, step=progress.step,
                            steps_per_epoch=progress.steps_per_epoch, seen=done, total=total))

        result.tests = evaluate_sets(model, sets, on_progress)
    first = result._first_test()
    emit(TrainEvent("end", epoch=progress.epoch, step=progress.step, steps_per_epoch=progress.steps_per_epoch,
                    seen=progress.seen, total=progress.total, val_loss=first.loss if first else None,
                    val_accuracy=first.accuracy if first else None))
    return result


def evaluate_sets(model: Any, sets: TrainingSets, on_progress: Callable[[int, int], None] | None = None
                  ) -> dict[str, TestResult]:
    """Test ``model`` on each of ``sets.tests``; ``on_progress(done, total)`` over all of them."""
    total = sum(len(s) for s in sets.tests.values())
    done_before = 0
    results = {}
    for name, digits in sets.tests.items():
        def on_chunk(done: int, before: int = done_before) -> None:
            if on_progress is not None:
                on_progress(before + done, total)

        probabilities = predict_probabilities(model, digits.images, on_chunk=on_chunk)
        loss, accuracy = loss_and_accuracy(probabilities, digits.labels)
        results[name] = TestResult(loss, accuracy, probabilities.argmax(axis=1))
        done_before += len(digits)
    return results
