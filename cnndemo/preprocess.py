"""A drawing or an uploaded picture -> the 28x28 image an MNIST model expects.

MNIST's own recipe (LeCun et al.): take the ink's bounding box, scale it to fit a 20x20 box
keeping the aspect ratio (with anti-aliasing), and place it in a 28x28 field so that the
ink's centre of mass sits at the centre. White ink on black, floats in [0, 1].

Accepted inputs: ``PIL.Image.Image`` of any mode and size, or a numpy array of shape (H, W),
(H, W, 1), (H, W, 3) or (H, W, 4), uint8 (0..255) or float (0..1). Light-on-dark and
dark-on-light are both recognised (by the border's brightness); an RGBA image with
transparent areas is read by its alpha channel (ink = opaque).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from cnndemo.messages import CnnDemoError

FIELD = 28
BOX = 20
MAX_INPUT_PIXELS = 40_000_000  # larger uploads are refused before decoding
WORKING_SIDE = 1024  # larger inputs are reduced to this before the recipe (speed)
MIN_CONTRAST = 0.15  # ink must differ from the background by 15% of full scale
INK_LEVEL = 0.2  # a pixel counts as ink above this (after normalising)
BBOX_LEVEL = 0.05  # faint anti-aliased edges still belong to the bounding box


class EmptyDrawingError(CnnDemoError, ValueError):
    """Nothing that looks like a digit: blank or near-blank (``drawing.empty``), or a
    single dot (``drawing.dot``)."""


class ImageTooLargeError(CnnDemoError, ValueError):
    """``drawing.too_large``: the input has more than ``MAX_INPUT_PIXELS`` pixels."""


class BadImageShapeError(CnnDemoError, ValueError):
    """``drawing.bad_shape``: an array that is not an image."""


@dataclass
class PreparedDigit:
    """The result of :func:`preprocess`.

    Attributes:
        image: float32 (28, 28, 1), white ink on black, in [0, 1]: what the model receives.
        steps: uint8 grey images for the "what the model sees" view, in order:
            ``"ink"`` (the input as ink on black, at most 1024 px), ``"cropped"`` (the ink's
            bounding box), ``"fitted"`` (scaled into 20x20) and ``"centered"`` (28x28).
        inverted: True if the input was dark ink on a light background.
        bbox: (top, left, bottom, right) of the ink in the ``"ink"`` step, bottom/right exclusive.
        center_of_mass: (row, col) of the ink in the final 28x28 image.
    """

    image: np.ndarray
    steps: dict[str, np.ndarray] = field(default_factory=dict)
    inverted: bool = False
    bbox: tuple[int, int, int, int] = (0, 0, 0, 0)
    center_of_mass: tuple[float, float] = (0.0, 0.0)


def to_ink(picture: Image.Image | np.ndarray) -> tuple[np.ndarray, bool]:
    """Any supported input -> (float32 (H, W) ink in [0, 1], white on black; inverted?).

    Raises:
        ImageTooLargeError: more than ``MAX_INPUT_PIXELS`` pixels.
        EmptyDrawingError: no visible ink (contrast below ``MIN_CONTRAST``).
        BadImageShapeError: an array of an unsupported shape.
    """
    if isinstance(picture, np.ndarray):
        array = picture
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
            raise BadImageShapeError("drawing.bad_shape", shape=list(array.shape))
        if array.dtype != np.uint8:
            scale = 255.0 if array.size and float(np.nanmax(array)) <= 1.0 else 1.0
            array = np.clip(np.nan_to_num(array.astype(np.float32) * scale), 0, 255).astype(np.uint8)
        picture = Image.fromarray(array)
    if picture.width * picture.height > MAX_INPUT_PIXELS:
        raise ImageTooLargeError("drawing.too_large", width=picture.width, height=picture.height,
                                 limit_mp=MAX_INPUT_PIXELS // 1_000_000)
    if picture.width == 0 or picture.height == 0:
        raise EmptyDrawingError("drawing.empty")
    if max(picture.size) > WORKING_SIDE:
        picture = picture.copy()
        picture.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BOX)

    has_alpha = picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info)
    if has_alpha:
        rgba = picture.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
        if alpha.min() < 0.5:  # real transparency: the opaque strokes are the ink
            return alpha, False
        picture = rgba.convert("RGB")
    grey = np.asarray(picture.convert("L"), dtype=np.float32) / 255.0

    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    inverted = background > 0.5
    if inverted:
        grey, background = 1.0 - grey, 1.0 - background
    peak = float(grey.max())
    if peak - background < MIN_CONTRAST:
        raise EmptyDrawingError("drawing.empty")
    return np.clip((grey - background) / (peak - background), 0.0, 1.0), inverted


def _ink_bbox(ink: np.ndarray) -> tuple[int, int, int, int]:
    mask = ink > BBOX_LEVEL
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        raise EmptyDrawingError("drawing.empty")
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _check_not_a_dot(ink: np.ndarray, bbox: tuple[int, int, int, int]) -> None:
    """Refuse specks (under 3 px) and small, round, filled blobs: a tap, not a digit.

    A digit may be tiny on a huge canvas; only its shape tells it from a dot.
    """
    top, left, bottom, right = bbox
    height, width = bottom - top, right - left
    side = max(ink.shape)
    filled = float((ink[top:bottom, left:right] > INK_LEVEL).mean())
    small = max(height, width) < 0.15 * side
    roundish = max(height, width) < 1.6 * min(height, width)
    if max(height, width) < 3 or (small and roundish and filled > 0.6):
        raise EmptyDrawingError("drawing.dot")


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.round(np.clip(values, 0.0, 1.0) * 255).astype(np.uint8)


def preprocess(picture: Image.Image | np.ndarray) -> PreparedDigit:
    """Apply MNIST's recipe; see the module docstring for accepted inputs.

    Returns:
        A :class:`PreparedDigit` whose ``image`` is float32 (28, 28, 1) in [0, 1].

    Raises:
        EmptyDrawingError: blank, near-blank or a lone dot ("draw a digit").
        ImageTooLargeError: over ``MAX_INPUT_PIXELS``.
    """
    ink, inverted = to_ink(picture)
    bbox = _ink_bbox(ink)
    _check_not_a_dot(ink, bbox)
    top, left, bottom, right = bbox
    cropped = ink[top:bottom, left:right]

    height, width = cropped.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    fitted = Image.fromarray(cropped.astype(np.float32), mode="F").resize(size, Image.Resampling.LANCZOS)
    fitted = np.clip(np.asarray(fitted, dtype=np.float32), 0.0, 1.0)

    total = float(fitted.sum())
    rows, cols = np.indices(fitted.shape)
    com_row = float((rows * fitted).sum() / total)
    com_col = float((cols * fitted).sum() / total)
    # Put the centre of mass at pixel (14, 14), where MNIST's training digits have it on
    # average (13.99, 14.00), staying inside the field.
    top_left_row = int(np.clip(round(FIELD / 2 - com_row), 0, FIELD - fitted.shape[0]))
    top_left_col = int(np.clip(round(FIELD / 2 - com_col), 0, FIELD - fitted.shape[1]))
    centered = np.zeros((FIELD, FIELD), np.float32)
    centered[top_left_row : top_left_row + fitted.shape[0], top_left_col : top_left_col + fitted.shape[1]] = fitted

    # Round to 8-bit levels like MNIST, so a drawing and a saved PNG of it agree exactly.
    image = (_to_uint8(centered).astype(np.float32) / 255.0)[..., None]
    return PreparedDigit(
        image=image,
        steps={
            "ink": _to_uint8(ink),
            "cropped": _to_uint8(cropped),
            "fitted": _to_uint8(fitted),
            "centered": _to_uint8(centered),
        },
        inverted=inverted,
        bbox=bbox,
        center_of_mass=(top_left_row + com_row, top_left_col + com_col),
    )
