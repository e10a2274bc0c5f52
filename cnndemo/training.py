"""The fit runner behind both the Train tab and ``python -m cnndemo train``.

One function, :func:`train`, wraps ``model.fit`` with a callback that reports progress
(throttled, so reporting costs nothing measurable), obeys a stop flag within one batch,
stops a diverging fit, validates several times per epoch, and evaluates on the 10,000
test images at the end. Saving is separate (:func:`cnndemo.checkpoint.save_weights`).
"""

from __future__ import annotations

import math
import os
import platform
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

import numpy as np

from cnndemo.data import Mnist, load_mnist, to_model_input
from cnndemo.precision import choose_precision
from cnndemo.registry import create_model, model_info, resolve_name

OPTIMIZERS = ("adam", "rmsprop", "sgd")
SCHEDULES = ("constant", "cosine")
MAX_BATCH_SIZE = 1024
MAX_EPOCHS = 100
TRAIN_IMAGES = 60_000


@dataclass
class TrainConfig:
    """A training recipe. :meth:`check` validates it before anything starts.

    Attributes:
        model: registry key or display name.
        epochs: full passes over ``train_images`` images, 1..100.
        batch_size: 1..1024.
        optimizer: "adam", "rmsprop" or "sgd" (sgd uses momentum 0.9).
        learning_rate: peak learning rate, (0, 1].
        train_images: how many of the 60,000 training images to use (the first n of a
            fixed shuffle, so small subsets keep every digit), 100..60000.
        precision: "auto", "float32", "mixed_bfloat16" or "mixed_float16".
        schedule: "constant" or "cosine" (one-epoch-fraction warm-up, then cosine to 0).
        augment: small random shifts, rotations and zooms of the training digits.
        validation_images: test images used for the validation curve (0 turns it off).
        validations_per_epoch: how often the validation curve gets a point.
        seed: seed for the subset shuffle, weight init and augmentation.
        init_from: "" to start from random weights, or a directory holding this model's
            card and weights (e.g. an earlier run's ``--out``) to go on training them
            (fine-tuning); the new card records the earlier card.
    """

    model: str = "simplecnn"
    epochs: int = 5
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    train_images: int = TRAIN_IMAGES
    precision: str = "auto"
    schedule: str = "constant"
    augment: bool = False
    validation_images: int = 1000
    validations_per_epoch: int = 4
    seed: int = 0
    init_from: str = ""

    def check(self, max_epochs: int = MAX_EPOCHS, max_train_images: int = TRAIN_IMAGES) -> "TrainConfig":
        """Raise ``ValueError`` with a plain sentence for the first bad field; return self."""
        self.model = resolve_name(self.model)

        def whole(value: Any, label: str, low: int, high: int) -> int:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValueError(f"{label} must be a whole number from {low} to {high:,}. Received: {value!r}.")
            return value

        self.epochs = whole(self.epochs, "Epochs", 1, max_epochs)
        self.batch_size = whole(self.batch_size, "Batch size", 1, MAX_BATCH_SIZE)
        self.train_images = whole(self.train_images, "Training images", 100, max_train_images)
        self.validation_images = whole(self.validation_images, "Validation images", 0, 10_000)
        self.validations_per_epoch = whole(self.validations_per_epoch, "Validations per epoch", 1, 20)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"Optimizer must be one of {list(OPTIMIZERS)}. Received: {self.optimizer!r}.")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"Schedule must be one of {list(SCHEDULES)}. Received: {self.schedule!r}.")
        try:
            rate = float(self.learning_rate)
        except (TypeError, ValueError):
            rate = float("nan")
        if not (math.isfinite(rate) and 0 < rate <= 1):
            raise ValueError(
                f"Learning rate must be greater than 0 and at most 1 (try 0.001). Received: {self.learning_rate!r}."
            )
        self.learning_rate = rate
        choose_precision(self.precision)  # raises for an unknown name
        self.init_from = str(self.init_from or "")
        if self.init_from:
            from cnndemo.checkpoint import WeightsError, read_card

            try:
                read_card(self.init_from, self.model)
            except WeightsError as error:
                raise ValueError(f"Cannot start from {self.init_from!r}: {error}") from error
        return self


