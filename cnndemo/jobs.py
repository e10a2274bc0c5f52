"""One training at a time per server, with operator limits.

:class:`TrainingManager` runs :func:`cnndemo.training.train` in a worker thread, hands its
progress events to the caller through a queue, and refuses a second start while one runs.
Gradio-free, so the rules are testable on their own.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from cnndemo.messages import CnnDemoError
from cnndemo.training import MAX_EPOCHS, MAX_TRAIN_IMAGES, TrainConfig, TrainEvent, TrainResult, train


class TrainingBusyError(CnnDemoError, RuntimeError):
    """``train.busy``: a training is already running on this server (model, percent, minutes)."""


class TrainingDisabledError(CnnDemoError, RuntimeError):
    """``train.disabled``: the operator turned training off."""


@dataclass(frozen=True)
class TrainingLimits:
    """What the operator of a Space or kiosk allows (the app fills it from its settings).

    Attributes:
        enabled: training may run at all.
        max_epochs, max_train_images: caps on one run (images per epoch).
    """

    enabled: bool = True
    max_epochs: int = MAX_EPOCHS
    max_train_images: int = MAX_TRAIN_IMAGES

    @property
    def capped(self) -> bool:
        """True when a cap is below the package's own maximum."""
        return self.max_epochs < MAX_EPOCHS or self.max_train_images < MAX_TRAIN_IMAGES


@dataclass
class TrainingJob:
    """A run in progress (or finished).

    Attributes:
        owner: who started it (a session id).
        config: its checked recipe.
        events: :class:`TrainEvent` objects, in order, then ``None`` when the run is over.
        stop: set to end the run after the current batch (its weights are kept).
        result: the :class:`TrainResult` once finished; ``error`` if it crashed.
    """

    owner: str
    config: TrainConfig
    events: "queue.Queue[TrainEvent | None]" = field(default_factory=queue.Queue)
    stop: threading.Event = field(default_factory=threading.Event)
    started_at: float = field(default_factory=time.time)
    result: TrainResult | None = None
    error: BaseException | None = None
    last_event: TrainEvent | None = None
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class TrainingManager:
    """Starts at most one :class:`TrainingJob` at a time."""

    def __init__(self, limits: TrainingLimits | None = None, runner: Callable[..., TrainResult] = train):
        self.limits = limits or TrainingLimits()
        self._runner = runner
        self._lock = threading.Lock()
        self._job: TrainingJob | None = None

    @property
    def current(self) -> TrainingJob | None:
        """The running job, if any."""
        job = self._job
        return job if job is not None and job.running else None

    def start(self, config: TrainConfig, owner: str, event_interval_s: float = 0.25) -> TrainingJob:
        """Check ``config`` against the limits and start it in a worker thread.

        Raises:
            TrainingDisabledError: ``train.disabled``.
            TrainConfigError: a bad field (nothing started).
            TrainingBusyError: ``train.busy``, with how far the other run is.
        """
        if not self.limits.enabled:
            raise TrainingDisabledError("train.disabled")
        config.check(max_epochs=self.limits.max_epochs, max_train_images=self.limits.max_train_images)
        with self._lock:
            running = self.current
            if running is not None:
                done = running.last_event.fraction if running.last_event else 0.0
                minutes = (time.time() - running.started_at) / 60
                raise TrainingBusyError("train.busy", model=running.config.model, percent=round(100 * done),
                                        minutes=round(minutes))
            job = TrainingJob(owner=owner, config=config)

            def on_event(event: TrainEvent) -> None:
                job.last_event = event
                job.events.put(event)

            def run() -> None:
                try:
                    job.result = self._runner(
                        config, on_event=on_event, stop=job.stop, event_interval_s=event_interval_s,
                        max_epochs=self.limits.max_epochs, max_train_images=self.limits.max_train_images,
                    )
                except BaseException as error:  # reported to the caller, never lost
                    job.error = error
                finally:
                    job.events.put(None)

            job.thread = threading.Thread(target=run, name=f"train-{config.model}", daemon=True)
            self._job = job
            job.thread.start()
        return job

    def stop(self, owner: str | None = None) -> bool:
        """Ask the running job to stop (only its owner's request counts, unless owner is None)."""
        job = self.current
        if job is None or (owner is not None and job.owner != owner):
            return False
        job.stop.set()
        return True
