"""Pen strokes -> the picture the drawing pad would send -> the 28x28 image the model gets.

The drawing pad (``webui/static/drawpad.js``) draws on a 280x280 canvas with a round brush
(thin 10.8, medium 18 or thick 27 px), smoothing each stroke with quadratic curves through
the midpoints of its points, and sends the canvas scaled down to 112x112, white ink on
black, anti-aliased. :func:`render_strokes` does the same with Pillow: the strokes are
smoothed the same way, drawn hard-edged at 280x280 with round joints and caps, and reduced
to 112x112 by area averaging (the anti-aliasing). :func:`render_digits` then sends each
picture through :func:`cnndemo.preprocess.preprocess`, the app's own path for a drawing.

Where a digit lands, how large and with which brush is drawn at random per digit
(:func:`random_style`), deterministically from ``(seed, digit index, copy)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from cnndemo.preprocess import preprocess

PAD_SIZE_PX = 280  # the drawing pad's canvas, CSS pixels
PAD_OUT_PX = 112  # the side of the picture the pad sends
PAD_BRUSH_PX = 18.0  # the medium brush; thin is 0.6x, thick 1.5x
BRUSHES_PX = {"small": PAD_BRUSH_PX * 0.6, "medium": PAD_BRUSH_PX, "large": PAD_BRUSH_PX * 1.5}

# Random styles: any brush from a little thinner than "small" to a little thicker than
# "large", the digit's longer side from 35 % to 90 % of the canvas, anywhere it fits.
BRUSH_RANGE_PX = (0.9 * BRUSHES_PX["small"], 1.1 * BRUSHES_PX["large"])
SIZE_RANGE = (0.35, 0.90)
_CURVE_STEPS = 3  # line segments per quadratic curve (more changes nothing visible at 112 px)


@dataclass(frozen=True)
class DrawStyle:
    """How one digit is drawn on the pad.

    Attributes:
        brush_px: brush diameter in canvas pixels (the pad offers 10.8, 18 and 27).
        size: the digit's longer side as a fraction of the canvas side, (0, 1].
        center: (x, y) of the digit's bounding-box centre, fractions of the canvas side.
    """

    brush_px: float = PAD_BRUSH_PX
    size: float = 0.6
    center: tuple[float, float] = (0.5, 0.5)

    def as_dict(self) -> dict:
        return asdict(self)


def random_style(rng: np.random.Generator, brush_px: float | None = None, size: float | None = None) -> DrawStyle:
    """A random :class:`DrawStyle` (brush and size may be fixed), placed where it fits."""
    brush = float(rng.uniform(*BRUSH_RANGE_PX)) if brush_px is None else float(brush_px)
    extent = float(rng.uniform(*SIZE_RANGE)) if size is None else float(size)
    margin = min(0.5, extent / 2 + brush / 2 / PAD_SIZE_PX + 0.01)
    center = tuple(float(rng.uniform(margin, 1 - margin)) for _ in range(2))
    return DrawStyle(brush, extent, center)  # type: ignore[arg-type]


def _smooth(points: np.ndarray) -> np.ndarray:
    """The pad's path through ``points`` (float (k, 2)) as a dense polyline: a line to the
    first midpoint, quadratic curves with the points as control points, a line to the end."""
    if len(points) < 3:
        return points
    mids = (points[:-1] + points[1:]) / 2
    t = np.linspace(0, 1, _CURVE_STEPS + 1)[1:, None, None]
    start, control, end = mids[:-1], points[1:-1], mids[1:]
    curves = ((1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end).transpose(1, 0, 2).reshape(-1, 2)
    return np.concatenate([points[:1], mids[:1], curves, points[-1:]])


def render_strokes(
    strokes: Sequence[np.ndarray], style: DrawStyle = DrawStyle(), y_up: bool = True,
    canvas_px: int = PAD_SIZE_PX, out_px: int = PAD_OUT_PX,
) -> np.ndarray:
    """Draw strokes as the pad would and return what it sends.

    Args:
        strokes: float (k, 2) arrays of (x, y) points in any units, one per stroke.
        style: brush, size and place (:class:`DrawStyle`).
        y_up: the points' y grows upwards (pen tablets); False for screen coordinates.

    Returns:
        uint8 (out_px, out_px), white ink on black, anti-aliased.
    """
    arrays = [np.asarray(s, np.float64) * ((1, -1) if y_up else (1, 1)) for s in strokes]
    everything = np.concatenate(arrays)
    low, high = everything.min(axis=0), everything.max(axis=0)
    scale = style.size * canvas_px / max(float((high - low).max()), 1e-6)
    offset = np.asarray(style.center) * canvas_px - (low + high) / 2 * scale
    picture = Image.new("L", (canvas_px, canvas_px), 0)
    draw = ImageDraw.Draw(picture)
    radius = style.brush_px / 2
    for points in arrays:
        path = _smooth(points * scale + offset)
        for x, y in (path[0], path[-1]):  # round caps (and a dot for a single point)
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
        if len(path) > 1:
            draw.line(path.ravel().tolist(), fill=255, width=max(1, round(style.brush_px)), joint="curve")
    return np.asarray(picture.resize((out_px, out_px), Image.Resampling.BOX))


def digit_rng(seed: int, index: int, copy: int = 0) -> np.random.Generator:
    """The random generator of one rendering: the same digit, seed and copy draw the same."""
    return np.random.default_rng((int(seed), int(index), int(copy)))


def render_digits(
    strokes: Sequence[Sequence[np.ndarray]], indices: Sequence[int], seed: int, copies: int = 1,
    brush_px: float | None = None, size: float | None = None,
) -> np.ndarray:
    """Render digits ``indices`` of ``strokes`` ``copies`` times each, at random styles,
    through the app's preprocessing.

    Args:
        strokes: per digit, its strokes (as :attr:`cnndemo.data.pendigits.PenDigits.strokes`).
        indices: which digits.
        seed: with the digit's index and the copy number, fixes each rendering.
        brush_px, size: fix the brush or the size instead of drawing them at random.

    Returns:
        uint8 (len(indices) * copies, 28, 28), white ink on black, copy-major order
        (all digits' copy 0, then all copy 1, ...), as MNIST stores its images.
    """
    out = np.zeros((copies * len(indices), 28, 28), np.uint8)
    for copy in range(copies):
        for position, index in enumerate(indices):
            style = random_style(digit_rng(seed, index, copy), brush_px=brush_px, size=size)
            drawn = render_strokes(strokes[index], style)
            out[copy * len(indices) + position] = preprocess(drawn).steps["centered"]
    return out
