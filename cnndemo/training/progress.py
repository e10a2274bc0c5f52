"""Progress of a fit: :class:`TrainEvent` reports and the Keras callback that makes them.

The callback reports throttled progress (reporting costs nothing measurable), obeys a stop
flag within one batch, stops a diverging fit and validates several times per epoch.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

import keras
import numpy as np

from cnndemo.training.metrics import loss_and_accuracy, predict_probabilities


@dataclass
class TrainEvent:
    """One progress report.

    Attributes:
        kind: "prepare" (building the data: drawing pen digits takes a while the first
            time), "start", "batch", "validation", "epoch", "evaluate" (testing at the end;
            ``seen``/``total`` count test images over all test sets) or "end".
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
        val_loss, val_accuracy: set on "validation" and "epoch" events (and on "end": the
            first test set's figures).
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


class ProgressCallback(keras.callbacks.Callback):
    """Reports :class:`TrainEvent` objects to ``emit``; see the module docstring.

    It is ``async_safe``: Keras then runs ``on_train_batch_end`` in a pool of worker
    threads, so reading the batch logs never holds up the training loop. Two batches' ends
    may run at once there, so their bookkeeping is done under a lock (and the step only
    moves forward). Validation, which must not race the weights' updates, runs in
    ``on_train_batch_begin`` (always on the training thread) once a worker has asked for it.

    Args:
        emit: called with each event (batch events at most every ``interval`` seconds).
        stop: when set, training ends after the current batch.
        images_per_epoch, batch_size, epochs: the run's shape.
        validation: (images, labels) for the validation curve; empty arrays turn it off.
        validations_per_epoch: validation points per epoch.
        interval: seconds between batch events.
    """

    async_safe = True

    def __init__(self, emit: Callable[[TrainEvent], None], stop: threading.Event, images_per_epoch: int,
                 batch_size: int, epochs: int, validation: tuple[np.ndarray, np.ndarray],
                 validations_per_epoch: int = 4, interval: float = 0.25):
        super().__init__()
        self.emit, self.stop_flag = emit, stop
        self.images_per_epoch, self.batch_size = images_per_epoch, batch_size
        self.x_val, self.y_val = validation
        self.steps_per_epoch = math.ceil(images_per_epoch / batch_size)
        self.interval = interval
        self.total = images_per_epoch * epochs
        self.seen = self.epoch = self.step = self.epochs_completed = 0
        self.status, self.bad_loss = "finished", None
        self.history: list[TrainEvent] = []
        self.validate_every = max(1, self.steps_per_epoch // validations_per_epoch)
        self.validation_due = False
        self.validation_seconds = 0.0
        self.first_batch: tuple[int, float, float] | None = None  # (seen, time, validation s)
        self.last_emit = 0.0
        self.logs: dict = {}
        self.smooth: dict[str, float] = {}
        self.previous_means: dict[str, float] = {}
        self.lock = threading.Lock()

    def images_per_s(self) -> float:
        """Images per second of training since the first batch (which includes tracing),
        validation time left out."""
        if self.first_batch is None:
            return 0.0
        seen, started, validated = self.first_batch
        seconds = time.perf_counter() - started - (self.validation_seconds - validated)
        if self.seen <= seen or seconds <= 0:
            return 0.0
        return (self.seen - seen) / seconds

    def event(self, kind: str, **extra) -> TrainEvent:
        """An event of ``kind`` describing the run as it stands."""
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
        self.seen += min(self.batch_size, self.images_per_epoch - batch * self.batch_size)
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
            self._record(self.event("batch"))
            return
        near_end = self.step > self.steps_per_epoch - self.validate_every // 2  # the epoch end validates
        if self.x_val.size and self.step % self.validate_every == 0 and not near_end:
            self.validation_due = True
        elif time.perf_counter() - self.last_emit >= self.interval:
            self._record(self.event("batch"))

    def _validate(self, kind: str) -> None:
        started = time.perf_counter()
        val_loss, val_accuracy = loss_and_accuracy(predict_probabilities(self.model, self.x_val), self.y_val)
        self.validation_seconds += time.perf_counter() - started
        self._record(self.event(kind, val_loss=val_loss, val_accuracy=val_accuracy))

    def on_epoch_end(self, epoch, logs=None):  # training thread, after the worker is flushed
        if self.status != "finished":
            return
        self.epochs_completed = epoch + 1
        if self.x_val.size:
            self._validate("epoch")
        else:
            self._record(self.event("epoch"))
