"""cnndemo.explain: every kind of cell of every model recomputed in numpy equals the
model's own activation (float32 and, where the machine computes it natively, bfloat16);
receptive fields; the errors. One forward pass per model and precision."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.unit

from cnndemo.explain import CellExplanation, ExplainError, explain_cell, receptive_field
from cnndemo.layers import LayerInfo, describe_layers
from cnndemo.precision import choose_precision
from cnndemo.predictor import Predictor
from conftest import to_model_input

BF16 = choose_precision("auto") == "mixed_bfloat16"  # GPUs >= 8.0 and CPUs with AMX / AVX-512 BF16
needs_bf16 = pytest.mark.skipif(not BF16, reason="no native bfloat16 here: float32 only")
KINDS = {
    "simplecnn": {"conv2d", "maxpool", "dense", "softmax"},
    "alexnet": {"resize", "conv2d", "maxpool", "dense", "softmax"},
    "vgg16": {"resize", "conv2d", "maxpool", "global_average", "dense", "softmax"},
}
RUNS = [
    pytest.param("simplecnn", "float32", id="simplecnn-float32"),
    pytest.param("alexnet", "float32", id="alexnet-float32"),
    pytest.param("vgg16", "float32", id="vgg16-float32"),
    pytest.param("simplecnn", "mixed_bfloat16", id="simplecnn-bf16", marks=needs_bf16),
    pytest.param("alexnet", "mixed_bfloat16", id="alexnet-bf16", marks=needs_bf16),
    pytest.param("vgg16", "mixed_bfloat16", id="vgg16-bf16", marks=needs_bf16),
]
_CACHE: dict = {}


@pytest.fixture(scope="module")
def image(mnist):
    return to_model_input(mnist.x_test[0])  # a 7


@pytest.fixture(scope="module")
def forward(image):
    """(model, precision) -> (predictor, ModelOutput), loaded and run once per module."""

    def get(name: str, precision: str):
        if (name, precision) not in _CACHE:
            predictor = Predictor.load(models=[name], precision=precision)
            _CACHE[name, precision] = predictor, predictor.run(name, image)
        return _CACHE[name, precision]

    yield get
    _CACHE.clear()


def sample_cells(shape: tuple[int, ...], activation: np.ndarray, count: int, seed: int) -> list[tuple[int, ...]]:
    """Corners, the centre, the largest value and ``count`` seeded random cells."""
    rng = np.random.default_rng(seed)
    values = np.asarray(activation, np.float32)
    if len(shape) == 1:
        cells = [(0,), (shape[0] - 1,), (int(np.argmax(values)),)]
        cells += [(int(rng.integers(shape[0])),) for _ in range(count)]
    else:
        h, w, c = shape
        r, q, ch = np.unravel_index(int(np.argmax(values)), values.shape)
        cells = [(0, 0, 0), (c - 1, h - 1, w - 1), (c // 2, h // 2, w // 2), (int(ch), int(r), int(q))]
        cells += [(int(rng.integers(c)), int(rng.integers(h)), int(rng.integers(w))) for _ in range(count)]
    return cells


def tolerance(e: CellExplanation) -> float:
    if e.compute_dtype == "float32":
        return 1e-4 * abs(e.value) + 1e-5
    # bfloat16 keeps 8 significant bits: the model rounds its sum (and the sum + bias) to
    # them, so allow 2 % of the largest number involved.
    return 0.02 * max(abs(e.value), abs(e.terms_sum), abs(e.bias)) + 1e-3


def check_details(e: CellExplanation, output, layers: list[LayerInfo]) -> None:
    d = e.to_dict()
    json.dumps(d)  # plain Python only
    assert np.isclose(d["pre_activation"], d["terms_sum"] + d["bias"], rtol=1e-9, atol=1e-9)
    if e.kind == "conv2d":
        patch, kernel, products = (np.asarray(d[k]) for k in ("patch", "kernel", "products"))
        assert products.shape == patch.shape == kernel.shape and products.shape[2] == len(d["shown_channels"])
        np.testing.assert_allclose(products, patch * kernel, rtol=1e-12)
        partial = {c["channel"]: c["partial_sum"] for c in d["channels"]}
        assert len(partial) == d["n_channels"] and d["shown_channels"] == [c["channel"] for c in d["channels"][:3]]
        sizes = [abs(c["partial_sum"]) for c in d["channels"]]
        assert sizes == sorted((abs(v) for v in partial.values()), reverse=True)
        assert np.isclose(sum(partial.values()), d["terms_sum"], rtol=1e-9, atol=1e-9)
        assert np.isclose(d["rest_sum"] + products.sum(), d["terms_sum"], rtol=1e-9, atol=1e-9)
        assert d["recomputed"] == (max(0.0, d["pre_activation"]) if d["activation"] == "relu" else d["pre_activation"])
    elif e.kind == "maxpool":
        window = np.asarray(d["window_values"])
        i, j = d["argmax"]
        assert window[i, j] == window.max() == d["recomputed"]
        top, left, bottom, right = d["window"]
        assert window.shape == (bottom - top + 1, right - left + 1)
    elif e.kind in ("dense", "softmax"):
        contributions = d["contributions"]
        assert len(contributions) + d["rest_count"] == d["n_terms"]
        sizes = [abs(c["product"]) for c in contributions]
        assert sizes == sorted(sizes, reverse=True)
        shown_sum = sum(c["product"] for c in contributions)
        assert np.isclose(shown_sum + d["rest_sum"], d["terms_sum"], rtol=1e-9, atol=1e-9)
        source = np.asarray(output.activations[d["input_layer"]], np.float32)
        for c in contributions:
            assert c["product"] == pytest.approx(c["input"] * c["weight"], rel=1e-12)
            where = tuple(c["position"]) if c["position"] is not None else (c["index"],)
            assert source[where] == pytest.approx(c["input"], rel=1e-7, abs=1e-12)
        if e.kind == "softmax":
            np.testing.assert_allclose(d["probabilities"], output.probabilities, atol=1e-5)
            np.testing.assert_allclose(d["exps"], np.exp(d["logits"]), rtol=1e-12)
            assert d["exp_shift"] == 0 and d["exp_sum"] == pytest.approx(sum(d["exps"]))
            assert d["value"] == pytest.approx(float(output.probabilities[d["cell"][0]]), abs=1e-7)
    elif e.kind == "global_average":
        assert d["count"] == 49 and d["recomputed"] == pytest.approx(d["map_sum"] / 49)
    elif e.kind == "resize":
        weights = [s["weight"] for s in d["sources"]]
        assert 1 <= len(weights) <= 4 and sum(weights) == pytest.approx(1.0)
        assert sum(s["weight"] * s["value"] for s in d["sources"]) == pytest.approx(d["recomputed"], abs=1e-6)


@pytest.mark.parametrize("name, precision", RUNS)
def test_every_layer_recomputes_the_models_own_numbers(forward, image, name, precision):
    predictor, output = forward(name, precision)
    layers = predictor.layers(name)
    few = name == "vgg16"
    kinds, failures, checked = set(), [], 0
    for index, info in enumerate(layers):
        if not info.has_activations:
            continue
        weights = predictor.weights(name, info.name)
        for cell in sample_cells(info.output_shape, output.activations[info.name], 1 if few else 3, index):
            e = explain_cell(layers, info.name, cell, output.activations, image, weights,
                             probabilities=output.probabilities)
            kinds.add(e.kind)
            checked += 1
            expected_dtype = "float32" if precision == "float32" or info.name == "predictions" else "bfloat16"
            assert e.compute_dtype == expected_dtype, info.name
            model_value = float(np.asarray(output.activations[info.name], np.float32)[
                (cell[1], cell[2], cell[0]) if len(cell) == 3 else cell])
            assert e.value == model_value and e.cell == list(cell) and e.layer == info.name
            if abs(e.value - e.recomputed) > tolerance(e):
                failures.append((info.name, cell, e.value, e.recomputed))
            check_details(e, output, layers)
    assert failures == [], failures
    assert kinds == KINDS[name] and checked >= 20


@pytest.mark.parametrize("name", ["simplecnn", "alexnet", "vgg16"])
def test_each_layer_reads_the_layer_before_flatten_and_dropout_skipped(name):
    from cnndemo.explain.geometry import source_layer
    from cnndemo.registry import create_model

    layers = describe_layers(create_model(name))
    expected = {
        "simplecnn": {"conv1": "input", "fc1": "conv3", "predictions": "fc1"},
        "alexnet": {"resize": "input", "conv1": "resize", "fc6": "pool5", "fc7": "fc6", "predictions": "fc7"},
        "vgg16": {"resize": "input", "block1_conv1": "resize", "global_pool": "block5_pool", "fc1": "global_pool",
                  "predictions": "fc1"},
    }[name]
    by_name = {layer.name: layer for layer in layers}
    assert {layer: source_layer(layers, by_name[layer])[0].name for layer in expected} == expected


# ---------------------------------------------------------------- receptive fields

def simplecnn_layers():
    from cnndemo.registry import create_model

    return describe_layers(create_model("simplecnn"))


@pytest.mark.parametrize("row, col", [(0, 0), (5, 17), (25, 25)])
def test_a_first_conv_cell_sees_its_3x3_patch(row, col):
    assert receptive_field(simplecnn_layers(), "conv1", row, col) == (row, col, row + 2, col + 2)


def test_simplecnn_deeper_fields_grow_through_pooling():
    layers = simplecnn_layers()
    assert receptive_field(layers, "pool1", 3, 4) == (6, 8, 9, 11)
    assert receptive_field(layers, "conv2", 0, 0) == (0, 0, 7, 7)
    # conv3 -> pool2 rows r..r+2 -> conv2 2r..2r+5 -> pool1 2r..2r+7 -> conv1 4r..4r+15 -> input 4r..4r+17
    assert receptive_field(layers, "conv3", 0, 0) == (0, 0, 17, 17)
    assert receptive_field(layers, "conv3", 1, 2) == (4, 8, 21, 25)
    assert receptive_field(layers, "conv3", 2, 2) == (8, 8, 25, 25)
    assert receptive_field(layers, "fc1", 0, 0) == receptive_field(layers, "flatten") == (0, 0, 27, 27)


def test_the_field_is_exactly_what_the_cell_depends_on(simplecnn_predictor, mnist):
    image = to_model_input(mnist.x_test[1])
    top, left, bottom, right = receptive_field(simplecnn_layers(), "conv3", 1, 1)
    before = np.asarray(simplecnn_predictor.run("simplecnn", image).activations["conv3"])[1, 1]
    outside = image.copy()
    outside[:top] = outside[bottom + 1:] = 1 - outside[bottom + 1:].mean()
    outside[:, :left] = 0.5
    outside[:, right + 1:] = 0.7
    after = np.asarray(simplecnn_predictor.run("simplecnn", outside).activations["conv3"])[1, 1]
    np.testing.assert_allclose(after, before, rtol=1e-6, atol=1e-6)
    inside = image.copy()
    inside[top:top + 2, left:left + 2] = 1.0
    inside[bottom - 1:bottom + 1, right - 1:right + 1] = 1.0
    changed = np.asarray(simplecnn_predictor.run("simplecnn", inside).activations["conv3"])[1, 1]
    assert np.abs(changed - before).max() > 1e-4


def test_alexnet_and_vgg16_fields_are_in_the_resized_image():
    from cnndemo.registry import create_model

    alexnet = describe_layers(create_model("alexnet"))
    assert receptive_field(alexnet, "conv1", 0, 0) == (0, 0, 10, 10)
    assert receptive_field(alexnet, "conv1", 54, 54) == (216, 216, 226, 226)
    assert receptive_field(alexnet, "pool1", 0, 0) == (0, 0, 18, 18)
    assert receptive_field(alexnet, "resize", 100, 7) == (100, 7, 100, 7)
    assert receptive_field(alexnet, "fc7") == (0, 0, 226, 226)
    vgg = describe_layers(create_model("vgg16"))
    assert receptive_field(vgg, "block1_conv1", 0, 0) == (0, 0, 1, 1)  # 'same': the top-left pad is 1
    assert receptive_field(vgg, "block1_conv2", 10, 10) == (8, 8, 12, 12)
    assert receptive_field(vgg, "global_pool") == (0, 0, 223, 223)


# ---------------------------------------------------------------- a small model with every padding case

@pytest.mark.parametrize("kernel, stride, pool, pool_stride", [(4, 2, 3, 2), (3, 1, 2, 2), (5, 3, 3, 1), (2, 2, 2, 1)])
def test_same_padding_even_kernels_and_strides_match_keras(kernel, stride, pool, pool_stride):
    import keras

    inputs = keras.Input((28, 28, 1), name="input")
    x = keras.layers.Conv2D(5, kernel, strides=stride, padding="same", activation="relu", name="conv")(inputs)
    x = keras.layers.MaxPooling2D(pool, strides=pool_stride, padding="same", name="pool")(x)
    x = keras.layers.Conv2D(3, 3, padding="valid", name="linear_conv")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dropout(0.3, name="drop")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs)
    layers = describe_layers(model)
    names = ["conv", "pool", "linear_conv", "predictions"]
    extractor = keras.Model(inputs, [model.get_layer(n).output for n in names])
    image = np.random.default_rng(kernel).random((28, 28, 1), dtype=np.float32)
    activations = {n: np.asarray(a)[0] for n, a in zip(names, extractor(image[None], training=False))}
    rng = np.random.default_rng(stride)
    for info in layers:
        if info.name not in activations:
            continue
        weights = {v.path.rsplit("/", 1)[-1]: np.asarray(v.numpy()) for v in model.get_layer(info.name).weights}
        for cell in sample_cells(info.output_shape, activations[info.name], 6, 0) + [
                tuple(int(rng.integers(n)) for n in (info.output_shape[-1:] if len(info.output_shape) == 1 else
                (info.output_shape[2], info.output_shape[0], info.output_shape[1])))]:
            e = explain_cell(layers, info.name, cell, activations, image, weights)
            assert abs(e.value - e.recomputed) <= 1e-4 * abs(e.value) + 1e-5, (info.name, cell)
            if e.kind == "softmax":
                assert e.input_layer == "linear_conv" and e.contributions[0]["position"] is not None
            assert e.activation == {"conv": "relu", "pool": "linear", "linear_conv": "linear",
                                    "predictions": "softmax"}[info.name]


def test_softmax_with_huge_logits_shifts_by_the_largest():
    layers = [LayerInfo("input", "InputLayer", "", (3,), (3,), 0, {}, False),
              LayerInfo("predictions", "Dense", "input", (3,), (4,), 16, {"units": 4, "activation": "softmax"}, True)]
    kernel = np.array([[300.0, 1, 0, -5], [300.0, 2, 0, 0], [400.0, 3, 0, 0]], np.float32)
    bias = np.array([0.0, 0.5, 0, 0], np.float32)
    x = np.ones(3, np.float32)
    e = explain_cell(layers, "predictions", (1,), {"predictions": np.array([1.0, 0, 0, 0], np.float32)}, x,
                     {"kernel": kernel, "bias": bias}, top=2)
    assert e.exp_shift == 1000.0 and e.logits == [1000.0, 6.5, 0.0, -5.0]
    assert e.probabilities[0] == 1.0 and e.exps[0] == 1.0 and np.isfinite(e.exp_sum)
    assert e.value == 0.0 and e.recomputed == pytest.approx(np.exp(6.5 - 1000.0))
    assert [c["index"] for c in e.contributions] == [2, 1] and e.rest_count == 1 and e.rest_sum == pytest.approx(1.0)
    assert e.contributions[0]["position"] is None and e.input_layer == "input"


# ---------------------------------------------------------------- errors

@pytest.fixture(scope="module")
def simple_run(forward):
    predictor, output = forward("simplecnn", "float32")
    return predictor.layers("simplecnn"), output


@pytest.mark.parametrize("layer, cell, code", [
    ("conv9", (0, 0, 0), "model.layer_unknown"),
    ("conv1", (32, 0, 0), "explain.cell_outside"),
    ("conv1", (0, 26, 0), "explain.cell_outside"),
    ("conv1", (0, 0, -1), "explain.cell_outside"),
    ("conv1", (0,), "explain.cell_outside"),
    ("fc1", (64,), "explain.cell_outside"),
    ("fc1", (1, 2, 3), "explain.cell_outside"),
    ("flatten", (0,), "explain.layer_kind"),
    ("input", (0, 0, 0), "explain.layer_kind"),
])
def test_errors_carry_codes_and_their_parameters(simple_run, image, layer, cell, code):
    from cnndemo.messages import CODES

    layers, output = simple_run
    with pytest.raises(ExplainError) as error:
        explain_cell(layers, layer, cell, output.activations, image, {}, model="SimpleCNN")
    assert error.value.code == code and set(CODES[code]) <= set(error.value.params)
    assert isinstance(error.value, ValueError)
    if code == "explain.cell_outside":
        assert error.value.params["cell"] == list(cell) and error.value.params["shape"] in ([26, 26, 32], [64])
    if code == "model.layer_unknown":
        assert "conv1" in error.value.params["available"] and error.value.params["received"] == "conv9"


def test_dropout_has_no_values_of_its_own(forward, image):
    predictor, output = forward("alexnet", "float32")
    with pytest.raises(ExplainError) as error:
        explain_cell(predictor.layers("alexnet"), "drop6", (0,), output.activations, image, {})
    assert error.value.params == {"layer": "drop6", "kind": "Dropout"}