@dataclass
class TrainEvent:
    """One progress report.

    Attributes:
        kind: "start", "batch", "validation", "epoch", "evaluate" (testing on the 10,000
            test images; ``seen``/``total`` count test images) or "end".
        epoch: 1-based epoch in progress.
        step: 1-based step within the epoch.
        steps_per_epoch: steps in one epoch.
        seen: images trained on so far, over all epochs.
        total: images the whole run will train on.
        images_per_s: training throughput since the start, excluding validation time.
        eta_s: estimated seconds left.
        loss, accuracy: running means over the epoch so far (Keras batch logs).
        smooth_loss, smooth_accuracy: per-batch values, exponentially smoothed across
            epochs (no jump at epoch boundaries): what the curves plot.
        val_loss, val_accuracy: set on "validation" and "epoch" events.
    """

    kind: str
    epoch: int = 0
    step: int = 0
    steps_per_epoch: int = 0
    seen: int = 0
    total: int = 0
    images_per_s: float = 0.0
    eta_s: float = 0.0
    loss: float | None = None
    accuracy: float | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    smooth_loss: float | None = None
    smooth_accuracy: float | None = None

    @property
    def fraction(self) -> float:
        """Progress in [0, 1]."""
        return min(1.0, self.seen / self.total) if self.total else 0.0

    @property
    def epoch_position(self) -> float:
        """Position in epochs as a float (1.5 = half-way through epoch 2), for curves."""
        return (self.epoch - 1) + (self.step / self.steps_per_epoch if self.steps_per_epoch else 0)


@dataclass
class TrainResult:
    """What a run produced.

    Attributes:
        model: the trained ``keras.Model`` (its weights, also when stopped early).
        config: the checked recipe.
        status: "finished", "stopped" (by the stop flag) or "diverged" (loss became NaN/inf).
        message: one sentence for the user.
        history: every event of kinds "batch", "validation" and "epoch", in order.
        epochs_completed: full epochs done.
        images_seen: images trained on.
        train_seconds: wall time of the fit, validation included.
        images_per_s: training throughput.
        test_loss, test_accuracy: on the 10,000 test images (None when diverged).
        test_predictions: int (10000,) predicted digits (None when diverged).
        precision: the dtype policy used.
    """

    model: Any
    config: TrainConfig
    status: str
    message: str
    history: list[TrainEvent] = field(default_factory=list)
    epochs_completed: int = 0
    images_seen: int = 0
    train_seconds: float = 0.0
    images_per_s: float = 0.0
    test_loss: float | None = None
    test_accuracy: float | None = None
    test_predictions: np.ndarray | None = None
    test_probabilities: np.ndarray | None = None
    precision: str = "float32"
    start_card: dict[str, Any] | None = None

    def card(self, mnist: Mnist) -> dict[str, Any]:
        """The model card: recipe, results and versions, JSON-ready."""
        import keras
        import tensorflow as tf

        info = model_info(self.config.model)
        card = {
            "model": info.name,
            "display_name": info.display_name,
            "params": int(self.model.count_params()),
            "status": self.status,
            "recipe": asdict(self.config) | {"precision": self.precision},
            "epochs_completed": self.epochs_completed,
            "images_seen": self.images_seen,
            "train_images": self.config.train_images,
            "test_images": int(len(mnist.y_test)),
            "test_loss": self.test_loss,
            "test_accuracy": self.test_accuracy,
            "train_seconds": round(self.train_seconds, 1),
            "images_per_s": round(self.images_per_s, 1),
            "validation": f"{self.config.validation_images} test images, monitoring only (no model selection)",
            "data_sha256": mnist.sha256,
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": {
                "python": platform.python_version(),
                "tensorflow": tf.__version__,
                "keras": keras.__version__,
                "numpy": np.__version__,
                "backend": keras.backend.backend(),
            },
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        }
        if self.start_card is not None:
            epochs_before, seconds_before = card_totals(self.start_card)
            card["initialised_from"] = self.start_card
            card["total_epochs"] = self.epochs_completed + epochs_before
            card["total_train_seconds"] = round(self.train_seconds + seconds_before, 1)
        return card


