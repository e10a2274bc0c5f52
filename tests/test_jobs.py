"""TrainingManager: one run per server, operator limits, stop by owner, errors kept."""

from __future__ import annotations

import threading

import pytest

from cnndemo.jobs import TrainingBusyError, TrainingDisabledError, TrainingLimits, TrainingManager
from cnndemo.training import TrainConfig, TrainEvent

pytestmark = pytest.mark.unit


class BlockingRunner:
    """Stands in for cnndemo.training.train: reports one event, then waits for stop or release."""

    def __init__(self):
        self.release = threading.Event()
        self.started = threading.Event()
        self.received = {}

    def __call__(self, config, on_event, stop, **kwargs):
        self.received = kwargs
        on_event(TrainEvent("batch", epoch=1, step=1, steps_per_epoch=10, seen=10, total=100))
        self.started.set()
        while not (stop.is_set() or self.release.is_set()):
            stop.wait(0.01)
        return "stopped" if stop.is_set() else "finished"


def drain(job):
    events = []
    while True:
        event = job.events.get(timeout=10)
        if event is None:
            return events
        events.append(event)


def test_disabled_training_refuses_to_start():
    manager = TrainingManager(TrainingLimits(enabled=False), runner=BlockingRunner())
    with pytest.raises(TrainingDisabledError, match="train.disabled"):
        manager.start(TrainConfig(), owner="a")


def test_caps_are_checked_before_anything_starts():
    runner = BlockingRunner()
    manager = TrainingManager(TrainingLimits(max_epochs=2, max_train_images=1000), runner=runner)
    with pytest.raises(ValueError) as too_many_epochs:
        manager.start(TrainConfig(epochs=3, train_images=500), owner="a")
    assert too_many_epochs.value.params == {"field": "epochs", "low": 1, "high": 2, "received": 3}
    with pytest.raises(ValueError) as too_many_images:
        manager.start(TrainConfig(epochs=1, train_images=1001), owner="a")
    assert too_many_images.value.params["field"] == "train_images" and too_many_images.value.params["high"] == 1000
    assert manager.current is None and not runner.started.is_set()


def test_second_start_is_refused_while_one_runs_and_allowed_after():
    runner = BlockingRunner()
    manager = TrainingManager(TrainingLimits(max_epochs=4, max_train_images=2000), runner=runner)
    job = manager.start(TrainConfig(epochs=1, train_images=500), owner="a")
    assert runner.started.wait(10)
    assert runner.received["max_epochs"] == 4 and runner.received["max_train_images"] == 2000
    with pytest.raises(TrainingBusyError) as busy:
        manager.start(TrainConfig(epochs=1, train_images=500), owner="b")
    assert busy.value.code == "train.busy" and busy.value.params["model"] == "simplecnn"
    assert busy.value.params["percent"] == 10  # the runner's one event: 10 of 100 images
    runner.release.set()
    assert [e.kind for e in drain(job)] == ["batch"]
    job.thread.join(10)
    assert job.result == "finished" and manager.current is None
    runner.release.clear()
    second = manager.start(TrainConfig(epochs=1, train_images=500), owner="b")
    manager.stop("b")
    drain(second)
    assert second.result == "stopped"


def test_only_the_owner_can_stop_a_run():
    runner = BlockingRunner()
    manager = TrainingManager(TrainingLimits(), runner=runner)
    job = manager.start(TrainConfig(epochs=1, train_images=500), owner="teacher")
    assert runner.started.wait(10)
    assert manager.stop("student") is False and not job.stop.is_set()
    assert manager.stop("teacher") is True
    drain(job)
    assert job.result == "stopped"
    assert manager.stop("teacher") is False  # nothing runs any more


def test_a_crashing_run_reports_its_error_and_frees_the_server():
    def crashing(config, on_event, stop, **kwargs):
        raise RuntimeError("out of memory")

    manager = TrainingManager(TrainingLimits(), runner=crashing)
    job = manager.start(TrainConfig(epochs=1, train_images=500), owner="a")
    assert drain(job) == []
    job.thread.join(10)
    assert isinstance(job.error, RuntimeError) and manager.current is None
