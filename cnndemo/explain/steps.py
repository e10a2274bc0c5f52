"""One cell of one layer, recomputed from the layer's weights and the values it read.

Each ``*_step`` function takes the layer, its input values (float64, already rounded to the
layer's compute dtype), its weights (float64, rounded likewise) and the cell, and returns
``(recomputed, pre_activation, bias, terms_sum, window, details)``; :func:`explain_cell`
(in :mod:`cnndemo.explain.cell`) adds what is common to every kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnndemo.explain.geometry import layer_window, window
from cnndemo.explain.resize import bilinear_sources, bilinear_value
from cnndemo.layers import LayerInfo

SHOWN_CHANNELS = 3  # input channels of a conv cell given as patch/kernel/products grids
EXP_LIMIT = 700.0  # exp(x) overflows float64 a little above 709: shift logits past this

Step = tuple[float, float, float, float, "list[int] | None", dict[str, Any]]


def activate(name: str, pre: float) -> float:
    """The layer's activation on one number: "relu" -> max(0, pre), "linear" -> pre."""
    return max(0.0, pre) if name == "relu" else pre


def conv2d_step(layer: LayerInfo, x: np.ndarray, weights: dict[str, np.ndarray], cell: tuple[int, ...],
                activation: str) -> Step:
    """Conv2D cell (channel, row, col): the K x K x C_in patch (zeros where 'same' padding
    reaches outside the map) times the filter's kernel, summed, plus the bias.

    Details: ``n_channels`` (C_in); ``channels``: [{"channel", "partial_sum"}] for every
    input channel, largest |partial_sum| first; ``shown_channels``: the first min(3, C_in)
    of that order; ``patch``, ``kernel``, ``products``: (K, K, len(shown_channels)) lists;
    ``rest_sum``: terms_sum minus the shown channels' partial sums; ``kernel_size``,
    ``strides``, ``padding``.
    """
    channel, row, col = cell
    (k_r, k_c), (s_r, s_c), (p_r, p_c) = layer_window(layer)
    rows, cols, channels_in = x.shape
    top, left = row * s_r - p_r, col * s_c - p_c
    patch = np.zeros((k_r, k_c, channels_in), np.float64)
    r0, r1 = max(top, 0), min(top + k_r, rows)
    c0, c1 = max(left, 0), min(left + k_c, cols)
    patch[r0 - top:r1 - top, c0 - left:c1 - left] = x[r0:r1, c0:c1]
    kernel = weights["kernel"][:, :, :, channel]
    products = patch * kernel
    partial = products.sum(axis=(0, 1))
    terms_sum = float(partial.sum())
    bias = float(weights["bias"][channel]) if "bias" in weights else 0.0
    pre = terms_sum + bias
    order = np.argsort(-np.abs(partial), kind="stable")
    shown = order[:min(SHOWN_CHANNELS, channels_in)]
    details = {
        "n_channels": channels_in,
        "channels": [{"channel": int(c), "partial_sum": float(partial[c])} for c in order],
        "shown_channels": shown,
        "patch": patch[:, :, shown], "kernel": kernel[:, :, shown], "products": products[:, :, shown],
        "rest_sum": terms_sum - float(partial[shown].sum()),
        "kernel_size": [k_r, k_c], "strides": [s_r, s_c], "padding": layer.settings.get("padding", "valid"),
    }
    return activate(activation, pre), pre, bias, terms_sum, list(window(layer, row, col, row, col)), details


def maxpool_step(layer: LayerInfo, x: np.ndarray, cell: tuple[int, ...]) -> Step:
    """MaxPooling2D cell (channel, row, col): the largest value of its window.

    Details: ``window_values`` (k, k) list (smaller where a 'same' window leaves the map),
    ``argmax`` [i, j] within it (the first largest, row by row), ``pool_size``, ``strides``.
    """
    channel, row, col = cell
    (k_r, k_c), (s_r, s_c), _ = layer_window(layer)
    top, left, bottom, right = window(layer, row, col, row, col)
    values = x[top:bottom + 1, left:right + 1, channel]
    i, j = np.unravel_index(int(np.argmax(values)), values.shape)
    best = float(values[i, j])
    details = {"window_values": values, "argmax": [int(i), int(j)], "pool_size": [k_r, k_c], "strides": [s_r, s_c]}
    return best, best, 0.0, best, [top, left, bottom, right], details


def _inputs(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1)  # C order, as keras.layers.Flatten does on (H, W, C)


