"""Where a number comes from: windows of conv/pool cells, padding, receptive fields.

Coordinates are inclusive pixel bounds ``(top, left, bottom, right)``, rows and columns
counted from 0 at the top left, exactly as Keras/TensorFlow place their windows:
output cell ``o`` of a layer with kernel ``k``, stride ``s`` and ``pad_before`` padding
reads input rows ``o*s - pad_before`` to ``o*s - pad_before + k - 1`` (rows outside the map
are the zero padding of a convolution, or left out by a 'same' max pooling).
"""

from __future__ import annotations

import math
from typing import Sequence

from cnndemo.explain.errors import LAYER_UNKNOWN, ExplainError
from cnndemo.layers import LayerInfo

WINDOW_KINDS = ("Conv2D", "MaxPooling2D")  # layers whose cells read a window of the map before
PASS_THROUGH = ("Flatten", "Dropout")  # no values of their own: skipped to the layer before
IMAGE_KINDS = ("InputLayer", "Resizing")  # the image the first computing layer sees


def pair(value: int | Sequence[int]) -> tuple[int, int]:
    """``3`` or ``(3, 3)`` or ``[3, 3]`` -> ``(3, 3)``."""
    if isinstance(value, int):
        return value, value
    first, second = value
    return int(first), int(second)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """``(pad_before, pad_after)`` of 'same' padding as TensorFlow computes it:
    ``pad_total = max((ceil(size/stride) - 1)*stride + kernel - size, 0)``, the smaller half
    before (top/left), the rest after (bottom/right)."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Output side: ``floor((size - kernel)/stride) + 1`` for 'valid', ``ceil(size/stride)`` for 'same'."""
    if padding == "same":
        return math.ceil(size / stride)
    return (size - kernel) // stride + 1


def layer_window(layer: LayerInfo) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """``((k_rows, k_cols), (s_rows, s_cols), (pad_top, pad_left))`` of a Conv2D or MaxPooling2D."""
    settings = layer.settings
    kernel = pair(settings.get("kernel_size", settings.get("pool_size", 1)))
    strides = pair(settings.get("strides") or kernel)
    pads = (0, 0)
    if settings.get("padding", "valid") == "same":
        rows, cols = layer.input_shape[:2]
        pads = (same_padding(rows, kernel[0], strides[0])[0], same_padding(cols, kernel[1], strides[1])[0])
    return kernel, strides, pads


def window(layer: LayerInfo, top: int, left: int, bottom: int, right: int,
           clip: bool = True) -> tuple[int, int, int, int]:
    """The input rows/columns that output cells ``top..bottom`` x ``left..right`` of a
    Conv2D/MaxPooling2D read, inclusive; clipped to the input map when ``clip``
    (unclipped bounds may be negative or past the edge: zero padding)."""
    (k_r, k_c), (s_r, s_c), (p_r, p_c) = layer_window(layer)
    box = (top * s_r - p_r, left * s_c - p_c, bottom * s_r - p_r + k_r - 1, right * s_c - p_c + k_c - 1)
    if not clip:
        return box
    rows, cols = layer.input_shape[:2]
    return max(box[0], 0), max(box[1], 0), min(box[2], rows - 1), min(box[3], cols - 1)


def find_layer(layers: list[LayerInfo], name: str, model: str = "") -> LayerInfo:
    """The layer called ``name``.

    Raises:
        ExplainError: ``model.layer_unknown`` (model, received, available).
    """
    for layer in layers:
        if layer.name == name:
            return layer
    raise ExplainError(LAYER_UNKNOWN, model=model, received=name, available=[layer.name for layer in layers])


def source_layer(layers: list[LayerInfo], layer: LayerInfo) -> tuple[LayerInfo, bool]:
    """The layer whose values ``layer`` reads, Flatten and Dropout skipped, and whether a
    Flatten was skipped (the input is then that layer's (H, W, C) map in C order)."""
    source, flattened = find_layer(layers, layer.input_layer), False
    while source.kind in PASS_THROUGH:
        flattened = flattened or source.kind == "Flatten"
        source = find_layer(layers, source.input_layer)
    return source, flattened


def image_layer(layers: list[LayerInfo]) -> LayerInfo:
    """The layer whose output the first computing layer sees: the Resizing layer if any,
    else the input layer."""
    resizing = [layer for layer in layers if layer.kind == "Resizing"]
    return resizing[0] if resizing else next(layer for layer in layers if layer.kind == "InputLayer")


def receptive_field(layers: list[LayerInfo], layer: str, row: int = 0, col: int = 0) -> tuple[int, int, int, int]:
    """Inclusive ``(top, left, bottom, right)`` of the pixels that cell (row, col) of
    ``layer`` depends on, in the image the first computing layer sees (the 28x28 input, or
    the Resizing layer's output: 227x227 for AlexNet, 224x224 for VGG16), clipped to it.

    Windows are carried back through every Conv2D and MaxPooling2D. A Dense, Flatten,
    GlobalAveragePooling2D (or any layer behind one) depends on the whole image; a Resizing
    or input cell on itself. ``row`` and ``col`` are ignored for vector layers.

    Raises:
        ExplainError: ``model.layer_unknown``.
    """
    current = find_layer(layers, layer)
    image = image_layer(layers)
    rows, cols = image.output_shape[:2] if len(image.output_shape) >= 2 else (1, image.output_shape[0])
    whole = (0, 0, rows - 1, cols - 1)
    if current.kind in IMAGE_KINDS:
        return (int(row), int(col), int(row), int(col)) if len(current.output_shape) == 3 else whole
    box = (int(row), int(col), int(row), int(col))
    while current.kind not in IMAGE_KINDS:
        if current.kind == "Dropout":  # identity: same cell of the layer before
            current = find_layer(layers, current.input_layer)
            continue
        if current.kind not in WINDOW_KINDS:
            return whole
        box = window(current, *box)
        current = find_layer(layers, current.input_layer)
    return box
