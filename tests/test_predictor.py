"""The Predictor: shipped SimpleCNN weights, one forward pass with every layer's activations."""

from __future__ import annotations

import numpy as np
import pytest

from cnndemo.checkpoint import WeightsError
from cnndemo.predictor import Predictor
from conftest import to_model_input

LAYER_KINDS = ("Conv2D", "MaxPooling2D", "Dense")


def test_shipped_simplecnn_classifies_mnist_test_digits(simplecnn_predictor, mnist):
    images = to_model_input(mnist.x_test[:100])
    predicted = [int(np.argmax(simplecnn_predictor.run("simplecnn", image).probabilities)) for image in images]
    correct = int(np.sum(np.array(predicted) == mnist.y_test[:100]))
    assert correct >= 97


def test_run_returns_probabilities_equal_to_the_models_own_output(simplecnn_predictor, mnist):
    image = to_model_input(mnist.x_test[7])
    output = simplecnn_predictor.run("simplecnn", image)
    assert output.probabilities.shape == (10,)
    assert output.probabilities.dtype == np.float32
    assert output.probabilities.sum() == pytest.approx(1.0, abs=1e-3)
    model = simplecnn_predictor.get("simplecnn").model
    direct = np.asarray(model(image[None], training=False), np.float32)[0]
    np.testing.assert_allclose(output.probabilities, direct, atol=1e-4)
    assert output.seconds >= 0


def test_activations_cover_every_conv_pool_and_dense_layer_with_its_shape(simplecnn_predictor, mnist):
    output = simplecnn_predictor.run("simplecnn", to_model_input(mnist.x_test[0]))
    model = simplecnn_predictor.get("simplecnn").model
    layers = [layer for layer in model.layers if type(layer).__name__ in LAYER_KINDS]
    assert len(layers) == 7  # MODELS.md: 3 conv, 2 pool, 2 dense
    for layer in layers:
        assert layer.name in output.activations, layer.name
        activation = output.activations[layer.name]
        assert activation.shape == tuple(layer.output.shape[1:]), layer.name
        assert activation.dtype == np.dtype(layer.compute_dtype)  # left uncast: float32 or bfloat16
        assert np.isfinite(np.asarray(activation, np.float32)).all()
    # in layer order, ending with the probabilities
    names = list(output.activations)
    assert [n for n in names if n in {l.name for l in layers}] == [l.name for l in layers]
    np.testing.assert_array_equal(output.activations[layers[-1].name], output.probabilities)
    # ReLU layers are non-negative
    assert np.asarray(output.activations["conv1"], np.float32).min() >= 0


@pytest.mark.parametrize("k", [1, 3, 5, 10])
def test_top_k_is_sorted_and_consistent(simplecnn_predictor, mnist, k):
    output = simplecnn_predictor.run("simplecnn", to_model_input(mnist.x_test[3]))
    top = output.top_k(k)
    assert len(top) == k
    values = list(top.values())
    assert values == sorted(values, reverse=True)
    assert sum(values) <= 1.0 + 1e-5
    assert all(label in [str(d) for d in range(10)] for label in top)
    assert next(iter(top)) == str(int(np.argmax(output.probabilities)))
    if k == 10:
        assert sum(values) == pytest.approx(1.0, abs=1e-3)


def test_get_accepts_display_names_in_any_case(simplecnn_predictor):
    entry = simplecnn_predictor.get("simplecnn")
    assert simplecnn_predictor.get("SimpleCNN") is entry
    assert simplecnn_predictor.get("SIMPLECNN") is entry
    assert entry.card.get("test_accuracy", 0) > 0.97  # shipped, trained weights with their card


@pytest.mark.parametrize("key", ["resnet", "alexnet", "", "simple"])
def test_unknown_key_raises_value_error_naming_the_loaded_models(simplecnn_predictor, key):
    with pytest.raises(ValueError) as error:
        simplecnn_predictor.run(key, np.zeros((28, 28, 1), np.float32))
    assert "SimpleCNN" in str(error.value)
    assert repr(key) in str(error.value)


def test_missing_weights_raise_a_clear_weights_error(tmp_path):
    with pytest.raises(WeightsError) as error:
        Predictor.load(weights_dir=tmp_path, models=["simplecnn"], precision="float32")
    message = str(error.value)
    assert "simplecnn" in message
    assert str(tmp_path) in message
    assert "train" in message  # says how to make them


def test_allow_untrained_loads_random_weights_with_an_empty_card(tmp_path, mnist):
    predictor = Predictor.load(weights_dir=tmp_path, models=["simplecnn"], precision="float32", allow_untrained=True)
    assert predictor.keys() == ["simplecnn"]
    entry = predictor.get("simplecnn")
    assert entry.card == {}
    output = predictor.run("simplecnn", to_model_input(mnist.x_test[0]))
    assert output.probabilities.sum() == pytest.approx(1.0, abs=1e-4)
    assert not np.isnan(output.probabilities).any()


def test_missing_weights_are_reported_not_hidden(tmp_path):
    predictor = Predictor.load(tmp_path, models=["simplecnn"], allow_untrained=True)
    assert "simplecnn" in predictor.problems
    assert "python -m cnndemo train --model simplecnn" in predictor.problems["simplecnn"]


def test_auto_precision_keeps_simplecnn_in_float32(simplecnn_predictor):
    # SimpleCNN declares inference_precision="float32": too small for bf16 to pay off.
    assert simplecnn_predictor.get("simplecnn").precision == "float32"
    assert simplecnn_predictor.precision_for("simplecnn") == "float32"


def test_an_explicit_precision_is_obeyed_for_every_model(tmp_path):
    predictor = Predictor.load(tmp_path, models=["simplecnn"], precision="mixed_bfloat16", allow_untrained=True)
    assert predictor.get("simplecnn").precision == "mixed_bfloat16"
