""":func:`explain_cell`: any cell of any layer, recomputed and checked against the model."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from cnndemo.explain import steps
from cnndemo.explain.errors import CELL_OUTSIDE, LAYER_WITHOUT_VALUES, ExplainError
from cnndemo.explain.explanation import CellExplanation
from cnndemo.explain.geometry import find_layer, receptive_field, source_layer
from cnndemo.layers import LayerInfo

KIND_OF = {"Conv2D": "conv2d", "MaxPooling2D": "maxpool", "Dense": "dense", "GlobalAveragePooling2D": "global_average",
           "Resizing": "resize"}
ACTIVATIONS = ("relu", "linear")


def _compute(values: Any, dtype: np.dtype) -> np.ndarray:
    """float64 copy of ``values`` after rounding to ``dtype`` (what the layer computes with)."""
    array = np.asarray(values, np.float32)
    if dtype != np.float32:
        array = array.astype(dtype)
    return np.asarray(array, np.float64)


def _check_cell(layer: LayerInfo, cell: Sequence[int] | int) -> tuple[int, ...]:
    shape = tuple(int(d) for d in layer.output_shape)
    cell = (cell,) if isinstance(cell, (int, np.integer)) else tuple(cell)
    if len(shape) == 3:
        channels, rows, cols = shape[2], shape[0], shape[1]
    else:
        channels, rows, cols = shape[0], 1, 1
    try:
        cell = tuple(int(i) for i in cell)
    except (TypeError, ValueError):
        cell = ()
    expected = 3 if len(shape) == 3 else 1
    padded = (list(cell) + [None, None, None])[:3] if len(shape) == 3 else [*(cell[:1] or [None]), 0, 0]
    inside = len(cell) == expected and all(0 <= i < n for i, n in zip(cell, (channels, rows, cols)))
    if not inside:
        raise ExplainError(CELL_OUTSIDE, layer=layer.name, channel=padded[0], row=padded[1], col=padded[2],
                           channels=channels, rows=rows, cols=cols, cell=list(cell), shape=list(shape))
    return cell


def explain_cell(layers: list[LayerInfo], layer: str, cell: tuple[int, ...], activations: dict[str, np.ndarray],
                 model_input: np.ndarray, weights: dict[str, np.ndarray], top: int = 8, *,
                 probabilities: np.ndarray | None = None, model: str = "") -> CellExplanation:
    """Recompute one number of one layer from the layer's weights and the values it read.

    Args:
        layers: the model's :class:`LayerInfo` list (``Predictor.layers(key)``).
        layer: name of the layer to explain (Conv2D, MaxPooling2D, Dense, Resizing,
            GlobalAveragePooling2D).
        cell: (channel, row, col) of a map layer (output (H, W, C)), (unit,) of a vector one.
        activations: ``ModelOutput.activations`` of one forward pass: layer name -> (H, W, C)
            or (C,) array, float32 or bfloat16.
        model_input: the (28, 28, 1) (or (28, 28)) float32 image in [0, 1] that pass saw.
        weights: the layer's weights as ``Predictor.weights`` gives them: {"kernel", "bias"}
            float32 (kernel (K, K, C_in, C_out) or (inputs, units)); {} for pooling/resizing.
        top: how many of a dense unit's largest contributions to list.
        probabilities: the model's (10,) output, used as ``value`` of a softmax cell when
            ``activations`` lacks the output layer (also given back as ``model_probabilities``).
        model: the model's name, only for the unknown-layer error.

    Returns:
        A :class:`CellExplanation`. Kind-specific fields: see the ``*_step`` functions of
        :mod:`cnndemo.explain.steps` (conv2d, maxpool, dense, softmax, global_average, resize).

    Raises:
        ExplainError: ``model.layer_unknown`` (model, received, available);
            ``explain.cell_outside`` (layer, channel, row, col, channels, rows, cols, cell,
            shape); ``explain.layer_kind`` (layer, kind) for the input, Flatten, Dropout and
            kinds not recomputed here (or a Conv2D/Dense activation other than relu/linear).
    """
    info = find_layer(layers, layer, model)
    activation = info.settings.get("activation") or "linear"
    kind = KIND_OF.get(info.kind)
    if kind == "dense" and activation == "softmax":
        kind = "softmax"
    elif kind in ("conv2d", "dense") and activation not in ACTIVATIONS:
        kind = None
    if kind is None or info.name not in activations and kind != "softmax":
        raise ExplainError(LAYER_WITHOUT_VALUES, layer=info.name, kind=info.kind)
    cell = _check_cell(info, cell)

    own = activations.get(info.name)
    if own is None and probabilities is None:
        raise ExplainError(LAYER_WITHOUT_VALUES, layer=info.name, kind=info.kind)
    own = np.asarray(own if own is not None else probabilities)
    dtype = np.dtype(own.dtype)
    index = (cell[1], cell[2], cell[0]) if len(cell) == 3 else cell
    value = float(np.asarray(own, np.float32)[index])

    source, flattened = source_layer(layers, info)
    raw = model_input if source.kind == "InputLayer" else activations[source.name]
    x = _compute(np.reshape(raw, source.output_shape), dtype)
    w = {name: _compute(array, dtype) for name, array in weights.items()}
    map_shape = x.shape if flattened and x.ndim == 3 else None

    if kind == "conv2d":
        step = steps.conv2d_step(info, x, w, cell, activation)
    elif kind == "maxpool":
        step = steps.maxpool_step(info, x, cell)
    elif kind == "dense":
        step = steps.dense_step(x, w, cell, activation, top, map_shape)
    elif kind == "softmax":
        step = steps.softmax_step(x, w, cell, top, map_shape)
    elif kind == "global_average":
        step = steps.global_average_step(x, cell)
    else:
        step = steps.resize_step(info, x, cell)
    recomputed, pre, bias, terms_sum, window, details = step
    if kind == "softmax" and probabilities is not None:
        details["model_probabilities"] = np.asarray(probabilities, np.float64)
    row, col = (cell[1], cell[2]) if len(cell) == 3 else (0, 0)
    return CellExplanation(
        kind=kind, layer=info.name, input_layer=source.name, cell=list(cell), value=value, recomputed=recomputed,
        activation="softmax" if kind == "softmax" else activation if kind in ("conv2d", "dense") else "linear",
        receptive_field=list(receptive_field(layers, info.name, row, col)), window=window,
        compute_dtype=dtype.name, pre_activation=pre, bias=bias, terms_sum=terms_sum, details=details,
    )
