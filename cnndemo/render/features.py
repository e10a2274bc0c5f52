"""Feature maps of one layer as one grid picture, and the inverse: which unit a click hit.

:func:`feature_layout` fixes where every map (or dense unit) goes; :func:`feature_grid`
draws it and :func:`feature_cell_at` inverts it, so a click on the picture names the
(channel, row, column) the model computed there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from cnndemo.render.colors import GAP, LEVELS, MARK, PALETTE, normalise


@dataclass(frozen=True)
class FeatureLayout:
    """Where each shown map (or unit) sits in a :func:`feature_grid` picture.

    Attributes:
        shape: the activation's shape, (H, W, C) or (C,).
        channels: the channels shown, in grid order (row-major).
        columns, rows: grid size in maps (for dense layers: in units).
        cell_w, cell_h: a map's size in pixels (a unit's square for dense layers).
        gap_px: white gap between maps (0 for dense layers).
    """

    shape: tuple[int, ...]
    channels: tuple[int, ...]
    columns: int
    rows: int
    cell_w: int
    cell_h: int
    gap_px: int

    @property
    def dense(self) -> bool:
        return len(self.shape) == 1

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the picture in pixels."""
        step_w, step_h = self.cell_w + self.gap_px, self.cell_h + self.gap_px
        return self.columns * step_w - self.gap_px, self.rows * step_h - self.gap_px

    def origin(self, slot: int) -> tuple[int, int]:
        """(x, y) of the top-left pixel of grid slot ``slot``."""
        return (slot % self.columns) * (self.cell_w + self.gap_px), (slot // self.columns) * (self.cell_h + self.gap_px)


def feature_layout(
    shape: tuple[int, ...], max_maps: int = 64, columns: int = 8, min_cell_px: int = 28, max_cell_px: int = 96,
    gap_px: int = 1, first_channel: int = 0,
) -> FeatureLayout:
    """The layout of :func:`feature_grid` for an activation of ``shape`` (see its arguments)."""
    if len(shape) == 1:
        units = int(shape[0])
        columns = int(np.ceil(np.sqrt(units * 2)))  # twice as wide as tall
        cell = max(4, min_cell_px // 2)
        return FeatureLayout(tuple(shape), tuple(range(units)), columns, int(np.ceil(units / columns)), cell, cell, 0)
    if len(shape) != 3:
        raise ValueError(f"Expected activations of shape (H, W, C) or (C,). Received: {shape}.")
    height, width, count = (int(d) for d in shape)
    first = max(0, min(int(first_channel), count - 1))
    channels = tuple(range(first, min(count, first + max_maps)))
    columns = min(columns, len(channels))
    cell_w = width * int(np.ceil(min_cell_px / width)) if width < min_cell_px else min(width, max_cell_px)
    cell_h = max(1, round(cell_w * height / width))
    return FeatureLayout(tuple(shape), channels, columns, int(np.ceil(len(channels) / columns)), cell_w, cell_h, gap_px)


def feature_grid(
    activation: np.ndarray,
    max_maps: int = 64,
    columns: int = 8,
    min_cell_px: int = 28,
    max_cell_px: int = 96,
    gap_px: int = 1,
    scale: str = "map",
    first_channel: int = 0,
    mark: tuple[int, ...] | None = None,
) -> Image.Image:
    """Feature maps of one layer as one grid picture (viridis: dark = low, yellow = high).

    Args:
        activation: float (H, W, C) maps of a conv/pool layer, or (C,) units of a dense layer
            (shown as C coloured squares).
        max_maps: show at most this many channels, from ``first_channel`` on.
        columns: grid columns for maps (dense units use a near-square grid).
        min_cell_px, max_cell_px: maps are shown at their own size, enlarged by a whole
            factor when smaller than ``min_cell_px`` and reduced when larger than
            ``max_cell_px``. The picture stays small (fast to encode and send); let the
            browser scale it up with ``image-rendering: pixelated``.
        scale: "map" stretches each map to its own range; "layer" uses one range for all.
        mark: a unit to outline in red: (channel, row, col) for maps, (unit,) for dense.

    Returns:
        A palette ("P") picture (small and fast to encode as PNG); its geometry is
        :func:`feature_layout`'s.
    """
    activation = np.asarray(activation, dtype=np.float32)
    layout = feature_layout(activation.shape, max_maps, columns, min_cell_px, max_cell_px, gap_px, first_channel)
    width, height = layout.size
    if layout.dense:
        units = activation.shape[0]
        levels = np.full(layout.rows * layout.columns, GAP, np.uint8)
        levels[:units] = np.round(normalise(activation[None, :], "layer")[0] * (LEVELS - 1))
        cells = levels.reshape(layout.rows, layout.columns)
        grid = np.repeat(np.repeat(cells, layout.cell_h, axis=0), layout.cell_w, axis=1)
    else:
        maps = activation[:, :, list(layout.channels)]
        map_h, map_w, count = maps.shape
        # Nearest-neighbour resampling by index arrays: any size, sharp pixels, no per-map loop.
        row_index = (np.arange(layout.cell_h) * map_h // layout.cell_h).astype(np.intp)
        col_index = (np.arange(layout.cell_w) * map_w // layout.cell_w).astype(np.intp)
        levels = np.round(normalise(maps[row_index][:, col_index], scale) * (LEVELS - 1)).astype(np.uint8)
        step_h, step_w = layout.cell_h + gap_px, layout.cell_w + gap_px
        # (h, w, n) -> (rows, columns, h + gap, w + gap) -> one picture; GAP is the white gap
        cells = np.full((layout.rows * layout.columns, step_h, step_w), GAP, np.uint8)
        cells[:count, : layout.cell_h, : layout.cell_w] = levels.transpose(2, 0, 1)
        grid = cells.reshape(layout.rows, layout.columns, step_h, step_w).transpose(0, 2, 1, 3)
        grid = grid.reshape(layout.rows * step_h, layout.columns * step_w)[:height, :width]
    grid = np.ascontiguousarray(grid)
    if mark is not None:
        box = unit_box(layout, mark)
        if box is not None:
            _outline(grid, box)
    picture = Image.fromarray(grid, mode="L").convert("P")
    picture.putpalette(PALETTE)
    return picture


def unit_box(layout: FeatureLayout, unit: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) pixels (x1, y1 exclusive) covered by one unit of the picture, or None
    if that channel is not shown."""
    if layout.dense:
        slot = int(unit[0])
        if not 0 <= slot < layout.shape[0]:
            return None
        x, y = layout.origin(slot)
        return x, y, x + layout.cell_w, y + layout.cell_h
    channel, row, col = (int(v) for v in unit)
    if channel not in layout.channels:
        return None
    x, y = layout.origin(layout.channels.index(channel))
    map_h, map_w = layout.shape[0], layout.shape[1]
    x0, x1 = x + -(-col * layout.cell_w // map_w), x + -(-(col + 1) * layout.cell_w // map_w)
    y0, y1 = y + -(-row * layout.cell_h // map_h), y + -(-(row + 1) * layout.cell_h // map_h)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def _outline(grid: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """Draw a 1-px red frame just around ``box`` (inside the picture)."""
    height, width = grid.shape
    x0, y0 = max(0, box[0] - 1), max(0, box[1] - 1)
    x1, y1 = min(width - 1, box[2]), min(height - 1, box[3])
    grid[y0, x0 : x1 + 1] = MARK
    grid[y1, x0 : x1 + 1] = MARK
    grid[y0 : y1 + 1, x0] = MARK
    grid[y0 : y1 + 1, x1] = MARK


def feature_cell_at(layout: FeatureLayout, x: float, y: float) -> tuple[int, ...] | None:
    """The unit under pixel (x, y) of a :func:`feature_grid` picture: (channel, row, col) for
    maps, (unit,) for dense layers; None on a gap or outside."""
    step_w, step_h = layout.cell_w + layout.gap_px, layout.cell_h + layout.gap_px
    if x < 0 or y < 0:
        return None
    x, y = int(x), int(y)  # the pixel the point falls in
    column, row = int(x // step_w), int(y // step_h)
    inside_x, inside_y = x - column * step_w, y - row * step_h
    if column >= layout.columns or row >= layout.rows or inside_x >= layout.cell_w or inside_y >= layout.cell_h:
        return None
    slot = row * layout.columns + column
    if layout.dense:
        return (slot,) if slot < layout.shape[0] else None
    if slot >= len(layout.channels):
        return None
    map_h, map_w = layout.shape[0], layout.shape[1]
    return layout.channels[slot], int(inside_y * map_h // layout.cell_h), int(inside_x * map_w // layout.cell_w)
