"""webui.analysis: the Draw tab's translation between Gradio values and cnndemo, without a browser."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from webui import analysis


def data_url(picture: Image.Image) -> str:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_empty_pad_value_means_no_picture():
    assert analysis.decode_data_url("") is None
    assert analysis.decode_data_url(None) is None


@pytest.mark.parametrize("value", ["garbage", "data:image/png;base64,AAAA", "data:image/png;base64,!!!"])
def test_unreadable_pad_values_give_a_plain_sentence(value):
    with pytest.raises(analysis.BadPictureError, match="could not be read"):
        analysis.decode_data_url(value)


def test_a_drawing_like_the_pad_sends_is_classified(simplecnn_predictor, mnist):
    digit = mnist.x_test[3]
    picture = Image.fromarray(digit).resize((112, 112), Image.Resampling.BILINEAR).convert("RGBA")
    result = analysis.analyse_picture(simplecnn_predictor, "simplecnn", analysis.decode_data_url(data_url(picture)), None)
    assert max(result.top_k, key=result.top_k.get) == str(mnist.y_test[3])
    assert len(result.top_k) == analysis.TOP_K
    assert result.digit.shape == (28, 28, 1)
    assert "conv1" in result.feature_caption and "26×26×32" in result.feature_caption  # MODELS.md: conv1 26x26x32
    assert result.resized_input is None  # SimpleCNN takes the 28x28 image as it is
    assert result.steps is not None and result.model_input is not None


def test_a_blank_drawing_asks_for_a_digit_and_predicts_nothing(simplecnn_predictor):
    result = analysis.analyse_picture(simplecnn_predictor, "simplecnn", Image.new("RGBA", (112, 112), "black"), None)
    assert result.top_k is None and result.digit is None
    assert "Draw a digit" in result.message


def test_an_unknown_layer_falls_back_to_the_first_convolution(simplecnn_predictor, mnist):
    digit = (mnist.x_test[0].astype(np.float32) / 255)[..., None]
    result = analysis.analyse_digit(simplecnn_predictor, "simplecnn", digit, "no_such_layer")
    assert result.feature_caption.startswith("conv1")


def test_architecture_rows_end_with_the_course_total(simplecnn_predictor):
    rows = analysis.architecture_rows(simplecnn_predictor, "simplecnn")
    assert rows[-1][0] == "total" and rows[-1][3] == "93,322"  # MODELS.md
    assert all(len(row) == len(analysis.ARCHITECTURE_HEADERS) for row in rows)
