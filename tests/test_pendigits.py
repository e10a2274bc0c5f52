"""Pen-drawn digits: the checked loader, the writer split, the pad-faithful renderer, the mixes."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from cnndemo.data import DataError
from cnndemo.data.pen_render import BRUSHES_PX, DrawStyle, render_digits, render_strokes
from cnndemo.data.pendigits import PEN_FILE, load_pendigits, writer_split
from cnndemo.data.sets import DigitSet, concat
from conftest import REPO_ROOT

pytestmark = pytest.mark.unit

PEN_DIR = REPO_ROOT / "data" / "pendigits"
# The data set's README (data/pendigits/README.md): digits per class, writers, strokes.
CLASS_COUNTS = [780, 779, 780, 719, 780, 720, 720, 778, 719, 719]
ALL_STROKES, ONE_STROKE_DIGITS = 9_433, 5_564


@pytest.fixture(scope="module")
def pen():
    return load_pendigits()


@pytest.fixture
def tmp_pen_dir(tmp_path):
    target = tmp_path / "pendigits"
    shutil.copytree(PEN_DIR, target)
    return target


def test_counts_per_class_and_per_writer(pen):
    assert len(pen) == 7_494
    assert np.bincount(pen.labels, minlength=10).tolist() == CLASS_COUNTS
    per_writer = np.bincount(pen.writers, minlength=31)[1:]
    assert len(per_writer) == 30 and per_writer.min() >= 247 and per_writer.max() == 250 and pen.writers.min() == 1
    assert sum(len(digit) for digit in pen.strokes) == ALL_STROKES
    assert sum(len(digit) == 1 for digit in pen.strokes) == ONE_STROKE_DIGITS
    coordinates = np.concatenate([stroke for digit in pen.strokes for stroke in digit])
    assert coordinates.min() >= 0 and coordinates.max() <= 500


def test_the_checksum_is_the_files(pen):
    assert pen.sha256[PEN_FILE] == hashlib.sha256((PEN_DIR / PEN_FILE).read_bytes()).hexdigest()


def test_a_missing_file_is_named(tmp_pen_dir):
    (tmp_pen_dir / PEN_FILE).unlink()
    with pytest.raises(DataError, match=PEN_FILE) as error:
        load_pendigits(tmp_pen_dir)
    assert error.value.code == "data.file_missing"


def test_a_corrupt_file_is_named(tmp_pen_dir):
    path = tmp_pen_dir / PEN_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=PEN_FILE) as error:
        load_pendigits(tmp_pen_dir)
    assert error.value.code == "data.file_corrupt"


def test_a_truncated_file_with_a_matching_checksum_is_caught(tmp_pen_dir):
    path = tmp_pen_dir / PEN_FILE
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    (tmp_pen_dir / "SHA256SUMS").write_text(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {PEN_FILE}\n")
    with pytest.raises(DataError, match=PEN_FILE) as error:
        load_pendigits(tmp_pen_dir)
    assert error.value.code == "data.file_malformed"


def test_the_writer_split_is_disjoint_complete_and_fixed(pen):
    split = writer_split()
    groups = [set(split[name]) for name in ("train", "validation", "test")]
    assert [len(group) for group in groups] == [20, 4, 6]
    assert set().union(*groups) == set(range(1, 31))
    assert all(not (a & b) for i, a in enumerate(groups) for b in groups[i + 1:])
    assert writer_split() == split  # the same every time
    assert writer_split(seed=1) != split  # and really drawn from the seed


def ink_extent(picture: np.ndarray, level: int = 128) -> tuple[int, int, int, int]:
    rows = np.flatnonzero((picture > level).any(axis=1))
    cols = np.flatnonzero((picture > level).any(axis=0))
    return rows[0], cols[0], rows[-1], cols[-1]


def test_strokes_land_inside_the_canvas_at_the_size_and_place_asked():
    # A plus sign: one horizontal and one vertical stroke, 100 units wide.
    plus = [np.array([[0, 50], [100, 50]], np.float32), np.array([[50, 0], [50, 100]], np.float32)]
    style = DrawStyle(brush_px=10.0, size=0.5, center=(0.25, 0.75))
    picture = render_strokes(plus, style)
    assert picture.shape == (112, 112) and picture.dtype == np.uint8
    top, left, bottom, right = ink_extent(picture)
    # 112-px picture of a 280-px pad: the plus spans 0.5 * 112 = 56 px, plus the brush (4 px).
    assert 56 <= right - left + 1 <= 56 + 5 and 56 <= bottom - top + 1 <= 56 + 5
    assert abs((left + right) / 2 - 0.25 * 112) <= 1.5 and abs((top + bottom) / 2 - 0.75 * 112) <= 1.5
    assert set(np.unique(picture)) - {0, 255}  # anti-aliased: grey levels at the edges


@pytest.mark.parametrize("brush", sorted(BRUSHES_PX))
def test_brush_widths_are_those_asked(brush):
    # A long vertical stroke; its width in the 112-px picture is the brush x 112/280.
    line = [np.array([[0, 0], [0, 100]], np.float32)]
    picture = render_strokes(line, DrawStyle(brush_px=BRUSHES_PX[brush], size=0.8)).astype(np.float32) / 255
    width = picture[40:70].sum(axis=1).mean()  # ink per row, in pixels, away from the ends
    assert width == pytest.approx(BRUSHES_PX[brush] * 112 / 280, rel=0.12)


def test_the_renderer_draws_what_pillow_draws_from_the_same_points():
    # Independent check: two straight strokes (two points each: nothing to smooth) drawn
    # directly with Pillow at 280 px and reduced by area averaging give the same picture.
    strokes = [np.array([[40, 40], [140, 40]], np.float32), np.array([[140, 40], [140, 200]], np.float32)]
    style = DrawStyle(brush_px=18.0, size=160 / 280, center=(90 / 280, 120 / 280))  # scale 1, no shift
    ours = render_strokes(strokes, style, y_up=False).astype(np.float32)
    reference = Image.new("L", (280, 280), 0)
    draw = ImageDraw.Draw(reference)
    for points in strokes:
        draw.line([tuple(p) for p in points], fill=255, width=18)
        for x, y in points:
            draw.ellipse([x - 9, y - 9, x + 9, y + 9], fill=255)
    expected = np.asarray(reference.resize((112, 112), Image.Resampling.BOX), np.float32)
    assert np.abs(ours - expected).mean() < 3 and np.abs(ours - expected).max() < 130


def test_rendering_is_deterministic_under_a_seed(pen):
    first = render_digits(pen.strokes, [0, 1, 2], seed=5, copies=2)
    again = render_digits(pen.strokes, [0, 1, 2], seed=5, copies=2)
    other = render_digits(pen.strokes, [0, 1, 2], seed=6, copies=2)
    assert first.shape == (6, 28, 28) and first.dtype == np.uint8
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first[:3], first[3:])  # each copy has its own style
    # each picture went through the app's preprocessing: MNIST's 20x20 box in a 28x28 field
    for picture in first:
        top, left, bottom, right = ink_extent(picture, level=0)
        assert max(bottom - top, right - left) + 1 <= 22 and picture.max() == 255


def test_a_digit_set_checksum_follows_its_content(mnist):
    a = DigitSet(mnist.x_test[:10], mnist.y_test[:10], "a")
    b = DigitSet(mnist.x_test[:10].copy(), mnist.y_test[:10].copy(), "b")
    c = DigitSet(mnist.x_test[1:11], mnist.y_test[1:11], "c")
    assert a.checksum == b.checksum != c.checksum
    both = concat("both", a, c)
    assert len(both) == 20 and [part["name"] for part in both.about["parts"]] == ["a", "c"]
    with pytest.raises(ValueError):
        DigitSet(mnist.x_test[:10].astype(np.float32), mnist.y_test[:10], "floats")
