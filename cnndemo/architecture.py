"""The architecture table the course teaches: layer, type, output shape, parameters, and the
arithmetic behind them (output size ``floor((W - K + 2P) / S) + 1``; conv parameters
``(K*K*C_in + 1) * C_out``)."""

from __future__ import annotations

from dataclasses import dataclass

from cnndemo.messages import Message
from cnndemo.layers import LayerInfo


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
        note: what the layer does, as a message code (``"arch.conv"``) and its numbers
            (filters, kernel, stride, ...); the UI words it.
    """

    name: str
    kind: str
    output_shape: str
    params: int
    size_formula: str
    params_formula: str
    note: Message


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape)


def size_formula(width: int, kernel: int, stride: int, padding: str, out: int) -> str:
    """The course's output-size arithmetic with the numbers filled in."""
    if padding == "same":
        pad = (kernel - 1) // 2
        if stride == 1:
            return f"⌊({width}−{kernel}+2·{pad})/{stride}⌋+1 = {out}  (same)"
        return f"⌈{width}/{stride}⌉ = {out}  (same)"
    if stride == 1:
        return f"{width}−{kernel}+1 = {out}"
    return f"⌊({width}−{kernel})/{stride}⌋+1 = {out}"


def layer_table(layers: list[LayerInfo]) -> list[LayerRow]:
    """Rows for every layer (as :meth:`cnndemo.predictor.Predictor.layers` describes them)."""
    rows = []
    for layer in layers:
        kind, settings, params = layer.kind, layer.settings, layer.params
        in_shape, out_shape = layer.input_shape, layer.output_shape
        size = params_text = ""
        note = Message("arch." + kind.lower(), {})
        if kind == "InputLayer":
            note = Message("arch.input", {"side": out_shape[0], "channels": out_shape[-1]})
        elif kind == "Conv2D":
            k, s = settings["kernel_size"][0], settings["strides"][0]
            size = size_formula(in_shape[0], k, s, settings["padding"], out_shape[0])
            params_text = f"({k}·{k}·{in_shape[-1]}+1)·{settings['filters']} = {params:,}"
            note = Message("arch.conv", {"filters": settings["filters"], "kernel": k, "stride": s,
                                         "padding": settings["padding"]})
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            k, s = settings["pool_size"][0], settings["strides"][0]
            size = size_formula(in_shape[0], k, s, settings["padding"], out_shape[0])
            note = Message("arch.maxpool", {"kernel": k, "stride": s})
        elif kind == "Dense":
            params_text = f"({in_shape[-1]}+1)·{settings['units']} = {params:,}"
            code = "arch.dense_softmax" if settings.get("activation") == "softmax" else "arch.dense"
            note = Message(code, {"units": settings["units"]})
        elif kind == "Resizing":
            note = Message("arch.resize", {"from": in_shape[0], "to": out_shape[0]})
        elif kind == "Flatten":
            note = Message("arch.flatten", {"shape": _shape(in_shape), "numbers": out_shape[-1]})
        elif kind == "GlobalAveragePooling2D":
            note = Message("arch.gap", {"side": in_shape[0]})
        elif kind == "Dropout":
            note = Message("arch.dropout", {"percent": round(100 * settings.get("rate", 0))})
        rows.append(LayerRow(layer.name, kind, _shape(out_shape), params, size, params_text, note))
    return rows
