"""The architecture table the course teaches: layer, type, output shape, parameters, and the
arithmetic behind them (output size ``floor((W - K + 2P) / S) + 1``; conv parameters
``(K*K*C_in + 1) * C_out``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LayerRow:
    """One row of the table.

    Attributes:
        name: layer name (``"conv1"``).
        kind: Keras class name (``"Conv2D"``).
        output_shape: e.g. ``"55×55×48"`` (batch axis left out).
        params: trainable + non-trainable parameters.
        size_formula: for conv/pool layers, e.g. ``"⌊(227−11)/4⌋+1 = 55"``; else "".
        params_formula: e.g. ``"(11·11·1+1)·48 = 5,856"``; "" for layers without parameters.
        description: a short plain-words note ("resize 28×28 → 227×227").
    """

    name: str
    kind: str
    output_shape: str
    params: int
    size_formula: str
    params_formula: str
    description: str


def _shape(shape: Any) -> str:
    return "×".join(str(d) for d in tuple(shape)[1:])


def _size_formula(width: int, kernel: int, stride: int, padding: str, out: int) -> str:
    if padding == "same":
        pad = (kernel - 1) // 2
        if stride == 1:
            return f"⌊({width}−{kernel}+2·{pad})/{stride}⌋+1 = {out}  (same)"
        return f"⌈{width}/{stride}⌉ = {out}  (same)"
    if stride == 1:
        return f"{width}−{kernel}+1 = {out}"
    return f"⌊({width}−{kernel})/{stride}⌋+1 = {out}"


def layer_table(model: Any) -> list[LayerRow]:
    """Rows for every layer of a built ``keras.Model``, the input layer first."""
    rows = [LayerRow("input", "InputLayer", _shape(model.input_shape), 0, "", "", "the 28×28 digit, 1 channel")]
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        in_shape = tuple(layer.input.shape)
        out_shape = tuple(layer.output.shape)
        params = int(layer.count_params())
        size_formula = params_formula = description = ""
        if kind == "Conv2D":
            k, s = layer.kernel_size[0], layer.strides[0]
            size_formula = _size_formula(in_shape[1], k, s, layer.padding, out_shape[1])
            params_formula = f"({k}·{k}·{in_shape[-1]}+1)·{layer.filters} = {params:,}"
            description = f"{layer.filters} filters {k}×{k}, stride {s}, {layer.padding}, ReLU"
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            k, s = layer.pool_size[0], layer.strides[0]
            size_formula = _size_formula(in_shape[1], k, s, layer.padding, out_shape[1])
            description = f"max of each {k}×{k} window, stride {s}"
        elif kind == "Dense":
            params_formula = f"({in_shape[-1]}+1)·{layer.units} = {params:,}"
            activation = getattr(layer.activation, "__name__", "")
            description = f"{layer.units} units, {'softmax' if activation == 'softmax' else 'ReLU'}"
        elif kind == "Resizing":
            description = f"resize {in_shape[1]}×{in_shape[2]} → {out_shape[1]}×{out_shape[2]} (bilinear)"
        elif kind == "Flatten":
            description = f"{_shape(in_shape)} → {out_shape[-1]:,} numbers"
        elif kind == "GlobalAveragePooling2D":
            description = f"mean of each {in_shape[1]}×{in_shape[2]} map"
        elif kind == "Dropout":
            description = f"drops {layer.rate:.0%} of units while training only"
        rows.append(LayerRow(layer.name, kind, _shape(out_shape), params, size_formula, params_formula, description))
    return rows
