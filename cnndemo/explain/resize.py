"""Bilinear resizing as ``keras.layers.Resizing(interpolation="bilinear")`` does it.

Keras (TensorFlow backend, ``crop_to_aspect_ratio=False``) calls ``tf.image.resize`` with
``method="bilinear"`` and no antialiasing, i.e. TensorFlow's ResizeBilinear with
half-pixel centres: output pixel ``o`` of ``out`` looks at input coordinate
``(o + 0.5) * (in / out) - 0.5`` (float32), between ``lower = max(floor(.), 0)`` and
``upper = min(ceil(.), in - 1)`` with weight ``lerp = coordinate - floor(coordinate)``
on the upper one. A pixel is the weighted sum of at most 4 input pixels.
"""

from __future__ import annotations

import math

import numpy as np


def axis_weights(index: int, in_size: int, out_size: int) -> tuple[float, int, int, float]:
    """``(coordinate, lower, upper, lerp)`` of output index ``index`` along one axis, in
    TensorFlow's float32 arithmetic; the value is ``(1 - lerp)*x[lower] + lerp*x[upper]``."""
    scale = np.float32(in_size) / np.float32(out_size)
    coordinate = (np.float32(index) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = math.floor(float(coordinate))
    lower = max(floor, 0)
    upper = min(math.ceil(float(coordinate)), in_size - 1)
    lerp = float(np.float32(coordinate) - np.float32(floor))
    return float(coordinate), lower, upper, lerp


def bilinear_sources(row: int, col: int, in_shape: tuple[int, int], out_shape: tuple[int, int]
                     ) -> tuple[tuple[float, float], list[tuple[int, int, float]]]:
    """Where output pixel (row, col) comes from: the source point ``(y, x)`` in input
    coordinates (may be slightly outside [0, in-1] near the edges) and the input pixels
    ``(row, col, weight)`` mixed into it: 1 to 4 of them, weights > 0 summing to 1,
    duplicates (clamped at an edge) merged, in row-major order."""
    y, top, bottom, dy = axis_weights(row, in_shape[0], out_shape[0])
    x, left, right, dx = axis_weights(col, in_shape[1], out_shape[1])
    weights: dict[tuple[int, int], float] = {}
    for r, wy in ((top, 1.0 - dy), (bottom, dy)):
        for c, wx in ((left, 1.0 - dx), (right, dx)):
            weights[(r, c)] = weights.get((r, c), 0.0) + wy * wx
    sources = [(r, c, w) for (r, c), w in sorted(weights.items()) if w > 0]
    return (y, x), sources


def bilinear_value(image: np.ndarray, row: int, col: int, out_shape: tuple[int, int], channel: int = 0) -> float:
    """Output pixel (row, col, channel) of resizing ``image`` (H, W, C) to ``out_shape``,
    computed as TensorFlow does (lerp along columns, then rows), in float64."""
    _, top, bottom, dy = axis_weights(row, image.shape[0], out_shape[0])
    _, left, right, dx = axis_weights(col, image.shape[1], out_shape[1])
    x = np.asarray(image, np.float64)[..., channel]
    upper = x[top, left] + (x[top, right] - x[top, left]) * dx
    lower = x[bottom, left] + (x[bottom, right] - x[bottom, left]) * dx
    return float(upper + (lower - upper) * dy)
