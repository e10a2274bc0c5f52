"""The Draw tab's "inside the network" translation layer (webui.explain_view,
webui.explain_html) and the playground's (webui.playground_view), without a browser."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnndemo.messages import CnnDemoError
from webui import analysis, explain_view, playground_view
from webui.i18n import say

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def drawing(simplecnn_predictor, mnist):
    digit = (np.asarray(mnist.x_test[0], np.float32) / 255.0)[..., None]
    return analysis.analyse_digit(simplecnn_predictor, "simplecnn", digit, None, "en").drawing


def shown_value(html: str) -> float:
    return float(re.search(r'data-value="([^"]+)"', html).group(1))


@pytest.mark.parametrize("layer, cell", [("conv1", (5, 10, 12)), ("pool1", (3, 6, 6)), ("conv3", (0, 1, 1)),
                                         ("fc1", (7,)), ("predictions", (7,))])
def test_a_cell_shows_the_value_the_model_computed(simplecnn_predictor, drawing, layer, cell):
    view = explain_view.explain_drawing(simplecnn_predictor, drawing, layer, cell, "en")
    index = (cell[1], cell[2], cell[0]) if len(cell) == 3 else cell  # activations are (H, W, C)
    computed = float(np.asarray(drawing.output.activations[layer], np.float32)[index])
    assert shown_value(view.html) == pytest.approx(computed, rel=1e-6, abs=1e-9)
    assert view.explanation["value"] == pytest.approx(computed, rel=1e-6, abs=1e-9)
    assert view.field.size[0] >= 200  # the 28x28 input, enlarged, with the field outlined
    marked = np.asarray(view.feature_map.convert("RGB"))
    plain = np.asarray(analysis.show_layer(simplecnn_predictor, drawing, layer, "en")[0].convert("RGB"))
    assert marked.shape == plain.shape and (marked != plain).any()  # the chosen cell is outlined


def test_the_softmax_panel_equals_the_prediction(simplecnn_predictor, drawing):
    view = explain_view.explain_drawing(simplecnn_predictor, drawing, "predictions", (7,), "en")
    np.testing.assert_allclose(view.explanation["probabilities"], drawing.output.probabilities, rtol=1e-4, atol=1e-6)
    assert "7" in view.html and "exp" in view.html


def test_a_deep_convolution_shows_the_kernel_behind_the_cell(simplecnn_predictor, drawing):
    view = explain_view.explain_drawing(simplecnn_predictor, drawing, "conv2", (4, 5, 5), "ko")
    assert view.slices is not None and "conv2" in view.slices_caption
    assert re.search("[가-힣]", view.html)  # worded in Korean
    pool = explain_view.explain_drawing(simplecnn_predictor, drawing, "pool1", (0, 0, 0), "en")
    assert pool.slices is None


@pytest.mark.parametrize("layer, cell, code", [
    ("conv1", (32, 0, 0), "explain.cell_outside"),
    ("conv1", (0, 26, 0), "explain.cell_outside"),
    ("no_such_layer", (0, 0, 0), "model.layer_unknown"),
])
def test_bad_requests_get_a_sentence_in_both_languages(simplecnn_predictor, drawing, layer, cell, code):
    with pytest.raises(CnnDemoError) as caught:
        explain_view.explain_drawing(simplecnn_predictor, drawing, layer, cell, "en")
    assert caught.value.code == code
    for lang in ("en", "ko"):
        sentence = say(caught.value, lang)
        assert sentence and "{" not in sentence and "Traceback" not in sentence


def test_no_drawing_yet_is_a_message_not_a_crash(simplecnn_predictor):
    with pytest.raises(CnnDemoError) as caught:
        explain_view.explain_drawing(simplecnn_predictor, None, "conv1", (0, 0, 0), "en")
    assert caught.value.code == "explain.no_drawing"


def test_the_panel_numbers_name_a_unit_for_dense_layers(drawing):
    assert explain_view.cell_of(drawing, "fc1", 3, 9, 9) == (3,)
    assert explain_view.cell_of(drawing, "conv1", 3, None, "2") == (3, 0, 2)
    assert explain_view.cell_of(drawing, "conv1", "x", 0, 0)[0] < 0  # refused later as outside the map


def test_kernels_of_the_first_convolution_and_the_hand_filters(simplecnn_predictor, drawing):
    picture, caption = explain_view.first_kernels(simplecnn_predictor, "simplecnn", "en")
    assert "32" in caption and "conv1" in caption
    kernels, maps = explain_view.hand_filters(drawing)
    assert kernels.size[0] > 0 and maps is not None
    assert explain_view.hand_filters(None)[1] is None


@pytest.mark.parametrize("padding, stride, size, expected", [("valid", 1, 3, 26), ("valid", 2, 5, 12),
                                                             ("same", 1, 3, 28), ("same", 3, 4, 10)])
def test_playground_fills_the_formula_with_the_students_numbers(drawing, padding, stride, size, expected):
    view = playground_view.playground(drawing, 4, size, stride, padding, "edges", 0, "en")
    assert f"**{expected}×{expected}×4**" in view.formula, view.formula
    assert f"{expected}×{expected}×4" in view.maps_caption
    assert "your drawing" in view.source


def test_playground_starts_from_a_sample_digit_and_refuses_bad_settings():
    view = playground_view.playground(None, 2, 3, 1, "valid", "random", 7, "ko")
    assert "MNIST" in view.source
    with pytest.raises(CnnDemoError):
        playground_view.playground(None, 0, 3, 1, "valid", "edges", 0, "en")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_global_average_and_resize_cells_are_worded_in_both_languages(lang):
    from webui.explain_html import explanation_html

    common = {"layer": "x", "input_layer": "block5_pool", "value": 0.5, "recomputed": 0.5, "activation": "linear",
              "receptive_field": [0, 0, 223, 223], "compute_dtype": "bfloat16", "pre_activation": 0.5, "bias": 0.0,
              "terms_sum": 0.5}
    gap = common | {"kind": "global_average", "cell": [3], "map_sum": 24.5, "count": 49}
    resize = common | {"kind": "resize", "cell": [0, 100, 100], "input_layer": "input",
                       "sources": [{"row": 12, "col": 12, "value": 1.0, "weight": 0.5},
                                   {"row": 12, "col": 13, "value": 0.0, "weight": 0.5}]}
    for explanation in (gap, resize):
        text = explanation_html(explanation, lang, 224)
        assert 'data-value="0.5"' in text and "{" not in text.replace("{}", "")
        if lang == "ko":
            assert re.search("[가-힣]", text)
