"""Colours and fonts shared by the pictures: viridis (matplotlib's values), palettes, fonts."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

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

# Palette of "P" pictures: 254 viridis levels (0..253), a marker red (254), white gaps (255).
LEVELS = 254
MARK, GAP = 254, 255
MARK_RGB = (230, 20, 60)
PALETTE = np.concatenate(
    [VIRIDIS[np.round(np.linspace(0, 255, LEVELS)).astype(int)], [MARK_RGB], [[255, 255, 255]]]
).astype(np.uint8).tobytes()

GREEN, RED = (22, 130, 60), (200, 30, 30)

# Fonts with Hangul first (Debian's fonts-noto-cjk; packages.txt installs it on a Space),
# then Pillow's bundled font (Latin only).
_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
)


def normalise(maps: np.ndarray, scale: str) -> np.ndarray:
    """float (..., n) -> float32 in [0, 1], per map (last axis) or over the whole layer."""
    axes = tuple(range(maps.ndim - 1))
    if scale == "layer":
        low, high = float(maps.min()), float(maps.max())
    else:
        low, high = maps.min(axis=axes, keepdims=True), maps.max(axis=axes, keepdims=True)
    return ((maps - low) / np.maximum(high - low, 1e-6)).astype(np.float32)


@functools.lru_cache(maxsize=8)
def font(size: int):
    """A font of ``size`` px that has Hangul where the machine has one."""
    from PIL import ImageFont

    for path in _CJK_FONTS:
        if Path(path).is_file():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)
