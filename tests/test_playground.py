"""The Conv2D playground and the hand-made filters against keras.layers.Conv2D."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytestmark = pytest.mark.unit

from cnndemo.explain import HAND_FILTERS, ExplainError, apply_filter, conv2d_playground, kernel_stack


@pytest.fixture(scope="module")
def digit(mnist):
    return mnist.x_test[0].astype(np.float32) / 255.0  # (28, 28)


def keras_conv(image: np.ndarray, kernels: np.ndarray, stride: int, padding: str) -> np.ndarray:
    import keras

    k, filters = kernels.shape[0], kernels.shape[3]
    layer = keras.layers.Conv2D(filters, k, strides=stride, padding=padding, use_bias=True)
    layer.build((1, 28, 28, 1))
    layer.set_weights([kernels, np.zeros(filters, np.float32)])
    return np.asarray(layer(image[None, :, :, None]))[0]


@pytest.mark.parametrize("filters, k, stride, padding, kernels", [
    (4, 3, 1, "valid", "edges"), (16, 3, 1, "same", "edges"), (6, 4, 2, "same", "edges"), (3, 5, 3, "same", "random"),
    (2, 2, 1, "valid", "random"), (5, 9, 4, "valid", "random"), (8, 6, 4, "same", "random"), (1, 1, 2, "same", "edges"),
    (16, 7, 3, "valid", "edges"), (3, 8, 1, "same", "random"),
])
def test_the_output_equals_keras_conv2d(digit, filters, k, stride, padding, kernels):
    result = conv2d_playground(digit, filters, k, stride, padding, kernels, seed=3)
    assert result.kernels.shape == (k, k, 1, filters) and result.kernels.dtype == np.float32
    assert result.bias.shape == (filters,) and not result.bias.any() and result.activation == "linear"
    expected = keras_conv(digit, result.kernels, stride, padding)
    assert result.output.shape == expected.shape and result.output.dtype == np.float32
    np.testing.assert_allclose(result.output, expected, rtol=1e-5, atol=1e-5)
    side = expected.shape[0]
    assert result.out_size == result.formula["result"] == side
    f = result.formula
    assert (f["W"], f["K"], f["S"]) == (28, k, stride)
    if padding == "valid":
        assert side == (28 - k) // stride + 1 and f["P"] == f["pad_total"] == 0
    else:
        assert side == math.ceil(28 / stride)
        assert f["pad_total"] == max((side - 1) * stride + k - 28, 0) == f["pad_top"] + f["pad_bottom"]
        assert f["pad_top"] == f["pad_total"] // 2 and f["P"] == f["pad_total"] / 2
        assert side == math.floor((28 - k + f["pad_total"]) / stride) + 1  # the notes' formula with 2P = pad_total
    assert result.params == (k * k + 1) * filters
    assert result.settings == {"filters": filters, "kernel_size": k, "stride": stride, "padding": padding,
                               "kernels": kernels, "seed": 3}


def test_random_kernels_are_seeded_glorot_uniform(digit):
    a, b = conv2d_playground(digit, 8, 5, 1, "valid", "random", seed=7), conv2d_playground(digit, 8, 5, 1, "valid",
                                                                                            "random", seed=7)
    c = conv2d_playground(digit, 8, 5, 1, "valid", "random", seed=8)
    np.testing.assert_array_equal(a.kernels, b.kernels)
    np.testing.assert_array_equal(a.output, b.output)
    assert not np.array_equal(a.kernels, c.kernels)
    limit = math.sqrt(6 / (25 + 25 * 8))
    assert np.abs(a.kernels).max() <= limit and np.abs(a.kernels).max() > 0.8 * limit


def test_edge_kernels_start_with_the_hand_filters(digit):
    result = conv2d_playground(digit, 16, 3, 1, "valid", "edges")
    stack = kernel_stack({"kernel": result.kernels})
    assert stack.shape == (16, 3, 3)
    np.testing.assert_array_equal(stack[0], HAND_FILTERS["vertical_edge"])
    np.testing.assert_array_equal(stack[1], HAND_FILTERS["horizontal_edge"])
    np.testing.assert_array_equal(stack[2], -HAND_FILTERS["vertical_edge"])
    assert len({kernel.tobytes() for kernel in stack}) == 16  # all different
    # fewer filters: the first ones of the same bank, whatever the seed
    np.testing.assert_array_equal(conv2d_playground(digit, 3, 3, 1, "valid", "edges", seed=9).kernels,
                                  result.kernels[..., :3])


@pytest.mark.parametrize("settings, field", [
    ((0, 3, 1, "valid", "edges"), "filters"), ((17, 3, 1, "valid", "edges"), "filters"),
    ((4, 0, 1, "valid", "edges"), "kernel_size"), ((4, 10, 1, "valid", "edges"), "kernel_size"),
    ((4, 3, 0, "valid", "edges"), "stride"), ((4, 3, 5, "valid", "edges"), "stride"),
    ((4, 2.5, 1, "valid", "edges"), "kernel_size"), (("four", 3, 1, "valid", "edges"), "filters"),
])
def test_numbers_out_of_range_are_refused(digit, settings, field):
    with pytest.raises(ExplainError) as error:
        conv2d_playground(digit, *settings)
    assert error.value.code == "playground.setting" and error.value.params["field"] == field
    assert error.value.params["received"] == settings[["filters", "kernel_size", "stride"].index(field)]
    assert {"low", "high"} <= set(error.value.params)


@pytest.mark.parametrize("padding, kernels, field", [("full", "edges", "padding"), ("same", "sobel", "kernels")])
def test_choices_not_offered_are_refused(digit, padding, kernels, field):
    with pytest.raises(ExplainError) as error:
        conv2d_playground(digit, 4, 3, 1, padding, kernels)
    assert error.value.code == "train.choice" and error.value.params["field"] == field


def test_a_whole_float_setting_is_accepted_and_a_bad_image_refused(digit):
    assert conv2d_playground(digit[:, :, None], 4.0, 3.0, 2.0, "same", "edges").output.shape == (14, 14, 4)
    with pytest.raises(ExplainError) as error:
        conv2d_playground(np.zeros((27, 28)), 4, 3, 1, "valid", "edges")
    assert error.value.code == "drawing.bad_shape"


@pytest.mark.parametrize("name", sorted(HAND_FILTERS))
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_hand_filters_are_what_conv2d_computes(digit, name, padding):
    kernel = HAND_FILTERS[name]
    assert kernel.shape == (3, 3) and kernel.dtype == np.float32
    out = apply_filter(digit, kernel, padding)
    assert out.shape == ((26, 26) if padding == "valid" else (28, 28)) and out.dtype == np.float32
    np.testing.assert_allclose(out, keras_conv(digit, kernel[:, :, None, None], 1, padding)[..., 0], atol=1e-5)


def test_the_sign_convention_of_the_hand_filters():
    bar = np.zeros((28, 28), np.float32)
    bar[10:18, 10:18] = 1.0  # a white square on black
    vertical = apply_filter(bar, HAND_FILTERS["vertical_edge"])
    horizontal = apply_filter(bar, HAND_FILTERS["horizontal_edge"])
    # output (r, c) looks at input rows r..r+2, columns c..c+2
    assert vertical[12, 8] == 3 and vertical[12, 16] == -3  # left edge +, right edge -
    assert horizontal[8, 12] == 3 and horizontal[16, 12] == -3  # top edge +, bottom edge -
    assert vertical[12, 12] == 0 and horizontal[12, 12] == 0  # flat inside


def test_kernel_stack_of_a_deeper_conv():
    kernel = np.arange(3 * 3 * 4 * 5, dtype=np.float32).reshape(3, 3, 4, 5)
    assert kernel_stack({"kernel": kernel}).shape == (5, 3, 3)
    slices = kernel_stack({"kernel": kernel}, channel=2)
    assert slices.shape == (4, 3, 3) and slices.dtype == np.float32
    np.testing.assert_array_equal(slices[1], kernel[:, :, 1, 2])
    with pytest.raises(ExplainError):
        kernel_stack({"kernel": kernel}, channel=5)
