"""Drawing / upload -> MNIST format, as a table of inputs (DESIGN.md: table-driven tests).

Expectations come from MNIST's own recipe (ink fitted into a 20x20 box, centre of mass at
the centre of the 28x28 field, white on black in [0, 1]) and from the fact that every
variant below shows the same digit, so it must give (nearly) the same 28x28 image as the
plain light-on-dark picture, and the shipped SimpleCNN must read the right digit from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

pytestmark = pytest.mark.unit
from PIL import Image, ImageDraw

from cnndemo.preprocess import EmptyDrawingError, ImageTooLargeError, preprocess

DIGIT_INDEX = 1  # MNIST test image 1, a "2"
NEAREST = Image.Resampling.NEAREST


def upscaled(digit: np.ndarray, factor: int = 10) -> Image.Image:
    """A uint8 28x28 MNIST digit as an L picture ``factor`` times larger, pixels kept sharp."""
    return Image.fromarray(digit).resize((28 * factor, 28 * factor), NEAREST)


def on_canvas(digit: np.ndarray, size: tuple[int, int], factor: int, at: tuple[int, int]) -> Image.Image:
    canvas = Image.new("L", size, 0)
    canvas.paste(upscaled(digit, factor), at)
    return canvas


def rgba_transparent(digit: np.ndarray) -> Image.Image:
    """Black strokes on a transparent background (a typical canvas export): the ink is in alpha."""
    alpha = np.asarray(upscaled(digit))
    rgba = np.zeros((*alpha.shape, 4), np.uint8)
    rgba[..., 3] = alpha
    return Image.fromarray(rgba, "RGBA")


def rgba_opaque(digit: np.ndarray) -> Image.Image:
    grey = 255 - np.asarray(upscaled(digit))
    rgba = np.stack([grey, grey, grey, np.full_like(grey, 255)], axis=-1)
    return Image.fromarray(rgba, "RGBA")


def blue_ink_on_white(digit: np.ndarray) -> Image.Image:
    ink = np.asarray(upscaled(digit), np.float32) / 255.0
    white = np.array([255, 255, 255], np.float32)
    blue = np.array([20, 40, 200], np.float32)
    rgb = white * (1 - ink[..., None]) + blue * ink[..., None]
    return Image.fromarray(np.round(rgb).astype(np.uint8), "RGB")


def grey_paper(digit: np.ndarray) -> Image.Image:
    """Dark pencil (40) on grey paper (180)."""
    ink = np.asarray(upscaled(digit), np.float32) / 255.0
    return Image.fromarray(np.round(180 - 140 * ink).astype(np.uint8), "L")


def dot(size: int, radius: int, ink: int = 255, paper: int = 0) -> Image.Image:
    picture = Image.new("L", (size, size), paper)
    centre = size // 2 + size // 7
    ImageDraw.Draw(picture).ellipse([centre - radius, centre - radius, centre + radius, centre + radius], fill=ink)
    return picture


def near_blank(digit: np.ndarray) -> Image.Image:
    noise = np.random.default_rng(0).integers(120, 136, size=(300, 300))
    return Image.fromarray(noise.astype(np.uint8), "L")


@dataclass
class Case:
    make: Callable[[np.ndarray], object]
    inverted: bool | None = None  # expected PreparedDigit.inverted
    tolerance: float = 0.02  # mean |difference| allowed from the plain picture's result
    error: type[Exception] | None = None


CASES = {
    "light_on_dark": Case(lambda d: upscaled(d), inverted=False),
    "dark_on_light": Case(lambda d: Image.fromarray(255 - np.asarray(upscaled(d))), inverted=True),
    "rgb_light_on_dark": Case(lambda d: upscaled(d).convert("RGB"), inverted=False),
    "rgb_blue_ink_on_white": Case(blue_ink_on_white, inverted=True),
    "rgba_transparent_background": Case(rgba_transparent, inverted=False),
    "rgba_opaque_dark_on_light": Case(rgba_opaque, inverted=True),
    "grey_paper": Case(grey_paper, inverted=True),
    "float_array": Case(lambda d: np.asarray(upscaled(d), np.float32) / 255.0, inverted=False),
    "float64_array_dark_on_light": Case(lambda d: 1.0 - np.asarray(upscaled(d), np.float64) / 255.0, inverted=True),
    "hw1_uint8_array": Case(lambda d: np.asarray(upscaled(d))[..., None], inverted=False),
    "rgb_array": Case(lambda d: np.asarray(upscaled(d).convert("RGB")), inverted=False),
    "original_28x28": Case(lambda d: Image.fromarray(d), inverted=False, tolerance=0.03),
    "off_centre": Case(lambda d: on_canvas(d, (900, 700), 10, (600, 20)), inverted=False),
    "tiny_in_huge_canvas": Case(lambda d: on_canvas(d, (2000, 1500), 5, (1500, 1100)), inverted=False, tolerance=0.04),
    "blank_black": Case(lambda d: Image.new("L", (280, 280), 0), error=EmptyDrawingError),
    "blank_white": Case(lambda d: Image.new("RGB", (280, 280), (255, 255, 255)), error=EmptyDrawingError),
    "blank_transparent": Case(lambda d: Image.new("RGBA", (280, 280), (0, 0, 0, 0)), error=EmptyDrawingError),
    "blank_array": Case(lambda d: np.zeros((100, 100), np.float32), error=EmptyDrawingError),
    "near_blank_noise": Case(near_blank, error=EmptyDrawingError),
    "zero_size": Case(lambda d: Image.new("L", (0, 0)), error=EmptyDrawingError),
    "one_dot": Case(lambda d: dot(280, 6), error=EmptyDrawingError),
    "one_dark_dot_on_white": Case(lambda d: dot(400, 8, ink=0, paper=255), error=EmptyDrawingError),
    "one_pixel": Case(lambda d: dot(28, 0), error=EmptyDrawingError),
}


@pytest.fixture(scope="module")
def digit(mnist):
    return mnist.x_test[DIGIT_INDEX]


@pytest.fixture(scope="module")
def reference(digit):
    return preprocess(upscaled(digit)).image


def ink_box(image: np.ndarray) -> tuple[int, int]:
    mask = image[..., 0] > 0
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    weights = image[..., 0].astype(np.float64)
    rows, cols = np.indices(weights.shape)
    return (rows * weights).sum() / weights.sum(), (cols * weights).sum() / weights.sum()


def check_mnist_format(image: np.ndarray) -> None:
    assert isinstance(image, np.ndarray)
    assert image.dtype == np.float32
    assert image.shape == (28, 28, 1)
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() > 0.9  # the strongest ink is (nearly) white, as in MNIST
    height, width = ink_box(image)
    assert 19 <= max(height, width) <= 21, (height, width)
    row, col = centre_of_mass(image)
    assert abs(row - 14) <= 1.0 and abs(col - 14) <= 1.0, (row, col)
    # The border stays background, as in MNIST.
    assert image[0].max() == 0 and image[-1].max() == 0 and image[:, 0].max() == 0 and image[:, -1].max() == 0


OK_CASES = {name: case for name, case in CASES.items() if case.error is None}
ERROR_CASES = {name: case for name, case in CASES.items() if case.error is not None}


@pytest.mark.parametrize("case", OK_CASES.values(), ids=OK_CASES.keys())
def test_variants_of_one_digit_give_the_mnist_format(case, digit, reference, mnist, simplecnn_predictor):
    prepared = preprocess(case.make(digit))
    check_mnist_format(prepared.image)
    assert prepared.inverted is case.inverted
    assert np.abs(prepared.image - reference).mean() <= case.tolerance
    output = simplecnn_predictor.run("simplecnn", prepared.image)
    assert int(np.argmax(output.probabilities)) == mnist.y_test[DIGIT_INDEX]


@pytest.mark.parametrize("case", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_blank_and_dot_inputs_raise_empty_drawing_error(case, digit):
    with pytest.raises(case.error) as error:
        preprocess(case.make(digit))
    assert error.value.code in ("drawing.empty", "drawing.dot")


def test_inverted_and_light_on_dark_give_the_same_image(digit):
    light = preprocess(upscaled(digit)).image
    dark = preprocess(Image.fromarray(255 - np.asarray(upscaled(digit)))).image
    np.testing.assert_allclose(light, dark, atol=1 / 255)


@pytest.mark.parametrize("index", range(10))
def test_upscaled_mnist_digit_comes_back_as_itself(index, mnist, simplecnn_predictor):
    original = mnist.x_test[index]
    prepared = preprocess(upscaled(original, 10)).image
    assert np.abs(prepared[..., 0] - original / 255.0).mean() < 0.03
    output = simplecnn_predictor.run("simplecnn", prepared)
    assert int(np.argmax(output.probabilities)) == mnist.y_test[index]


def test_preprocess_does_not_modify_its_input(digit):
    array = np.asarray(upscaled(digit)).copy()
    before = array.copy()
    preprocess(array)
    assert np.array_equal(array, before)


def test_output_is_deterministic(digit):
    picture = upscaled(digit)
    assert np.array_equal(preprocess(picture).image, preprocess(picture).image)


@pytest.mark.parametrize("mode", ["1", "L"])
def test_image_over_40_megapixels_is_refused(mode):
    picture = Image.new(mode, (8000, 5001))  # 40,008,000 pixels
    with pytest.raises(ImageTooLargeError) as error:
        preprocess(picture)
    assert error.value.params == {"width": 8000, "height": 5001, "limit_mp": 40}


@pytest.mark.parametrize("shape", [(28,), (28, 28, 2), (28, 28, 5), (2, 28, 28, 1)])
def test_unsupported_array_shape_raises_value_error(shape):
    with pytest.raises(ValueError) as error:
        preprocess(np.zeros(shape, np.uint8))
    assert error.value.code == "drawing.bad_shape" and tuple(error.value.params["shape"]) == shape
