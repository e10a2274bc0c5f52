"""webui.analysis: the Draw tab's translation between Gradio values and cnndemo, without a browser."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from webui import analysis

pytestmark = pytest.mark.unit


def data_url(picture: Image.Image) -> str:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_empty_pad_value_means_no_picture():
    assert analysis.decode_data_url("") is None
    assert analysis.decode_data_url(None) is None


@pytest.mark.parametrize("value", ["garbage", "data:image/png;base64,AAAA", "data:image/png;base64,!!!"])
def test_unreadable_pad_values_are_a_coded_error(value):
    with pytest.raises(analysis.BadPictureError) as error:
        analysis.decode_data_url(value)
    assert error.value.code == "drawing.unreadable"


def test_a_drawing_like_the_pad_sends_is_classified(simplecnn_predictor, mnist):
    digit = mnist.x_test[3]
    picture = Image.fromarray(digit).resize((112, 112), Image.Resampling.BILINEAR).convert("RGBA")
    result = analysis.analyse_picture(simplecnn_predictor, "simplecnn", analysis.decode_data_url(data_url(picture)),
                                      None, "en")
    assert max(result.top_k, key=result.top_k.get) == str(mnist.y_test[3])
    assert len(result.top_k) == analysis.TOP_K
    assert result.drawing.digit.shape == (28, 28, 1)
    assert "conv1" in result.feature_caption and "26×26×32" in result.feature_caption  # MODELS.md: conv1 26x26x32
    assert result.resized_input is None  # SimpleCNN takes the 28x28 image as it is
    assert result.steps is not None and result.model_input is not None
    assert "SimpleCNN" in result.message


def test_the_message_speaks_the_readers_language(simplecnn_predictor, mnist):
    digit = (mnist.x_test[0].astype(np.float32) / 255)[..., None]
    korean = analysis.analyse_digit(simplecnn_predictor, "simplecnn", digit, None, "ko")
    english = analysis.analyse_digit(simplecnn_predictor, "simplecnn", digit, None, "en")
    assert "봅니다" in korean.message and "sees" in english.message
    assert "출력" in korean.feature_caption and "output" in english.feature_caption


def test_a_blank_drawing_asks_for_a_digit_and_predicts_nothing(simplecnn_predictor):
    result = analysis.analyse_picture(simplecnn_predictor, "simplecnn", Image.new("RGBA", (112, 112), "black"), None,
                                      "en")
    assert result.top_k is None and result.drawing is None
    assert "Draw a digit" in result.message and "canvas is empty" in result.message


def test_an_unknown_layer_falls_back_to_the_first_convolution(simplecnn_predictor, mnist):
    digit = (mnist.x_test[0].astype(np.float32) / 255)[..., None]
    result = analysis.analyse_digit(simplecnn_predictor, "simplecnn", digit, "no_such_layer", "en")
    assert result.feature_caption.startswith("conv1")


def test_showing_another_layer_reuses_the_drawing_without_a_forward_pass(simplecnn_predictor, mnist, monkeypatch):
    digit = (mnist.x_test[0].astype(np.float32) / 255)[..., None]
    drawing = analysis.analyse_digit(simplecnn_predictor, "simplecnn", digit, None, "en").drawing

    def no_forward_pass(*args, **kwargs):
        raise AssertionError("the model ran again")

    monkeypatch.setattr(simplecnn_predictor, "run", no_forward_pass)
    picture, caption, shown = analysis.show_layer(simplecnn_predictor, drawing, "conv2", "en")
    assert shown == "conv2" and "11×11×64" in caption  # MODELS.md: conv2 11x11x64
    expected = analysis.feature_grid(drawing.output.activations["conv2"], max_maps=analysis.MAX_MAPS)
    assert np.array_equal(np.asarray(picture), np.asarray(expected))


def test_architecture_rows_end_with_the_course_total(simplecnn_predictor):
    rows = analysis.architecture_rows(simplecnn_predictor, "simplecnn", "en")
    assert rows[-1][0] == "total" and rows[-1][3] == "93,322"  # MODELS.md
    assert all(len(row) == len(analysis.architecture_headers("en")) for row in rows)
    conv1 = next(row for row in rows if row[0] == "conv1")
    assert conv1[6] == "32 filters 3×3, stride 1, valid, ReLU"
    assert analysis.architecture_rows(simplecnn_predictor, "simplecnn", "ko")[-1][0] == "합계"


def test_the_translation_layers_and_the_test_modules_load_without_gradio():
    # Recorded by conftest when this process finished collecting: every test module and what it
    # imports (webui.analysis and the *_view modules among them) loaded, and Gradio was not needed.
    from conftest import GRADIO_AT_COLLECTION

    assert GRADIO_AT_COLLECTION == [False]
