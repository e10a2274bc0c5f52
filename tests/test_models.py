"""The registry and the three architectures, checked against shared/docs/MODELS.md (the spec)."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.unit

from cnndemo.registry import create_model, list_models, model_info, resolve_name

# From MODELS.md: "Total ... params" of each architecture.
SPEC_PARAMS = {"simplecnn": 93_322, "alexnet": 3_561_834, "vgg16": 3_747_946}
SPEC_DISPLAY_NAMES = {"simplecnn": "SimpleCNN", "alexnet": "AlexNet", "vgg16": "VGG16"}

# From MODELS.md: output shape (batch axis left out) of the layers the course names.
SPEC_SHAPES = {
    "simplecnn": {
        "conv1": (26, 26, 32), "pool1": (13, 13, 32), "conv2": (11, 11, 64), "pool2": (5, 5, 64),
        "conv3": (3, 3, 64), "flatten": (576,), "predictions": (10,),
    },
    "alexnet": {
        "resize": (227, 227, 1), "conv1": (55, 55, 48), "pool1": (27, 27, 48), "conv2": (27, 27, 128),
        "pool2": (13, 13, 128), "conv3": (13, 13, 192), "conv4": (13, 13, 192), "conv5": (13, 13, 128),
        "pool5": (6, 6, 128), "flatten": (4608,), "predictions": (10,),
    },
    "vgg16": {
        "resize": (224, 224, 1), "block1_pool": (112, 112, 32), "block2_pool": (56, 56, 64),
        "block3_pool": (28, 28, 128), "block4_pool": (14, 14, 256), "block5_pool": (7, 7, 256),
        "global_pool": (256,), "predictions": (10,),
    },
}

# MODELS.md, in order: (filters of each conv layer), (units of each dense layer).
SPEC_CONV_FILTERS = {
    "simplecnn": [32, 64, 64],
    "alexnet": [48, 128, 192, 192, 128],
    "vgg16": [32, 32, 64, 64, 128, 128, 128, 256, 256, 256, 256, 256, 256],
}
SPEC_DENSE_UNITS = {"simplecnn": [64, 10], "alexnet": [512, 512, 10], "vgg16": [256, 10]}
# MODELS.md's per-layer parameter column for SimpleCNN.
SPEC_SIMPLECNN_LAYER_PARAMS = [320, 18_496, 36_928, 36_928, 650]

_BUILT: dict[tuple[str, str | None], object] = {}


@pytest.fixture(scope="module")
def build():
    """Build each (model, dtype) once per module: AlexNet and VGG16 are big."""

    def get(name: str, dtype: str | None = None):
        if (name, dtype) not in _BUILT:
            _BUILT[(name, dtype)] = create_model(name, dtype=dtype)
        return _BUILT[(name, dtype)]

    yield get
    _BUILT.clear()


def _digit_batch() -> np.ndarray:
    """A (1, 28, 28, 1) float32 input in [0, 1] with a plausible stroke."""
    x = np.zeros((1, 28, 28, 1), np.float32)
    x[0, 6:22, 13:16, 0] = 1.0
    return x


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z][a-z])|(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def test_registry_lists_the_three_course_models_in_order():
    assert list_models() == ["simplecnn", "alexnet", "vgg16"]


@pytest.mark.parametrize("name", list_models())
def test_output_is_a_probability_vector(build, name):
    model = build(name)
    probabilities = np.asarray(model(_digit_batch(), training=False))
    assert probabilities.shape == (1, 10)
    assert not np.isnan(probabilities).any()
    assert (probabilities >= 0).all()
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("name", list_models())
def test_parameter_count_matches_models_md(build, name):
    assert build(name).count_params() == SPEC_PARAMS[name]
    assert model_info(name).expected_params == SPEC_PARAMS[name]


@pytest.mark.parametrize("name", list_models())
def test_every_layer_has_a_chosen_unique_name(build, name):
    # Keras numbers its automatic names per process (conv2d, conv2d_1, ...), so a second
    # build only gets the same names if every layer is named explicitly.
    first = [layer.name for layer in build(name).layers]
    second = [layer.name for layer in build(name, "mixed_bfloat16").layers]
    assert first == second
    assert len(first) == len(set(first))
    for layer in build(name).layers:
        default = _snake(type(layer).__name__)
        assert not re.fullmatch(rf"{default}_\d+", layer.name), f"{layer.name!r} is an automatic Keras name"


@pytest.mark.parametrize("name", list_models())
def test_key_output_shapes_match_models_md(build, name):
    model = build(name)
    for layer_name, shape in SPEC_SHAPES[name].items():
        assert tuple(model.get_layer(layer_name).output.shape[1:]) == shape, layer_name


@pytest.mark.parametrize("name", list_models())
def test_layer_sequence_matches_models_md(build, name):
    model = build(name)
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert [layer.filters for layer in convs] == SPEC_CONV_FILTERS[name]
    assert [layer.units for layer in dense] == SPEC_DENSE_UNITS[name]
    activations = [getattr(layer.activation, "__name__", "") for layer in convs + dense]
    assert activations == ["relu"] * (len(activations) - 1) + ["softmax"]
    assert tuple(model.input_shape[1:]) == (28, 28, 1)


def test_simplecnn_layer_parameters_match_models_md(build):
    model = build("simplecnn")
    with_params = [layer.count_params() for layer in model.layers if layer.count_params()]
    assert with_params == SPEC_SIMPLECNN_LAYER_PARAMS


@pytest.mark.parametrize("name", list_models())
def test_model_info_matches_the_built_model(build, name):
    info = model_info(name)
    assert info.name == name
    assert info.display_name == SPEC_DISPLAY_NAMES[name]
    first_conv = next(layer for layer in build(name).layers if type(layer).__name__ == "Conv2D")
    assert first_conv.input.shape[1] == info.input_size


@pytest.mark.parametrize("bad", ["resnet50", "", "simple cnn", "vgg", None, 3])
def test_unknown_model_name_raises_and_lists_the_available_models(bad):
    with pytest.raises(ValueError) as error:
        create_model(bad)
    message = str(error.value)
    assert repr(bad) in message
    for display_name in SPEC_DISPLAY_NAMES.values():
        assert display_name in message


@pytest.mark.parametrize("name", list_models())
@pytest.mark.parametrize("spelling", [str.upper, str.lower, str.swapcase, lambda s: f"  {s} "],
                         ids=["upper", "lower", "swapcase", "padded"])
def test_resolve_name_accepts_display_names_in_any_case(name, spelling):
    display_name = SPEC_DISPLAY_NAMES[name]
    assert resolve_name(spelling(display_name)) == name
    assert resolve_name(spelling(name)) == name


@pytest.mark.parametrize("name", list_models())
def test_mixed_bfloat16_build_still_outputs_float32_probabilities(build, name):
    model = build(name, "mixed_bfloat16")
    conv = next(layer for layer in model.layers if type(layer).__name__ == "Conv2D")
    assert conv.compute_dtype == "bfloat16"  # the policy really applies
    output = model(_digit_batch(), training=False)
    assert keras.backend.standardize_dtype(output.dtype) == "float32"
    probabilities = np.asarray(output)
    assert probabilities.dtype == np.float32
    assert not np.isnan(probabilities).any()
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-3)
    assert model.count_params() == SPEC_PARAMS[name]
