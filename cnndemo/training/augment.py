"""On-the-fly augmentation of training batches, deterministic under a seed.

``"handwriting"`` models how people draw differently from MNIST's writers, on MNIST and pen
digits alike, one random draw per image:

- **stroke width**: the image blended towards its 3x3 dilation (thicker, up to +1 px a
  side) or erosion (thinner), then brought back to full brightness;
- **small affine changes**: rotation up to ±12°, scale 0.85-1.15, aspect 0.9-1.1, shear
  up to ±0.15, shift up to ±2 px;
- **elastic distortion**: a smooth random displacement field (a 5x5 grid of random
  offsets, interpolated bilinearly) of up to 1.8 px.

The affine change and the distortion are one bilinear resampling of the stroke-width
image, which is kept at 8 bits in between, as the data are.

All of it is a few batched tensor operations (no per-image Python; the elementwise
arithmetic XLA-compiled), run in the tf.data pipeline on chunks of about 4,096 images
(:data:`CHUNK_IMAGES`; TensorFlow's per-operation costs make a chunk much cheaper per image
than a batch of 64) that are then split into the training batches:
``benchmarks/augment_throughput.py`` measures its cost on training speed (BENCHMARKS.md).
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
CORNERS = SIDE + 1  # top-left corners of 2x2 neighbourhoods in an image with a border of zeros
CHUNK_IMAGES = 4096  # images augmented per call in the pipeline (a whole number of batches)

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
    """(b, 28, 28) blended towards their 3x3 dilation (amount > 0) or erosion (amount < 0).

    One separable 3x3 max per batch: an erosion is the dilation of the negated image, so each
    image is negated where its amount is negative, dilated, and negated back. Outside the
    image counts as absent (-2 < any value), as ``max_pool2d``'s "SAME" padding does."""
    sign = tf.where(amount >= 0, 1.0, -1.0)[:, None, None]
    flipped = tf.pad(images * sign, [[0, 0], [1, 1], [1, 1]], constant_values=-2.0)
    rows = tf.maximum(tf.maximum(flipped[:, :-2], flipped[:, 1:-1]), flipped[:, 2:])
    dilated = tf.maximum(tf.maximum(rows[:, :, :-2], rows[:, :, 1:-1]), rows[:, :, 2:])
    return images + tf.abs(amount)[:, None, None] * (dilated * sign - images)


def _resize_matrix(size_in: int, size_out: int) -> tf.Tensor:
    """(size_out, size_in): ``tf.image.resize``'s bilinear interpolation as a matrix."""
    basis = tf.eye(size_in)[None, :, :, None]  # one unit vector per column
    return tf.image.resize(basis, [size_out, size_in], method="bilinear")[0, :, :, 0]


@tf.function(jit_compile=True)
def _inked_neighbourhoods(images: tf.Tensor, amount: tf.Tensor) -> tf.Tensor:
    """Stroke width changed, kept at 8 bits (as the data are), then, for every pixel of the
    image with a border of zeros, its 2x2 neighbourhood (itself, right, below, below-right)
    packed into one 32-bit word: uint32 (b * 29 * 29,), so that bilinear sampling needs one
    gather per output pixel instead of four."""
    inked = _stroke_width(images[..., 0], amount)
    levels = tf.cast(tf.round(tf.clip_by_value(inked, 0.0, 1.0) * 255.0), tf.uint8)
    bordered = tf.pad(levels, [[0, 0], [1, 1], [1, 1]])  # (b, 30, 30)
    neighbourhoods = tf.stack([bordered[:, :-1, :-1], bordered[:, :-1, 1:],
                               bordered[:, 1:, :-1], bordered[:, 1:, 1:]], axis=-1)  # (b, 29, 29, 4)
    return tf.reshape(tf.bitcast(neighbourhoods, tf.uint32), [-1])


@tf.function(jit_compile=True)
def _sources(u: tf.Tensor, field: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Where each output pixel reads its source, from the random draws.

    Args:
        u: float32 (b, 9) uniforms in [0, 1); field: float32 (b, 5, 5, 2) in [-1, 1].
    Returns:
        int32 (b, 28, 28): index of the source's neighbourhood in
        :func:`_inked_neighbourhoods`; float32 (b, 28, 28) twice: the row and column
        fractions, in [0, 1).
    """
    batch = tf.shape(u)[0]
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

    # The 5x5 field resized bilinearly to 28x28 (as tf.image.resize), as two small products.
    upsample = _resize_matrix(ELASTIC_GRID, SIDE)
    displacement = tf.einsum("ij,bjkc,lk->bilc", upsample, field, upsample) * elastic[:, None, None, None]
    rows = per_image(a10) * xs + per_image(a11) * ys + (center - per_image(shift[:, 0])) + displacement[..., 0]
    cols = per_image(a00) * xs + per_image(a01) * ys + (center - per_image(shift[:, 1])) + displacement[..., 1]
    # +1: the border of zeros; a source outside the image reads the border.
    rows = tf.clip_by_value(rows + 1.0, 0.0, SIDE + 0.999)
    cols = tf.clip_by_value(cols + 1.0, 0.0, SIDE + 0.999)
    row0, col0 = tf.floor(rows), tf.floor(cols)
    first = (tf.cast(row0, tf.int32) * CORNERS + tf.cast(col0, tf.int32)
             + (tf.range(batch) * (CORNERS * CORNERS))[:, None, None])
    return first, rows - row0, cols - col0


@tf.function(jit_compile=True)
def _blend(neighbourhoods: tf.Tensor, row_fraction: tf.Tensor, col_fraction: tf.Tensor) -> tf.Tensor:
    """Bilinear interpolation in each gathered neighbourhood (uint32 (b, 28, 28)), then the
    brightest ink brought to 1: float32 (b, 28, 28, 1) in [0, 1]."""
    corners = tf.cast(tf.bitcast(neighbourhoods, tf.uint8), tf.float32) * (1.0 / 255.0)  # (b, 28, 28, 4)
    top_left, top_right, bottom_left, bottom_right = (corners[..., i] for i in range(4))
    top = top_left + (top_right - top_left) * col_fraction
    bottom = bottom_left + (bottom_right - bottom_left) * col_fraction
    warped = tf.clip_by_value(top + (bottom - top) * row_fraction, 0.0, 1.0)
    # Like the app's preprocessing, the brightest ink is full white (a thinned stroke is
    # thin, not faint).
    peak = tf.reduce_max(warped, axis=[1, 2], keepdims=True)
    return (warped / tf.maximum(peak, 1e-3))[..., None]


def handwriting(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Augment a batch: float32 (b, 28, 28, 1) in [0, 1] -> the same shape and range.

    Args:
        seed: int (2,) tensor; the same images and seed give the same result.

    The arithmetic runs in three XLA-compiled functions (each fuses its many elementwise
    steps into one pass over the chunk); the one gather of the bilinear sampling stays
    TensorFlow's own, which is faster than XLA's on a CPU.
    """
    batch = tf.shape(images)[0]
    seed = tf.cast(seed, tf.int64)
    u = tf.random.stateless_uniform([batch, 9], seed=seed)
    field = tf.random.stateless_uniform([batch, ELASTIC_GRID, ELASTIC_GRID, 2], seed=seed + 1, minval=-1.0, maxval=1.0)
    neighbourhoods = _inked_neighbourhoods(images, _uniform(u[:, 0], *WIDTH_RANGE))
    first, row_fraction, col_fraction = _sources(u, field)
    return _blend(tf.gather(neighbourhoods, first), row_fraction, col_fraction)


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