def dense_terms(x: np.ndarray, weights: dict[str, np.ndarray], unit: int, top: int,
                map_shape: tuple[int, ...] | None) -> tuple[float, dict[str, Any]]:
    """terms_sum of one Dense unit and its details: ``n_terms``, ``contributions`` (the
    ``top`` largest |weight x input|: {"index", "position", "input", "weight", "product"},
    position [row, col, channel] in the map the Flatten read, else None), ``rest_count``,
    ``rest_sum``."""
    inputs = _inputs(x)
    column = weights["kernel"][:, unit]
    products = inputs * column
    terms_sum = float(products.sum())
    order = np.argsort(-np.abs(products), kind="stable")[:max(int(top), 0)]
    contributions = [{
        "index": int(i),
        "position": [int(p) for p in np.unravel_index(int(i), map_shape)] if map_shape else None,
        "input": float(inputs[i]), "weight": float(column[i]), "product": float(products[i]),
    } for i in order]
    details = {"n_terms": int(inputs.size), "contributions": contributions, "rest_count": int(inputs.size - len(order)),
               "rest_sum": terms_sum - float(products[order].sum())}
    return terms_sum, details


def dense_step(x: np.ndarray, weights: dict[str, np.ndarray], cell: tuple[int, ...], activation: str, top: int,
               map_shape: tuple[int, ...] | None) -> Step:
    """Dense unit: sum over its inputs of weight x input, plus the bias (details: :func:`dense_terms`)."""
    unit = cell[0]
    terms_sum, details = dense_terms(x, weights, unit, top, map_shape)
    bias = float(weights["bias"][unit]) if "bias" in weights else 0.0
    pre = terms_sum + bias
    return activate(activation, pre), pre, bias, terms_sum, None, details


def softmax_step(x: np.ndarray, weights: dict[str, np.ndarray], cell: tuple[int, ...], top: int,
                 map_shape: tuple[int, ...] | None) -> Step:
    """The output Dense with softmax, for digit ``cell[0]``.

    Details: the dense ones for that digit, and ``logits`` (every unit's terms_sum + bias),
    ``exps`` = exp(logit) (exp(logit - max) when the largest logit exceeds 700; then
    ``exp_shift`` = that max, else 0), ``exp_sum``, ``probabilities`` = exps / exp_sum.
    """
    unit = cell[0]
    terms_sum, details = dense_terms(x, weights, unit, top, map_shape)
    kernel = weights["kernel"]
    biases = weights["bias"] if "bias" in weights else np.zeros(kernel.shape[1])
    logits = (_inputs(x)[:, None] * kernel).sum(axis=0) + biases
    logits[unit] = terms_sum + float(biases[unit])
    shift = float(logits.max()) if logits.max() > EXP_LIMIT else 0.0
    exps = np.exp(logits - shift)
    probabilities = exps / exps.sum()
    details.update(logits=logits, exps=exps, exp_shift=shift, exp_sum=float(exps.sum()), probabilities=probabilities)
    return float(probabilities[unit]), float(logits[unit]), float(biases[unit]), terms_sum, None, details


def global_average_step(x: np.ndarray, cell: tuple[int, ...]) -> Step:
    """GlobalAveragePooling2D unit c: the mean of channel c of the map before.
    Details: ``map_sum``, ``count`` (H*W), ``map_shape`` [H, W]."""
    values = x[:, :, cell[0]]
    total = float(values.sum())
    mean = total / values.size
    return mean, mean, 0.0, mean, None, {"map_sum": total, "count": int(values.size), "map_shape": list(values.shape)}


def resize_step(layer: LayerInfo, x: np.ndarray, cell: tuple[int, ...]) -> Step:
    """Resizing (bilinear) pixel (channel, row, col) from the 28x28 input.

    Details: ``sources``: [{"row", "col", "value", "weight"}] (1 to 4 input pixels, weights
    summing to 1), ``source_point`` [y, x] in input coordinates, ``interpolation``.
    """
    channel, row, col = cell
    out_shape = layer.output_shape[:2]
    point, sources = bilinear_sources(row, col, x.shape[:2], out_shape)
    value = bilinear_value(x, row, col, out_shape, channel)
    listed = [{"row": r, "col": c, "value": float(x[r, c, channel]), "weight": w} for r, c, w in sources]
    box = [min(s["row"] for s in listed), min(s["col"] for s in listed),
           max(s["row"] for s in listed), max(s["col"] for s in listed)]
    details = {"sources": listed, "source_point": list(point), "interpolation": layer.settings.get("interpolation")}
    return value, value, 0.0, value, box, details
