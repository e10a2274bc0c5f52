"""Micro-batching: concurrent drawings share a forward pass; each gets its own answer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from cnndemo.batching import MicroBatcher
from conftest import to_model_input

pytestmark = pytest.mark.unit


def test_a_lone_request_runs_at_once_alone():
    calls = []
    batcher = MicroBatcher(lambda items: calls.append(list(items)) or [i * 2 for i in items])
    assert batcher.submit(21) == 42
    assert calls == [[21]]


def test_requests_arriving_during_a_pass_share_the_next_one():
    release = threading.Event()
    calls = []

    def run(items):
        calls.append(list(items))
        if len(calls) == 1:
            release.wait(5)  # the first pass is slow: the others queue up meanwhile
        return [i + 100 for i in items]

    batcher = MicroBatcher(run, max_batch=4)
    with ThreadPoolExecutor(max_workers=7) as pool:
        first = pool.submit(batcher.submit, 0)
        time.sleep(0.1)
        others = [pool.submit(batcher.submit, i) for i in range(1, 7)]
        time.sleep(0.2)
        release.set()
        assert first.result(5) == 100
        assert [f.result(5) for f in others] == [101, 102, 103, 104, 105, 106]  # each its own answer
    assert calls[0] == [0] and sorted(sum(calls[1:], [])) == [1, 2, 3, 4, 5, 6]
    assert all(len(c) <= 4 for c in calls) and len(calls) == 3  # 1, then 4, then 2


def test_an_error_reaches_every_caller_of_its_batch_and_the_batcher_goes_on():
    def run(items):
        if "bad" in items:
            raise ValueError("boom")
        return items

    batcher = MicroBatcher(run)
    with pytest.raises(ValueError, match="boom"):
        batcher.submit("bad")
    assert batcher.submit("good") == "good"


def test_concurrent_drawings_get_their_own_prediction(simplecnn_predictor, mnist):
    images = to_model_input(mnist.x_test[:24])
    alone = [simplecnn_predictor.run("simplecnn", image).probabilities for image in images]
    with ThreadPoolExecutor(max_workers=12) as pool:
        together = list(pool.map(lambda image: simplecnn_predictor.run("simplecnn", image), images))
    for single, output in zip(alone, together):
        assert np.allclose(single, output.probabilities, atol=1e-5)
        assert output.activations["conv1"].shape == (26, 26, 32)
