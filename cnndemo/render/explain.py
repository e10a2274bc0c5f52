"""Pictures of the "inside the network" panel: a receptive field on the image, kernels and
signed feature maps in a blue-white-red colour map (numpy + Pillow only)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from cnndemo.render.colors import MARK_RGB

NEGATIVE_RGB = (33, 82, 200)  # -max of a signed picture (blue); 0 is white
POSITIVE_RGB = (215, 30, 35)  # +max (red)
GAP_RGB = (150, 150, 150)  # thin grey gaps (white means 0 in these pictures)
DIM = 0.4  # brightness kept outside a receptive field


def signed_colors(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """float (...) -> uint8 (..., 3): blue for negative, white for 0, red for positive,
    linear in ``|value| / scale`` (``scale`` defaults to the largest |value|; all white if 0)."""
    values = np.asarray(values, np.float32)
    scale = float(np.abs(values).max()) if scale is None and values.size else float(scale or 0.0)
    t = np.clip(values / scale, -1.0, 1.0) if scale > 0 else np.zeros_like(values)
    white = np.float32(255.0)
    ends = np.where(t[..., None] >= 0, np.array(POSITIVE_RGB, np.float32), np.array(NEGATIVE_RGB, np.float32))
    return np.round(white + np.abs(t)[..., None] * (ends - white)).astype(np.uint8)


def receptive_field_picture(image: np.ndarray, box: tuple[int, int, int, int], side_px: int = 252) -> Image.Image:
    """The image the first computing layer sees, with the receptive field outlined in red.

    Args:
        image: float (H, W) or (H, W, 1) in [0, 1] (28x28 input, or the 227/224 resized one).
        box: (top, left, bottom, right) inclusive pixel bounds in ``image``
            (:func:`cnndemo.explain.receptive_field`).
        side_px: wanted side; the image is enlarged by a whole factor (nearest), so a 28x28
            image becomes 252x252 and a 227x227 one stays 227x227.

    Returns:
        RGB picture: pixels outside the box dimmed to 40 %, a red (``MARK_RGB``) outline
        2-3 px wide drawn on the box's border pixels.
    """
    array = np.asarray(image, np.float32)
    array = array.reshape(array.shape[0], array.shape[1])
    rows, cols = array.shape
    top, left, bottom, right = (int(v) for v in box)
    top, left = max(top, 0), max(left, 0)
    bottom, right = min(bottom, rows - 1), min(right, cols - 1)
    grey = np.clip(array, 0, 1) * 255.0
    inside = np.zeros_like(grey, bool)
    inside[top:bottom + 1, left:right + 1] = True
    grey = np.where(inside, grey, grey * DIM)
    scale = max(1, round(side_px / max(rows, cols)))
    pixels = np.repeat(np.repeat(np.round(grey).astype(np.uint8), scale, 0), scale, 1)
    picture = Image.fromarray(np.stack([pixels] * 3, axis=-1), mode="RGB")
    width = 3 if scale >= 6 else 2
    ImageDraw.Draw(picture).rectangle(
        (left * scale, top * scale, (right + 1) * scale - 1, (bottom + 1) * scale - 1), outline=MARK_RGB, width=width)
    return picture


def _grid(tiles: np.ndarray, columns: int, scale: int, gap_px: int) -> Image.Image:
    """uint8 (n, h, w, 3) tiles -> one RGB picture, each tile enlarged ``scale`` times."""
    count, height, width = tiles.shape[:3]
    columns = max(1, min(int(columns), count))
    rows = -(-count // columns)
    cell_h, cell_w = height * scale, width * scale
    canvas = np.empty((rows * (cell_h + gap_px) - gap_px, columns * (cell_w + gap_px) - gap_px, 3), np.uint8)
    canvas[:] = GAP_RGB
    for index, tile in enumerate(tiles):
        y, x = (index // columns) * (cell_h + gap_px), (index % columns) * (cell_w + gap_px)
        canvas[y:y + cell_h, x:x + cell_w] = np.repeat(np.repeat(tile, scale, 0), scale, 1)
    return Image.fromarray(canvas, mode="RGB")


def kernel_grid(kernels: np.ndarray, columns: int = 8, cell_px: int = 36, gap_px: int = 2) -> Image.Image:
    """Kernels as coloured squares: float (n, K, K) -> RGB picture, ``columns`` per row.

    Each kernel is enlarged (nearest) by ``max(1, round(cell_px / K))``; one symmetric
    scale for the whole picture (the largest |weight| is full red or blue, 0 is white);
    grey gaps of ``gap_px`` between kernels.
    """
    kernels = np.asarray(kernels, np.float32)
    if kernels.ndim == 2:
        kernels = kernels[None]
    scale = max(1, round(cell_px / max(kernels.shape[1:])))
    return _grid(signed_colors(kernels), columns, scale, gap_px)


def signed_map_grid(maps: np.ndarray, columns: int = 4, cell_px: int = 112, gap_px: int = 2) -> Image.Image:
    """Feature maps with signs (playground, hand filters): float (n, H, W) -> RGB picture.

    Same colours as :func:`kernel_grid` (one symmetric scale over all maps); each map
    enlarged (nearest) by ``max(1, round(cell_px / max(H, W)))`` (26x26 -> 104 px).
    """
    maps = np.asarray(maps, np.float32)
    if maps.ndim == 2:
        maps = maps[None]
    scale = max(1, round(cell_px / max(maps.shape[1:])))
    return _grid(signed_colors(maps), columns, scale, gap_px)
