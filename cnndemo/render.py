"""Activations and digits -> pictures, with numpy and Pillow only (no pyplot in a server).

Every function returns a ``PIL.Image.Image`` in RGB (or L) and keeps no state.
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image

# Viridis at 9 evenly spaced stops (matplotlib's values), interpolated to 256 entries.
_VIRIDIS_STOPS = np.array(
    [
        [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
        [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
    ],
    dtype=np.float32,
)
VIRIDIS = np.stack(
    [np.interp(np.linspace(0, 8, 256), np.arange(9), _VIRIDIS_STOPS[:, c]) for c in range(3)], axis=1
).round().astype(np.uint8)


# Palette for "P" pictures: 255 viridis levels, then white (index 255) for gaps.
_PALETTE = np.concatenate([VIRIDIS[np.round(np.linspace(0, 255, 255)).astype(int)], [[255, 255, 255]]]).astype(np.uint8).tobytes()


def _normalise(maps: np.ndarray, scale: str) -> np.ndarray:
    """float (..., n) -> float32 in [0, 1], per map (last axis) or over the whole layer."""
    axes = tuple(range(maps.ndim - 1))
    if scale == "layer":
        low, high = float(maps.min()), float(maps.max())
    else:
        low, high = maps.min(axis=axes, keepdims=True), maps.max(axis=axes, keepdims=True)
    return ((maps - low) / np.maximum(high - low, 1e-6)).astype(np.float32)


def feature_grid(
    activation: np.ndarray,
    max_maps: int = 64,
    columns: int = 8,
    min_cell_px: int = 28,
    max_cell_px: int = 96,
    gap_px: int = 1,
    scale: str = "map",
) -> Image.Image:
    """Feature maps of one layer as one RGB grid picture (viridis: dark = low, yellow = high).

    Args:
        activation: float (H, W, C) maps of a conv/pool layer, or (C,) units of a dense layer
            (shown as C coloured squares).
        max_maps: show at most this many channels (the first ones).
        columns: grid columns for maps (dense units use a near-square grid).
        min_cell_px, max_cell_px: maps are shown at their own size, enlarged by a whole
            factor when smaller than ``min_cell_px`` and reduced when larger than
            ``max_cell_px``. The picture stays small (fast to encode and send); let the
            browser scale it up with ``image-rendering: pixelated``.
        scale: "map" stretches each map to its own range; "layer" uses one range for all.

    Returns:
        A palette ("P") picture (small and fast to encode as PNG).
    """
    activation = np.asarray(activation, dtype=np.float32)
    if activation.ndim == 1:  # dense: one cell per unit
        units = activation.shape[0]
        columns = int(np.ceil(np.sqrt(units * 2)))  # twice as wide as tall
        rows = int(np.ceil(units / columns))
        padded = np.full(rows * columns, np.nan, np.float32)
        padded[:units] = _normalise(activation[None, :], "layer")[0]
        cells = padded.reshape(rows, columns)
        rgb = VIRIDIS[np.round(np.nan_to_num(cells, nan=0.0) * 255).astype(np.uint8)]
        rgb[np.isnan(cells)] = 255
        cell = max(4, min_cell_px // 2)
        return Image.fromarray(rgb).resize((columns * cell, rows * cell), Image.Resampling.NEAREST)

    if activation.ndim != 3:
        raise ValueError(f"Expected activations of shape (H, W, C) or (C,). Received: {activation.shape}.")
    maps = activation[:, :, :max_maps]
    height, width, count = maps.shape
    columns = min(columns, count)
    rows = int(np.ceil(count / columns))
    if width < min_cell_px:
        cell_w = width * int(np.ceil(min_cell_px / width))
    else:
        cell_w = min(width, max_cell_px)
    cell_h = max(1, round(cell_w * height / width))
    # Nearest-neighbour resampling by index arrays: any size, sharp pixels, no per-map loop.
    row_index = (np.arange(cell_h) * height // cell_h).astype(np.intp)
    col_index = (np.arange(cell_w) * width // cell_w).astype(np.intp)
    levels = np.round(_normalise(maps[row_index][:, col_index], scale) * 254).astype(np.uint8)  # (h, w, n)
    cell_h, cell_w = levels.shape[:2]
    # (h, w, n) -> (rows, columns, h + gap, w + gap) -> one picture; index 255 is the white gap
    cells = np.full((rows * columns, cell_h + gap_px, cell_w + gap_px), 255, np.uint8)
    cells[:count, :cell_h, :cell_w] = levels.transpose(2, 0, 1)
    grid = cells.reshape(rows, columns, cell_h + gap_px, cell_w + gap_px).transpose(0, 2, 1, 3)
    grid = grid.reshape(rows * (cell_h + gap_px), columns * (cell_w + gap_px))[:-gap_px or None, :-gap_px or None]
    picture = Image.fromarray(np.ascontiguousarray(grid), mode="L").convert("P")
    picture.putpalette(_PALETTE)
    return picture


def digit_picture(image: np.ndarray, side_px: int = 224) -> Image.Image:
    """A float (H, W[, 1]) image in [0, 1] (the model's input) as an L picture, pixels kept sharp."""
    array = np.asarray(image, dtype=np.float32).reshape(image.shape[0], image.shape[1])
    picture = Image.fromarray(np.round(np.clip(array, 0, 1) * 255).astype(np.uint8), mode="L")
    resample = Image.Resampling.NEAREST if side_px >= array.shape[0] else Image.Resampling.BOX
    return picture.resize((side_px, side_px), resample)


def grey_picture(array: np.ndarray, side_px: int = 160) -> Image.Image:
    """A uint8 (H, W) grey array fitted into a ``side_px`` square (for preprocessing steps)."""
    picture = Image.fromarray(np.asarray(array, dtype=np.uint8), mode="L")
    scale = side_px / max(picture.size)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    picture = picture.resize(size, Image.Resampling.NEAREST if scale >= 1 else Image.Resampling.BOX)
    canvas = Image.new("L", (side_px, side_px), 0)
    canvas.paste(picture, ((side_px - size[0]) // 2, (side_px - size[1]) // 2))
    return canvas


@functools.lru_cache(maxsize=8)
def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)  # Pillow's bundled font: no system fonts needed


GREEN, RED = (22, 130, 60), (200, 30, 30)
CONFUSION_CELL_PX = 44
CONFUSION_MARGIN_PX = 72  # room for the axis titles and digit labels, left and top


def confusion_picture(matrix: np.ndarray, cell_px: int = CONFUSION_CELL_PX) -> Image.Image:
    """A 10x10 confusion matrix (rows = true digit, columns = predicted) as an RGB picture.

    Diagonal cells are green, errors red, both shaded by count (log scale for errors);
    each cell shows its count. Cell (true t, predicted p) spans x from
    ``CONFUSION_MARGIN_PX + p * cell_px``, y from ``CONFUSION_MARGIN_PX + t * cell_px``;
    :func:`confusion_cell_at` inverts that for clicks.
    """
    from PIL import ImageDraw

    matrix = np.asarray(matrix, dtype=np.int64)
    classes = matrix.shape[0]
    margin = CONFUSION_MARGIN_PX
    side = margin + classes * cell_px + 8
    picture = Image.new("RGB", (side, side), (255, 255, 255))
    draw = ImageDraw.Draw(picture)
    small, big = _font(13), _font(15)
    draw.text((margin + classes * cell_px / 2, 24), "predicted", fill=(0, 0, 0), font=big, anchor="mt")
    draw.text((6, margin + classes * cell_px / 2), "true", fill=(0, 0, 0), font=big, anchor="lm")
    worst = max(1, int((matrix - np.diag(np.diag(matrix))).max()))
    best = max(1, int(np.diag(matrix).max()))
    for i in range(classes):
        draw.text((margin + i * cell_px + cell_px / 2, margin - 6), str(i), fill=(0, 0, 0), font=big, anchor="mb")
        draw.text((margin - 8, margin + i * cell_px + cell_px / 2), str(i), fill=(0, 0, 0), font=big, anchor="rm")
        for j in range(classes):
            count = int(matrix[i, j])
            if i == j:
                strength = 0.25 + 0.75 * count / best
                colour = tuple(int(255 - strength * (255 - c)) for c in GREEN)
            elif count:
                strength = 0.2 + 0.8 * np.log1p(count) / np.log1p(worst)
                colour = tuple(int(255 - strength * (255 - c)) for c in RED)
            else:
                colour = (246, 246, 246)
            x, y = margin + j * cell_px, margin + i * cell_px
            draw.rectangle([x, y, x + cell_px - 2, y + cell_px - 2], fill=colour)
            if count:
                ink = (255, 255, 255) if sum(colour) < 450 else (0, 0, 0)
                draw.text((x + cell_px / 2 - 1, y + cell_px / 2 - 1), str(count), fill=ink, font=small, anchor="mm")
    return picture


def confusion_cell_at(x: float, y: float, classes: int = 10, cell_px: int = CONFUSION_CELL_PX) -> tuple[int, int] | None:
    """(true, predicted) of the cell at pixel (x, y) of :func:`confusion_picture`, or None."""
    column = int((x - CONFUSION_MARGIN_PX) // cell_px)
    row = int((y - CONFUSION_MARGIN_PX) // cell_px)
    if x < CONFUSION_MARGIN_PX or y < CONFUSION_MARGIN_PX or not (0 <= row < classes and 0 <= column < classes):
        return None
    return row, column


def prediction_grid(
    images: np.ndarray, predicted: np.ndarray, true: np.ndarray, columns: int = 3, digit_px: int = 84
) -> Image.Image:
    """Digits captioned "predicted (true)", green when right and red when wrong (the course's figure).

    Args:
        images: uint8 (n, 28, 28), white on black.
        predicted, true: int (n,) digits.
    """
    from PIL import ImageDraw

    count = len(images)
    columns = max(1, min(columns, count))
    rows = max(1, int(np.ceil(count / columns)))
    caption_px = 22
    cell_w, cell_h = digit_px + 12, digit_px + caption_px + 8
    picture = Image.new("RGB", (columns * cell_w, rows * cell_h), (255, 255, 255))
    draw = ImageDraw.Draw(picture)
    font = _font(16)
    for index in range(count):
        x, y = (index % columns) * cell_w + 6, (index // columns) * cell_h + 4
        digit = Image.fromarray(np.asarray(images[index], np.uint8)).resize((digit_px, digit_px), Image.Resampling.NEAREST)
        picture.paste(digit, (x, y))
        right = int(predicted[index]) == int(true[index])
        draw.text((x + digit_px / 2, y + digit_px + 3), f"{int(predicted[index])} ({int(true[index])})",
                  fill=GREEN if right else RED, font=font, anchor="mt")
    return picture


STEP_CAPTIONS = {"ink": "your drawing", "cropped": "crop to ink", "fitted": "fit 20x20", "centered": "28x28, centred"}


@functools.lru_cache(maxsize=4)
def _caption_band(names: tuple[str, ...], panel_px: int, gap: int, height: int) -> np.ndarray:
    from PIL import ImageDraw

    band = Image.new("L", (len(names) * (panel_px + gap) - gap, height), 255)
    draw = ImageDraw.Draw(band)
    for index, name in enumerate(names):
        x = index * (panel_px + gap) + panel_px / 2
        draw.text((x, 3), STEP_CAPTIONS.get(name, name), fill=60, font=_font(13), anchor="mt")
    return np.asarray(band)


def steps_strip(steps: dict[str, np.ndarray], panel_px: int = 96) -> Image.Image:
    """The preprocessing steps side by side, each captioned (ink, cropped, fitted, centered).

    Args:
        steps: uint8 grey arrays by name, as in :attr:`cnndemo.preprocess.PreparedDigit.steps`.

    Returns:
        An L (grey) picture, ``panel_px`` tall plus a caption band.
    """
    gap = 10
    spacer = np.full((panel_px, gap), 255, np.uint8)
    panels = []
    for array in steps.values():
        panels += [np.asarray(grey_picture(array, panel_px)), spacer]
    top = np.concatenate(panels[:-1], axis=1)
    return Image.fromarray(np.concatenate([top, _caption_band(tuple(steps), panel_px, gap, 20)], axis=0), mode="L")