def card_totals(card: dict[str, Any]) -> tuple[int, float]:
    """(epochs, training seconds) of a card, counting the runs it went on from (``init_from``).

    Raises ``KeyError`` for a card without ``epochs_completed`` / ``train_seconds``."""
    return card.get("total_epochs", card["epochs_completed"]), card.get("total_train_seconds", card["train_seconds"])


def predict_probabilities(
    model: Any, images: np.ndarray, batch_size: int = 250, on_chunk: Callable[[int], None] | None = None
) -> np.ndarray:
    """Float32 (n, 10) probabilities for float32 (n, 28, 28, 1) images, via compiled batches.

    ``on_chunk(done)`` is called after each batch with the number of images done so far.
    """
    chunks = []
    for start in range(0, len(images), batch_size):
        chunks.append(np.asarray(model.predict_on_batch(images[start : start + batch_size]), dtype=np.float32))
        if on_chunk is not None:
            on_chunk(start + len(chunks[-1]))
    return np.concatenate(chunks) if chunks else np.zeros((0, 10), np.float32)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, classes: int = 10) -> np.ndarray:
    """int64 (classes, classes): row = true digit, column = predicted digit."""
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (labels.astype(np.int64), predictions.astype(np.int64)), 1)
    return matrix


def loss_and_accuracy(probabilities: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Mean sparse categorical cross-entropy and accuracy of (n, 10) probabilities."""
    picked = probabilities[np.arange(len(labels)), labels.astype(np.int64)]
    loss = float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))
    return loss, float(np.mean(probabilities.argmax(axis=1) == labels))


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
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=0.9)
    return {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}[config.optimizer](rate)


def make_training_dataset(x: np.ndarray, y: np.ndarray, config: TrainConfig):
    """A shuffled, batched ``tf.data.Dataset`` of float32 (b, 28, 28, 1) images and labels,
    augmented on the fly when ``config.augment``."""
    import keras
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=config.seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(config.batch_size)
    if config.augment:
        augment = keras.Sequential(
            [
                keras.layers.RandomRotation(0.04, fill_mode="constant", seed=config.seed),  # +-14 degrees
                keras.layers.RandomZoom(0.1, fill_mode="constant", seed=config.seed + 1),
                keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=config.seed + 2),
            ],
            name="augment",
        )
        dataset = dataset.map(lambda a, b: (augment(a, training=True), b), num_parallel_calls=tf.data.AUTOTUNE)
    # No autotuning: its thread sleeps up to 10 s between rounds and ending an epoch (which
    # destroys the epoch's iterator) waits for it, so the CPU idled up to 10 s at epoch
    # ends here. An in-memory pipeline has nothing to tune (benchmarks/epoch_gaps.py).
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(options)


def compile_model(model: Any, config: TrainConfig, total_steps: int, steps_per_epoch: int) -> None:
    """Compile with the recipe's optimizer and schedule, sparse cross-entropy and accuracy."""
    model.compile(
        optimizer=_optimizer(config, total_steps, steps_per_epoch),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def select_training_subset(mnist: Mnist, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` images of a fixed shuffle of the 60,000: float32 (n, 28, 28, 1), uint8 (n,)."""
    order = np.random.default_rng(seed).permutation(len(mnist.y_train))[:n]
    return to_model_input(mnist.x_train[order]), mnist.y_train[order]


def train(
    config: TrainConfig,
    on_event: Callable[[TrainEvent], None] | None = None,
    stop: threading.Event | None = None,
    mnist: Mnist | None = None,
    event_interval_s: float = 0.25,
    max_epochs: int = MAX_EPOCHS,
    max_train_images: int = TRAIN_IMAGES,
    evaluate: bool = True,
) -> TrainResult:
    """Train a fresh model of ``config.model`` on MNIST; return a :class:`TrainResult`.

    Args:
        config: the recipe (checked first: ``ValueError`` before anything starts).
        on_event: called from the training thread with each :class:`TrainEvent`; batch
            events at most every ``event_interval_s`` seconds.
        stop: when set, training ends after the current batch, keeping its weights.
        mnist: the data (default: the bundled files).
        max_epochs, max_train_images: operator caps (a Space or kiosk may lower them).
        evaluate: test on the 10,000 test images at the end (benchmarks turn it off).
    """
    import keras

    config.check(max_epochs=max_epochs, max_train_images=max_train_images)
    mnist = mnist or load_mnist()
    stop = stop or threading.Event()
    emit = on_event or (lambda event: None)
    precision = choose_precision(config.precision)

    keras.utils.set_random_seed(config.seed)
    x_train, y_train = select_training_subset(mnist, config.train_images, config.seed)
    x_test = to_model_input(mnist.x_test)
    x_val, y_val = x_test[: config.validation_images], mnist.y_test[: config.validation_images]
    steps_per_epoch = math.ceil(len(x_train) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs

    model = create_model(config.model, dtype=precision)
    start_card = None
    if config.init_from:
        from cnndemo.checkpoint import load_weights

        start_card = load_weights(model, config.init_from, config.model)
    compile_model(model, config, total_steps, steps_per_epoch)
    progress = _ProgressCallback(config, emit, stop, x_val, y_val, steps_per_epoch, event_interval_s)
    emit(TrainEvent("start", epoch=1, steps_per_epoch=steps_per_epoch, total=len(x_train) * config.epochs))

    started = time.perf_counter()
    model.fit(make_training_dataset(x_train, y_train, config), epochs=config.epochs, verbose=0, callbacks=[progress])
    train_seconds = time.perf_counter() - started

    result = TrainResult(
        model=model,
        config=config,
        status=progress.status,
        message="",
        history=progress.history,
        epochs_completed=progress.epochs_completed,
        images_seen=progress.seen,
        train_seconds=train_seconds,
        images_per_s=progress.images_per_s(),
        precision=precision,
        start_card=start_card,
    )
    if result.status == "diverged":
        result.message = (
            f"Training diverged: the loss became {progress.bad_loss} at epoch {progress.epoch}, "
            f"step {progress.step}. Nothing was saved. Try a smaller learning rate "
            f"(now {config.learning_rate:g})."
        )
    elif not evaluate:
        result.message = f"Trained on {result.images_seen:,} images in {train_seconds:.0f} s (not evaluated)."
    else:
        def on_chunk(done: int) -> None:
            emit(TrainEvent("evaluate", epoch=progress.epoch, step=progress.step, steps_per_epoch=steps_per_epoch,
                            seen=done, total=len(x_test)))

        probabilities = predict_probabilities(model, x_test, on_chunk=on_chunk)
        result.test_probabilities = probabilities
        result.test_predictions = probabilities.argmax(axis=1)
        result.test_loss, result.test_accuracy = loss_and_accuracy(probabilities, mnist.y_test)
        done = "Stopped" if result.status == "stopped" else "Finished"
        result.message = (
            f"{done} after {result.images_seen:,} images ({result.epochs_completed} full "
            f"epoch{'' if result.epochs_completed == 1 else 's'}) in "
            f"{train_seconds:.0f} s: test accuracy {result.test_accuracy:.2%}, test loss {result.test_loss:.4f}."
        )
    emit(TrainEvent("end", epoch=progress.epoch, step=progress.step, steps_per_epoch=steps_per_epoch,
                    seen=progress.seen, total=progress.total, val_loss=result.test_loss,
                    val_accuracy=result.test_accuracy))
    return result


class _ProgressCallback:
    """Keras callback (built lazily to keep ``import cnndemo`` light) - see :func:`train`.

    It is ``async_safe``: Keras then runs ``on_train_batch_end`` in a pool of worker
    threads, so reading the batch logs never holds up the training loop. Two batches' ends
    may run at once there, so their bookkeeping is done under a lock (and the step only
    moves forward). Validation, which must not race the weights' updates, runs in
    ``on_train_batch_begin`` (always on the training thread) once a worker has asked for it.
    """

    def __new__(cls, *args, **kwargs):
        import keras

        class ProgressCallback(keras.callbacks.Callback):
            async_safe = True

            def __init__(self, config, emit, stop, x_val, y_val, steps_per_epoch, interval):
                super().__init__()
                self.config, self.emit, self.stop_flag = config, emit, stop
                self.x_val, self.y_val = x_val, y_val
                self.steps_per_epoch, self.interval = steps_per_epoch, interval
                self.total = config.train_images * config.epochs
                self.seen = self.epoch = self.step = self.epochs_completed = 0
                self.status, self.bad_loss = "finished", None
                self.history: list[TrainEvent] = []
                self.validate_every = max(1, steps_per_epoch // config.validations_per_epoch)
                self.validation_due = False
                self.validation_seconds = 0.0
                self.first_batch: tuple[int, float, float] | None = None  # (seen, time, validation s)
                self.last_emit = 0.0
                self.logs: dict = {}
                self.smooth: dict[str, float] = {}
                self.previous_means: dict[str, float] = {}
                self.lock = threading.Lock()

            def images_per_s(self) -> float:
                """Images per second of training since the first batch (which includes
                tracing), validation time left out."""
                if self.first_batch is None:
                    return 0.0
                seen, started, validated = self.first_batch
                seconds = time.perf_counter() - started - (self.validation_seconds - validated)
                if self.seen <= seen or seconds <= 0:
                    return 0.0
                return (self.seen - seen) / seconds

            def _event(self, kind: str, **extra) -> TrainEvent:
                rate = self.images_per_s()
                return TrainEvent(
                    kind, epoch=self.epoch, step=self.step, steps_per_epoch=self.steps_per_epoch,
                    seen=self.seen, total=self.total, images_per_s=rate,
                    eta_s=(self.total - self.seen) / rate if rate else 0.0,
                    loss=self.logs.get("loss"), accuracy=self.logs.get("accuracy"),
                    smooth_loss=self.smooth.get("loss"), smooth_accuracy=self.smooth.get("accuracy"), **extra,
                )

            def _record(self, event: TrainEvent) -> None:
                self.history.append(event)
                self.emit(event)
                self.last_emit = time.perf_counter()

            def _update_smooth(self) -> None:
                # Keras logs running means within an epoch; recover this batch's value and
                # smooth it exponentially so curves carry on across epoch boundaries.
                for key in ("loss", "accuracy"):
                    if key not in self.logs:
                        continue
                    mean, step = self.logs[key], self.step
                    batch_value = mean if step == 1 else step * mean - (step - 1) * self.previous_means.get(key, mean)
                    self.previous_means[key] = mean
                    alpha = 0.1 if key in self.smooth else 1.0
                    self.smooth[key] = (1 - alpha) * self.smooth.get(key, batch_value) + alpha * batch_value

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch, self.step = epoch + 1, 0

            def on_train_batch_begin(self, batch, logs=None):  # training thread
                if self.validation_due:
                    self.validation_due = False
                    self._validate("validation")

            def on_train_batch_end(self, batch, logs=None):  # one of Keras' callback worker threads
                with self.lock:
                    self._batch_end(batch, logs)

            def _batch_end(self, batch, logs):
                self.step = max(self.step, batch + 1)
                self.seen += min(self.config.batch_size, self.config.train_images - batch * self.config.batch_size)
                if self.first_batch is None:
                    self.first_batch = (self.seen, time.perf_counter(), self.validation_seconds)
                self.logs = {k: float(v) for k, v in (logs or {}).items()}
                loss = self.logs.get("loss", 0.0)
                if not math.isfinite(loss):
                    self.status, self.bad_loss = "diverged", loss
                    self.model.stop_training = True
                    return
                self._update_smooth()
                if self.stop_flag.is_set() and self.status == "finished":
                    self.status = "stopped"
                    self.model.stop_training = True
                    self._record(self._event("batch"))
                    return
                near_end = self.step > self.steps_per_epoch - self.validate_every // 2  # the epoch end validates
                if self.x_val.size and self.step % self.validate_every == 0 and not near_end:
                    self.validation_due = True
                elif time.perf_counter() - self.last_emit >= self.interval:
                    self._record(self._event("batch"))

            def _validate(self, kind: str) -> None:
                started = time.perf_counter()
                val_loss, val_accuracy = loss_and_accuracy(predict_probabilities(self.model, self.x_val), self.y_val)
                self.validation_seconds += time.perf_counter() - started
                self._record(self._event(kind, val_loss=val_loss, val_accuracy=val_accuracy))

            def on_epoch_end(self, epoch, logs=None):  # training thread, after the worker is flushed
                if self.status != "finished":
                    return
                self.epochs_completed = epoch + 1
                if self.x_val.size:
                    self._validate("epoch")
                else:
                    self._record(self._event("epoch"))

        return ProgressCallback(*args, **kwargs)
