"""Feature-map pictures (render.py) and the course's architecture table (architecture.py)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

pytestmark = pytest.mark.unit
from PIL import Image

from cnndemo.architecture import layer_table
from cnndemo.registry import create_model
from cnndemo.render import digit_picture, feature_grid, grey_picture

WHITE = (255, 255, 255)


def luminance(rgb) -> float:
    r, g, b = (float(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def colours_at_cells(picture: Image.Image, columns: int, rows: int) -> np.ndarray:
    """The colour at the centre of each cell of a grid of equal cells: (rows, columns, 3)."""
    return np.asarray(picture.convert("RGB").resize((columns, rows), Image.Resampling.NEAREST))


# ---------------------------------------------------------------- feature_grid

@pytest.mark.parametrize(
    "shape",
    [(26, 26, 32), (55, 55, 48), (13, 13, 128), (227, 227, 1), (112, 112, 32), (3, 3, 64), (6, 6, 1)],
    ids=lambda s: "x".join(map(str, s)),
)
def test_feature_grid_of_maps_keeps_cells_between_the_size_bounds(shape):
    activation = np.random.default_rng(0).random(shape, dtype=np.float32)
    picture = feature_grid(activation, min_cell_px=28, max_cell_px=96, gap_px=1)
    assert isinstance(picture, Image.Image)
    height, width, channels = shape
    columns = min(8, channels)
    rows = math.ceil(min(64, channels) / columns)
    cell_w = (picture.width - (columns - 1)) / columns
    cell_h = (picture.height - (rows - 1)) / rows
    assert cell_w == int(cell_w) and cell_h == int(cell_h)  # equal cells, 1 px gaps
    assert 28 <= cell_w <= max(96, width) and (width >= 28 or cell_w % width == 0)  # small maps: whole factor
    assert cell_w <= 96 or width <= 96
    assert abs(cell_h / cell_w - height / width) < 0.1
    assert picture.convert("RGB").getextrema() != ((0, 0), (0, 0), (0, 0))


@pytest.mark.parametrize("units", [10, 64, 512, 4608])
def test_feature_grid_of_dense_units_has_one_cell_per_unit(units):
    picture = feature_grid(np.random.default_rng(1).random(units, dtype=np.float32))
    columns = math.ceil(math.sqrt(units * 2))
    rows = math.ceil(units / columns)
    assert isinstance(picture, Image.Image)
    assert picture.width / columns == picture.height / rows  # square cells


def test_distinct_values_of_one_map_get_distinct_colours_dark_to_bright():
    values = np.arange(16, dtype=np.float32).reshape(4, 4)
    picture = feature_grid(values[..., None])
    colours = colours_at_cells(picture, 4, 4).reshape(16, 3)
    assert len({tuple(c) for c in colours}) == 16
    lum = [luminance(c) for c in colours]  # viridis: dark = low, bright = high
    assert all(a < b for a, b in zip(lum, lum[1:])), lum
    assert WHITE not in {tuple(c) for c in colours}


def test_distinct_dense_values_get_distinct_colours_and_padding_is_white():
    units = 10
    picture = feature_grid(np.arange(units, dtype=np.float32))
    columns = math.ceil(math.sqrt(units * 2))  # the docstring's near-square, twice as wide as tall grid
    rows = math.ceil(units / columns)
    cells = colours_at_cells(picture, columns, rows).reshape(-1, 3)
    unit_colours = [tuple(c) for c in cells[:units]]
    assert len(set(unit_colours)) == units
    lum = [luminance(c) for c in unit_colours]
    assert all(a < b for a, b in zip(lum, lum[1:])), lum
    assert all(tuple(c) == WHITE for c in cells[units:])


def test_each_map_uses_its_own_range_by_default_and_one_range_per_layer_on_request():
    low = np.tile(np.linspace(0, 1, 8, dtype=np.float32), (8, 1))
    maps = np.stack([low, low * 100], axis=-1)  # same pattern, 100x stronger
    per_map = np.asarray(feature_grid(maps, columns=2, gap_px=0).convert("RGB"))
    per_layer = np.asarray(feature_grid(maps, columns=2, gap_px=0, scale="layer").convert("RGB"))
    half = per_map.shape[1] // 2
    assert np.array_equal(per_map[:, :half], per_map[:, half:])
    assert not np.array_equal(per_layer[:, :half], per_layer[:, half:])


def test_feature_grid_shows_at_most_max_maps():
    activation = np.random.default_rng(2).random((13, 13, 128), dtype=np.float32)
    few = feature_grid(activation, max_maps=8, columns=8)
    many = feature_grid(activation, max_maps=64, columns=8)
    assert many.height > few.height * 4  # 8 rows instead of 1


def test_constant_map_does_not_crash_or_produce_nan():
    picture = feature_grid(np.zeros((5, 5, 3), np.float32))
    assert isinstance(picture, Image.Image)


@pytest.mark.parametrize("shape", [(28, 28), (1, 5, 5, 3)])
def test_feature_grid_rejects_other_shapes(shape):
    with pytest.raises(ValueError):
        feature_grid(np.zeros(shape, np.float32))


def test_digit_picture_keeps_the_digit():
    image = np.zeros((28, 28, 1), np.float32)
    image[4:24, 12:16] = 1.0
    picture = digit_picture(image, 224)
    assert picture.size == (224, 224)
    back = np.asarray(picture.resize((28, 28), Image.Resampling.NEAREST), np.float32) / 255
    np.testing.assert_allclose(back, image[..., 0], atol=1 / 255)


def test_grey_picture_fits_into_a_square():
    picture = grey_picture(np.full((50, 100), 200, np.uint8), side_px=160)
    assert picture.size == (160, 160)
    array = np.asarray(picture)
    assert array[80, 80] == 200 and array[0, 0] == 0  # wide picture: letterboxed top and bottom


# ---------------------------------------------------------------- layer_table

@pytest.fixture(scope="module")
def alexnet():
    return create_model("alexnet")


@pytest.fixture(scope="module")
def alexnet_rows(alexnet):
    from cnndemo.layers import describe_layers

    return layer_table(describe_layers(alexnet))


def numbers(text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]


def row_by_name(rows, name):
    return next(row for row in rows if row.name == name)


def test_alexnet_conv1_row_shows_the_course_arithmetic(alexnet_rows):
    row = row_by_name(alexnet_rows, "conv1")
    expected = (227 - 11) // 4 + 1
    assert expected == 55
    assert numbers(row.output_shape) == [55, 55, 48]
    assert {227, 11, 4}.issubset(numbers(row.size_formula))
    assert numbers(row.size_formula)[-1] == expected
    assert row.params == (11 * 11 * 1 + 1) * 48
    assert numbers(row.params_formula)[-1] == (11 * 11 * 1 + 1) * 48


def test_alexnet_pool1_row_shows_the_course_arithmetic(alexnet_rows):
    row = row_by_name(alexnet_rows, "pool1")
    expected = (55 - 3) // 2 + 1
    assert expected == 27
    assert numbers(row.output_shape) == [27, 27, 48]
    assert {55, 3, 2}.issubset(numbers(row.size_formula))
    assert numbers(row.size_formula)[-1] == expected
    assert row.params == 0


def test_every_conv_and_pool_row_matches_the_output_size_formula(alexnet, alexnet_rows):
    rows = {row.name: row for row in alexnet_rows}
    for layer in alexnet.layers:
        kind = type(layer).__name__
        if kind not in ("Conv2D", "MaxPooling2D"):
            continue
        width = layer.input.shape[1]
        k = layer.kernel_size[0] if kind == "Conv2D" else layer.pool_size[0]
        s = layer.strides[0]
        pad = (k - 1) // 2 if layer.padding == "same" else 0
        expected = (width - k + 2 * pad) // s + 1
        row = rows[layer.name]
        assert numbers(row.size_formula)[-1] == expected, row
        assert numbers(row.output_shape)[:2] == [expected, expected], row


def test_every_conv_row_has_the_parameter_arithmetic(alexnet, alexnet_rows):
    rows = {row.name: row for row in alexnet_rows}
    convs = [layer for layer in alexnet.layers if type(layer).__name__ == "Conv2D"]
    assert len(convs) == 5
    for layer in convs:
        k, c_in, c_out = layer.kernel_size[0], layer.input.shape[-1], layer.filters
        expected = (k * k * c_in + 1) * c_out
        row = rows[layer.name]
        assert row.params == expected
        assert numbers(row.params_formula) == [k, k, c_in, 1, c_out, expected], row.params_formula


def test_dense_rows_have_the_parameter_arithmetic(alexnet, alexnet_rows):
    rows = {row.name: row for row in alexnet_rows}
    for layer in alexnet.layers:
        if type(layer).__name__ == "Dense":
            expected = (layer.input.shape[-1] + 1) * layer.units
            assert rows[layer.name].params == expected
            assert numbers(rows[layer.name].params_formula)[-1] == expected


def test_table_covers_every_layer_and_adds_up_to_models_md_total(alexnet, alexnet_rows):
    rows = alexnet_rows
    assert rows[0].kind == "InputLayer" and numbers(rows[0].output_shape) == [28, 28, 1]
    assert [row.name for row in rows[1:]] == [layer.name for layer in alexnet.layers if type(layer).__name__ != "InputLayer"]
    assert sum(row.params for row in rows) == 3_561_834  # MODELS.md
    for row, layer in zip(rows[1:], [x for x in alexnet.layers if type(x).__name__ != "InputLayer"]):
        assert numbers(row.output_shape) == list(layer.output.shape[1:]), row.name
    notes = {row.name: row.note for row in rows}
    assert notes["conv1"].code == "arch.conv" and notes["conv1"].params["filters"] == 48
    assert notes["predictions"].code == "arch.dense_softmax" and notes["fc6"].code == "arch.dense"


# ---------------------------------------------------------------- clicking a feature map

@pytest.mark.parametrize("shape", [(26, 26, 32), (55, 55, 48), (224, 224, 32), (3, 3, 64), (13, 13, 192), (64,), (10,)])
def test_a_click_names_the_unit_drawn_there(shape):
    from cnndemo.render import feature_cell_at, feature_layout, unit_box

    rng = np.random.default_rng(0)
    layout = feature_layout(shape, first_channel=1 if len(shape) == 3 and shape[-1] > 64 else 0)
    picture = feature_grid(rng.random(shape, dtype=np.float32), first_channel=layout.channels[0])
    assert picture.size == layout.size
    width, height = layout.size
    # Any pixel of a map names a unit whose box holds that pixel.
    for _ in range(200):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        unit = feature_cell_at(layout, x, y)
        if unit is not None:
            x0, y0, x1, y1 = unit_box(layout, unit)
            assert x0 <= x < x1 and y0 <= y < y1, (unit, x, y)
    # Where every unit is drawn (maps enlarged, not reduced), each one can be clicked.
    if len(shape) == 1 or layout.cell_w >= shape[1]:
        units = [tuple(int(rng.integers(0, d)) for d in shape) for _ in range(30)]
        if len(shape) == 3:
            units = [(layout.channels[u[-1] % len(layout.channels)], u[0], u[1]) for u in units]
        for unit in units:
            x0, y0, x1, y1 = unit_box(layout, unit)
            for x, y in ((x0, y0), (x1 - 1, y1 - 1), ((x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2)):
                assert feature_cell_at(layout, x, y) == unit, (unit, x, y)


def test_gaps_and_outside_clicks_name_nothing():
    from cnndemo.render import feature_cell_at, feature_layout

    layout = feature_layout((26, 26, 32))
    assert feature_cell_at(layout, layout.cell_w + 0.5, 3) is None  # the white gap after the first map
    assert feature_cell_at(layout, -1, 3) is None
    assert feature_cell_at(layout, *layout.size) is None


def test_a_marked_unit_is_outlined_in_red_on_the_grid():
    from cnndemo.render import feature_layout, unit_box

    activation = np.zeros((13, 13, 8), np.float32)
    layout = feature_layout(activation.shape)
    picture = np.asarray(feature_grid(activation, mark=(2, 4, 5)).convert("RGB"))
    x0, y0, x1, y1 = unit_box(layout, (2, 4, 5))
    assert tuple(picture[y0 - 1, x0]) == (230, 20, 60)  # the frame sits just around the unit
    assert tuple(picture[(y0 + y1) // 2, (x0 + x1) // 2]) != (230, 20, 60)  # the unit itself keeps its colour
