"""Pictures of the explanation panel: receptive field, kernels, signed maps."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.unit

from cnndemo.render import kernel_grid, receptive_field_picture, signed_map_grid
from cnndemo.render.colors import MARK_RGB
from cnndemo.render.explain import GAP_RGB, signed_colors


@pytest.mark.parametrize("side, box, size", [(28, (4, 8, 21, 25), 252), (227, (0, 0, 10, 10), 227),
                                             (224, (100, 30, 140, 80), 224), (28, (0, 0, 27, 27), 252)])
def test_the_field_is_outlined_in_red_and_the_rest_dimmed(side, box, size):
    image = np.full((side, side), 0.8, np.float32)
    picture = receptive_field_picture(image, box)
    assert picture.mode == "RGB" and picture.size == (size, size)
    pixels = np.asarray(picture)
    scale = size // side
    top, left, bottom, right = box
    for y, x in [(top * scale, left * scale), ((bottom + 1) * scale - 1, (right + 1) * scale - 1),
                 (top * scale, (left + right) // 2 * scale), ((top + bottom) // 2 * scale, right * scale + scale - 1)]:
        assert tuple(pixels[y, x]) == MARK_RGB, (y, x)
    centre = pixels[(top + bottom + 1) * scale // 2, (left + right + 1) * scale // 2]
    assert tuple(centre) == (204, 204, 204)  # inside: untouched
    if box != (0, 0, side - 1, side - 1):
        assert tuple(pixels[-1, 0]) == (82, 82, 82) or tuple(pixels[0, -1]) == (82, 82, 82)  # outside: 0.8*255*0.4


def test_a_field_picture_takes_a_channel_axis():
    picture = receptive_field_picture(np.zeros((28, 28, 1)), (0, 0, 2, 2), side_px=280)
    assert picture.size == (280, 280)


def test_kernel_colours_follow_the_sign():
    kernels = np.zeros((3, 3, 3), np.float32)
    kernels[0, 0, 0] = 2.0
    kernels[1, 1, 1] = -1.0
    picture = kernel_grid(kernels, columns=2, cell_px=30, gap_px=2)
    assert picture.mode == "RGB" and picture.size == (2 * 30 + 2, 2 * 30 + 2)
    pixels = np.asarray(picture).astype(int)
    red, blue, white = pixels[5, 5], pixels[15, 30 + 2 + 15], pixels[15, 15]  # kernel 1 is right of kernel 0
    assert red[0] > 200 and red[2] < 60  # +max: full red
    assert blue[2] > red[2] and blue[0] < blue[2] and blue[0] > 100  # -max/2: half-way to blue
    assert tuple(white) == (255, 255, 255)  # 0 is white
    assert tuple(pixels[31, 5]) == GAP_RGB and tuple(pixels[5, 31]) == GAP_RGB  # thin gaps
    assert tuple(pixels[-1, -1]) == GAP_RGB  # the empty fourth slot


def test_kernels_of_any_size_get_similar_cells():
    eleven = kernel_grid(np.random.default_rng(0).normal(size=(48, 11, 11)))
    three = kernel_grid(np.random.default_rng(0).normal(size=(32, 3, 3)))
    assert eleven.size == (8 * 33 + 7 * 2, 6 * 33 + 5 * 2) and three.size == (8 * 36 + 14, 4 * 36 + 6)


def test_signed_maps_share_one_symmetric_scale():
    maps = np.zeros((2, 26, 26), np.float32)
    maps[0, 0, 0], maps[1, 0, 0] = 4.0, -4.0
    maps[1, 5, 5] = 1.0
    picture = signed_map_grid(maps, columns=2)
    assert picture.size == (2 * 104 + 2, 104)
    pixels = np.asarray(picture)
    assert tuple(pixels[0, 0]) == tuple(signed_colors(np.float32(4.0), 4.0))
    assert tuple(pixels[0, 106]) == tuple(signed_colors(np.float32(-4.0), 4.0))
    assert tuple(pixels[5 * 4, 106 + 5 * 4]) == tuple(signed_colors(np.float32(1.0), 4.0))  # a quarter of the way
    assert signed_map_grid(np.zeros((1, 7, 7))).size == (112, 112)
    assert np.asarray(signed_map_grid(np.zeros((1, 7, 7)))).min() == 255  # all 0: all white
