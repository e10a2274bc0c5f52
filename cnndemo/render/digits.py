"""Digits and preprocessing steps as pictures (numpy + Pillow; pixels kept sharp)."""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image

from cnndemo.render.colors import font


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


@functools.lru_cache(maxsize=4)
def _caption_band(captions: tuple[str, ...], panel_px: int, gap: int, height: int) -> np.ndarray:
    from PIL import ImageDraw

    band = Image.new("L", (len(captions) * (panel_px + gap) - gap, height), 255)
    draw = ImageDraw.Draw(band)
    for index, caption in enumerate(captions):
        x = index * (panel_px + gap) + panel_px / 2
        draw.text((x, 3), caption, fill=60, font=font(13), anchor="mt")
    return np.asarray(band)


def steps_strip(steps: dict[str, np.ndarray], captions: dict[str, str] | None = None, panel_px: int = 96
                ) -> Image.Image:
    """The preprocessing steps side by side (ink, cropped, fitted, centered), captioned.

    Args:
        steps: uint8 grey arrays by name, as in :attr:`cnndemo.preprocess.PreparedDigit.steps`.
        captions: the caller's words for each step, by name (the step's name if missing).

    Returns:
        An L (grey) picture, ``panel_px`` tall plus a caption band.
    """
    gap = 10
    spacer = np.full((panel_px, gap), 255, np.uint8)
    panels = []
    for array in steps.values():
        panels += [np.asarray(grey_picture(array, panel_px)), spacer]
    top = np.concatenate(panels[:-1], axis=1)
    words = tuple((captions or {}).get(name, name) for name in steps)
    return Image.fromarray(np.concatenate([top, _caption_band(words, panel_px, gap, 20)], axis=0), mode="L")
