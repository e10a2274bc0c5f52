"""Sessions keep their last drawing in bounded memory (webui.sessions)."""

from __future__ import annotations

import numpy as np
import pytest

from cnndemo.predictor import ModelOutput
from webui.sessions import ActivationStore, Drawing, output_bytes

pytestmark = pytest.mark.unit


def fake_output(megabytes: float, value: float = 1.0) -> ModelOutput:
    activations = {"conv1": np.full(int(megabytes * 2**20 / 4), value, np.float32)}
    return ModelOutput(np.full(10, 0.1, np.float32), activations, 0.01)


def test_the_store_keeps_at_most_its_budget_dropping_the_least_recently_used():
    store = ActivationStore(budget_bytes=10 * 2**20)
    tokens = [store.put(fake_output(3)) for _ in range(3)]
    store.get(tokens[0])  # used again: now the most recent
    fourth = store.put(fake_output(3))
    assert store.bytes <= store.budget_bytes
    assert store.get(tokens[1]) is None  # the least recently used went first
    assert store.get(tokens[0]) is not None and store.get(fourth) is not None
    for _ in range(50):
        store.put(fake_output(3))
    assert store.bytes <= store.budget_bytes and len(store) == 3


def test_a_drawing_whose_activations_were_dropped_gets_them_again(simplecnn_predictor, mnist):
    store = ActivationStore(budget_bytes=1)  # keeps only the newest output
    digit = (np.asarray(mnist.x_test[3], np.float32) / 255.0)[..., None]
    output = simplecnn_predictor.run("simplecnn", digit)
    first = Drawing("simplecnn", digit, output, predictor=simplecnn_predictor, store=store)
    Drawing("simplecnn", np.zeros_like(digit), simplecnn_predictor.run("simplecnn", np.zeros_like(digit)),
            predictor=simplecnn_predictor, store=store)
    again = first.output  # dropped by the second drawing: one forward pass
    for name, activation in output.activations.items():
        np.testing.assert_allclose(np.asarray(again.activations[name], np.float32),
                                   np.asarray(activation, np.float32), rtol=1e-5, atol=1e-6)
    assert again.seconds == output.seconds


def test_many_sessions_of_vgg16_sized_drawings_stay_within_the_budget():
    store = ActivationStore(budget_bytes=64 * 2**20)
    sessions = [Drawing("vgg16", np.zeros((28, 28, 1), np.float32), fake_output(14.5), store=store)
                for _ in range(100)]  # 1.45 GB if every session kept its own
    assert store.bytes <= 64 * 2**20
    assert sum(output_bytes(s.output) for s in sessions[-4:]) > 0  # the newest are still there
    with pytest.raises(LookupError):
        sessions[0].output  # dropped, and no predictor to compute it again


def test_a_drawing_nobody_keeps_frees_its_activations():
    import gc

    store = ActivationStore(budget_bytes=2**30)
    kept = Drawing("alexnet", np.zeros((28, 28, 1), np.float32), fake_output(1), store=store)
    for _ in range(20):
        Drawing("alexnet", np.zeros((28, 28, 1), np.float32), fake_output(1), store=store)  # a session moved on
    gc.collect()
    assert len(store) == 1 and kept.output is not None
