"""Pictures of a training run's results: the confusion matrix (with its click inverse) and
the course's grid of test digits captioned "predicted (true)"."""

from __future__ import annotations

import numpy as np
from PIL import Image

from cnndemo.render.colors import GREEN, RED, font


CONFUSION_CELL_PX = 44
CONFUSION_MARGIN_PX = 72  # room for the axis titles and digit labels, left and top


def confusion_picture(matrix: np.ndarray, cell_px: int = CONFUSION_CELL_PX, predicted_title: str = "",
                      true_title: str = "") -> Image.Image:
    """A 10x10 confusion matrix (rows = true digit, columns = predicted) as an RGB picture.

    ``predicted_title`` and ``true_title`` are the caller's words for the two axes.

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
    small, big = font(13), font(15)
    draw.text((margin + classes * cell_px / 2, 24), predicted_title, fill=(0, 0, 0), font=big, anchor="mt")
    draw.text((6, margin + classes * cell_px / 2), true_title, fill=(0, 0, 0), font=big, anchor="lm")
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
    caption_font = font(16)
    for index in range(count):
        x, y = (index % columns) * cell_w + 6, (index // columns) * cell_h + 4
        digit = Image.fromarray(np.asarray(images[index], np.uint8)).resize((digit_px, digit_px), Image.Resampling.NEAREST)
        picture.paste(digit, (x, y))
        right = int(predicted[index]) == int(true[index])
        draw.text((x + digit_px / 2, y + digit_px + 3), f"{int(predicted[index])} ({int(true[index])})",
                  fill=GREEN if right else RED, font=caption_font, anchor="mt")
    return picture
