"""The Predictor: shipped SimpleCNN weights, one forward pass with every layer's activations."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.unit

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
    assert error.value.code == "model.unknown"
    assert error.value.params == {"received": key, "available": ["SimpleCNN"]}


def test_missing_weights_raise_a_clear_weights_error(tmp_path):
    with pytest.raises(WeightsError) as error:
        Predictor.load(weights_dir=tmp_path, models=["simplecnn"], precision="float32")
    assert error.value.code == "weights.missing"
    assert error.value.params == {"model": "simplecnn", "path": str(tmp_path / "simplecnn.json")}
    from locales import word

    assert "python -m cnndemo train --model simplecnn" in word(error.value.code, error.value.params, "en")


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
    assert predictor.problems["simplecnn"].code == "weights.missing"


def test_auto_precision_keeps_simplecnn_in_float32(simplecnn_predictor):
    # SimpleCNN declares inference_precision="float32": too small for bf16 to pay off.
    assert simplecnn_predictor.get("simplecnn").precision == "float32"
    assert simplecnn_predictor.precision_for("simplecnn") == "float32"


def test_an_explicit_precision_is_obeyed_for_every_model(tmp_path):
    predictor = Predictor.load(tmp_path, models=["simplecnn"], precision="mixed_bfloat16", allow_untrained=True)
    assert predictor.get("simplecnn").precision == "mixed_bfloat16"


def test_the_layer_graph_is_the_course_notes(simplecnn_predictor):
    layers = simplecnn_predictor.layers("simplecnn")
    names = [layer.name for layer in layers]
    assert names == ["input", "conv1", "pool1", "conv2", "pool2", "conv3", "flatten", "fc1", "predictions"]
    feeding = {layer.name: layer.input_layer for layer in layers}
    assert feeding["conv1"] == "input" and feeding["fc1"] == "flatten" and feeding["predictions"] == "fc1"
    conv2 = simplecnn_predictor.layer("simplecnn", "conv2")
    assert conv2.kind == "Conv2D" and conv2.input_shape == (13, 13, 32) and conv2.output_shape == (11, 11, 64)
    assert conv2.settings["kernel_size"] == (3, 3) and conv2.settings["padding"] == "valid"
    assert conv2.params == (3 * 3 * 32 + 1) * 64  # MODELS.md: 18,496
    assert sum(layer.params for layer in layers) == simplecnn_predictor.get("simplecnn").params == 93_322
    assert [layer.has_activations for layer in layers].count(False) == 2  # input, flatten


def test_weights_are_the_layers_arrays(simplecnn_predictor):
    weights = simplecnn_predictor.weights("simplecnn", "conv1")
    assert weights["kernel"].shape == (3, 3, 1, 32) and weights["bias"].shape == (32,)
    assert weights["kernel"].dtype == np.float32
    assert simplecnn_predictor.weights("simplecnn", "pool1") == {}
    with pytest.raises(ValueError) as error:
        simplecnn_predictor.weights("simplecnn", "conv9")
    assert error.value.code == "model.layer_unknown"


def test_the_probabilities_only_pass_equals_the_full_pass(simplecnn_predictor, mnist):
    images = to_model_input(mnist.x_test[:5])
    batch = simplecnn_predictor.probabilities("simplecnn", images)
    assert batch.shape == (5, 10)
    for image, row in zip(images, batch):
        assert np.allclose(simplecnn_predictor.run("simplecnn", image).probabilities, row, atol=1e-6)


def test_model_keys_are_built_and_read_in_one_place():
    from cnndemo.predictor import model_key, parse_model_key

    assert model_key("AlexNet") == "alexnet" and model_key("vgg16", "saved") == "vgg16:saved"
    assert parse_model_key("vgg16:trained") == ("vgg16", "trained") and parse_model_key("simplecnn") == ("simplecnn", "shipped")
    with pytest.raises(ValueError):
        model_key("alexnet", "borrowed")
