"""On-the-fly augmentation of training batches, deterministic under a seed.

``"handwriting"`` models how people draw differently from MNIST's writers, on MNIST and pen
digits alike, one random draw per image:

- **stroke width**: the image blended towards its 3x3 dilation (thicker, up to +1 px a
  side) or erosion (thinner), then brought back to full brightness;
- **small affine changes**: rotation up to ±12°, scale 0.85-1.15, aspect 0.9-1.1, shear
  up to ±0.15, shift up to ±2 px;
- **elastic distortion**: a smooth random displacement field (a 5x5 grid of random
  offsets, interpolated bilinearly) of up to 1.8 px.

All of it is a few batched tensor operations per batch (no per-image Python), run in the
tf.data pipeline: ``benchmarks/augment_throughput.py`` measures its cost on training speed.
``"affine"`` is the earlier recipe (Keras' RandomRotation, RandomZoom, RandomTranslation),
kept so the first shipped weights' cards can be replayed.
"""

from __future__ import annotations

import math

import tensorflow as tf

SIDE = 28
MAX_ROTATION_DEG = 12.0
SCALE_RANGE = (0.85, 1.15)
ASPECT_RANGE = (0.9, 1.1)
MAX_SHEAR = 0.15
MAX_SHIFT_PX = 2.0
ELASTIC_GRID = 5
MAX_ELASTIC_PX = 1.8
WIDTH_RANGE = (-0.6, 1.0)  # < 0: towards the erosion, > 0: towards the dilation

HANDWRITING = {
    "stroke_width": f"blend towards 3x3 dilation/erosion, {WIDTH_RANGE[0]}..{WIDTH_RANGE[1]}",
    "rotation_deg": MAX_ROTATION_DEG, "scale": list(SCALE_RANGE), "aspect": list(ASPECT_RANGE),
    "shear": MAX_SHEAR, "shift_px": MAX_SHIFT_PX,
    "elastic": f"{ELASTIC_GRID}x{ELASTIC_GRID} grid, up to {MAX_ELASTIC_PX} px",
}
AFFINE = {"rotation": "±14° (0.04 turn)", "zoom": "±10%", "shift": "±8%"}


def describe(mode: str) -> dict:
    """The card's record of an augmentation mode."""
    return {"mode": mode, **({"handwriting": HANDWRITING, "affine": AFFINE}.get(mode, {}))}


def _uniform(u: tf.Tensor, low: float, high: float) -> tf.Tensor:
    return low + (high - low) * u


def _stroke_width(images: tf.Tensor, amount: tf.Tensor) -> tf.Tensor:
    thicker = tf.nn.max_pool2d(images, 3, 1, "SAME")
    thinner = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    amount = amount[:, None, None, None]
    return tf.where(amount >= 0, images + amount * (thicker - images), images - amount * (thinner - images))


def _bilinear(images: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """Sample (b, 28, 28, 1) images at float source positions (b, 28, 28); zero outside."""
    batch = tf.shape(images)[0]
    padded = tf.reshape(tf.pad(images[..., 0], [[0, 0], [1, 1], [1, 1]]), [batch, -1])  # border of zeros
    width = SIDE + 2
    rows = tf.clip_by_value(rows + 1.0, 0.0, SIDE + 0.999)  # +1: the padding; outside -> the zero border
    cols = tf.clip_by_value(cols + 1.0, 0.0, SIDE + 0.999)
    row0, col0 = tf.floor(rows), tf.floor(cols)
    fr, fc = rows - row0, cols - col0
    r0, c0 = tf.cast(row0, tf.int32), tf.cast(col0, tf.int32)

    def at(r, c):
        index = tf.reshape(r * width + c, [batch, -1])
        return tf.reshape(tf.gather(padded, index, batch_dims=1), tf.shape(rows))

    top = at(r0, c0) * (1 - fc) + at(r0, c0 + 1) * fc
    bottom = at(r0 + 1, c0) * (1 - fc) + at(r0 + 1, c0 + 1) * fc
    return (top * (1 - fr) + bottom * fr)[..., None]


def handwriting(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Augment a batch: float32 (b, 28, 28, 1) in [0, 1] -> the same shape and range.

    Args:
        seed: int (2,) tensor; the same images and seed give the same result.
    """
    batch = tf.shape(images)[0]
    seed = tf.cast(seed, tf.int64)
    u = tf.random.stateless_uniform([batch, 9], seed=seed)
    field = tf.random.stateless_uniform([batch, ELASTIC_GRID, ELASTIC_GRID, 2], seed=seed + 1, minval=-1.0, maxval=1.0)

    images = _stroke_width(images, _uniform(u[:, 0], *WIDTH_RANGE))

    angle = _uniform(u[:, 1], -1, 1) * (MAX_ROTATION_DEG * math.pi / 180)
    scale = _uniform(u[:, 2], *SCALE_RANGE)
    aspect = _uniform(u[:, 3], *ASPECT_RANGE)
    shear = _uniform(u[:, 4], -MAX_SHEAR, MAX_SHEAR)
    shift = _uniform(u[:, 5:7], -MAX_SHIFT_PX, MAX_SHIFT_PX)
    elastic = _uniform(u[:, 7], 0.0, MAX_ELASTIC_PX)

    # Output pixel p reads the source at A (p - c) + c - shift + elastic(p): the inverse map.
    sx, sy = 1.0 / (scale * aspect), aspect / scale
    cos, sin = tf.cos(angle), tf.sin(angle)
    a00, a01 = cos * sx, (cos * shear - sin) * sy
    a10, a11 = sin * sx, (sin * shear + cos) * sy
    center = (SIDE - 1) / 2
    grid = tf.range(SIDE, dtype=tf.float32) - center
    ys, xs = grid[None, :, None], grid[None, None, :]

    def per_image(v):
        return v[:, None, None]

    displacement = tf.image.resize(field, [SIDE, SIDE], method="bilinear") * elastic[:, None, None, None]
    rows = per_image(a10) * xs + per_image(a11) * ys + center - per_image(shift[:, 0]) + displacement[..., 0]
    cols = per_image(a00) * xs + per_image(a01) * ys + center - per_image(shift[:, 1]) + displacement[..., 1]
    warped = tf.clip_by_value(_bilinear(images, rows, cols), 0.0, 1.0)
    # Like the app's preprocessing, the brightest ink is full white (a thinned stroke is
    # thin, not faint).
    peak = tf.reduce_max(warped, axis=[1, 2, 3], keepdims=True)
    return warped / tf.maximum(peak, 1e-3)


def affine_layers(seed: int):
    """The earlier "affine" recipe as a Keras model of random layers."""
    import keras

    return keras.Sequential(
        [
            keras.layers.RandomRotation(0.04, fill_mode="constant", seed=seed),  # +-14 degrees
            keras.layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 1),
            keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=seed + 2),
        ],
        name="augment",
    )
