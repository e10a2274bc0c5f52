"""Translation for the Draw tab's "inside the network" views (no Gradio here; tested without
a browser): a chosen cell of the last drawing -> its arithmetic in the reader's language,
its receptive field, the feature maps with the cell outlined and the kernel behind it; the
first convolution's kernels; the notes' hand-made filters on the drawing.

Everything reads the session's :class:`webui.analysis.Drawing` (the activations the model
computed on the drawing): choosing a cell never runs the model again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from cnndemo.explain import HAND_FILTERS, ExplainError, apply_filter, explain_cell, kernel_stack
from cnndemo.predictor import Predictor
from cnndemo.registry import model_info
from cnndemo.render import kernel_grid, receptive_field_picture, signed_map_grid
from webui import analysis
from webui.explain_html import explanation_html
from webui.i18n import t

TOP_TERMS = 8  # dense contributions listed one by one; the rest are summed
MAX_SLICES = 64  # kernel slices drawn for a deep convolution (VGG16's block5 has 256 per filter)
WEIGHTS_CACHED = 24  # layers whose float32 weights are kept (AlexNet's fc6 alone is 9 MB)

# (id of the LoadedModel, layer) -> (that LoadedModel, its weights): the entry is kept and
# compared, so a model replaced under the same key (a new training) never reads stale weights
# through a reused id.
_weights: OrderedDict[tuple[int, str], tuple[Any, dict[str, np.ndarray]]] = OrderedDict()
_weights_lock = threading.Lock()


def layer_weights(predictor: Predictor, key: str, layer: str) -> dict[str, np.ndarray]:
    """Layer ``layer``'s float32 weights of model ``key``, read once and kept (a few layers)."""
    entry = predictor.get(key)
    cache_key = (id(entry), layer)
    with _weights_lock:
        cached = _weights.get(cache_key)
        if cached is not None and cached[0] is entry:
            _weights.move_to_end(cache_key)
            return cached[1]
    weights = predictor.weights(entry.key, layer)
    with _weights_lock:
        _weights[cache_key] = (entry, weights)
        while len(_weights) > WEIGHTS_CACHED:
            _weights.popitem(last=False)
    return weights


def cell_of(drawing: analysis.Drawing | None, layer: str, channel: Any, row: Any, col: Any) -> tuple[int, ...]:
    """The cell named by the panel's numbers: (channel, row, col) for a layer of maps, (unit,)
    for a dense one (``channel`` is then the unit). Empty boxes count as 0."""
    numbers = []
    for value in (channel, row, col):
        try:
            numbers.append(int(value or 0))
        except (TypeError, ValueError):
            numbers.append(-1)  # refused as outside the map, with the map's size in the message
    activation = drawing.output.activations.get(layer) if drawing is not None else None
    return (numbers[0],) if activation is not None and activation.ndim == 1 else tuple(numbers)


def model_image(predictor: Predictor, drawing: analysis.Drawing) -> np.ndarray:
    """Float32 (S, S) in [0, 1]: the image the first convolution saw (28, 227 or 224 wide)."""
    resized = analysis.resized_input(predictor, drawing)
    image = resized if resized is not None else drawing.digit
    return np.clip(np.asarray(image, np.float32)[..., 0], 0.0, 1.0)


@dataclass
class CellView:
    """What the panel shows for one cell.

    Attributes:
        cell: (channel, row, col) or (unit,).
        explanation: the arithmetic as plain data (``CellExplanation.to_dict()``).
        html: the arithmetic worded in the reader's language.
        field: the model's input image with the receptive field outlined.
        feature_map, feature_caption: the layer's maps with the cell outlined.
        slices, slices_caption: the kernel behind the cell (convolutions), else None.
    """

    cell: tuple[int, ...]
    explanation: dict[str, Any]
    html: str
    field: Image.Image
    feature_map: Image.Image
    feature_caption: str
    slices: Image.Image | None
    slices_caption: str


def explanation_of(predictor: Predictor, drawing: analysis.Drawing | None, layer: str,
                   cell: tuple[int, ...]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The arithmetic of one cell as plain data (``CellExplanation.to_dict()``), and the layer's
    weights it used. Raises :class:`ExplainError` as :func:`explain_drawing` does."""
    if drawing is None:
        raise ExplainError("explain.no_drawing")
    entry = predictor.get(drawing.key)
    weights = layer_weights(predictor, drawing.key, layer) if layer in drawing.output.activations else {}
    explanation = explain_cell(entry.layers, layer, cell, drawing.output.activations, drawing.digit, weights,
                               TOP_TERMS, probabilities=drawing.probabilities,
                               model=model_info(entry.arch).display_name)
    return explanation.to_dict(), weights


def explain_drawing(predictor: Predictor, drawing: analysis.Drawing | None, layer: str, cell: tuple[int, ...],
                    lang: str) -> CellView:
    """How the model computed the value at ``cell`` of ``layer`` on the last drawing.

    Raises:
        ExplainError: no drawing yet, an unknown layer, a layer without values of its own, or a
            cell outside the layer's output (each with a message code for the UI).
    """
    explanation, weights = explanation_of(predictor, drawing, layer, cell)
    image = model_image(predictor, drawing)
    feature_map, caption, _ = analysis.show_layer(predictor, drawing, layer, lang, cell)
    slices, slices_caption = kernel_slices(explanation, weights, lang)
    return CellView(
        cell=tuple(cell), explanation=explanation, html=explanation_html(explanation, lang, image.shape[0]),
        field=receptive_field_picture(image, tuple(explanation["receptive_field"])),
        feature_map=feature_map, feature_caption=caption, slices=slices, slices_caption=slices_caption,
    )


def kernel_slices(explanation: dict[str, Any], weights: dict[str, np.ndarray],
                  lang: str) -> tuple[Image.Image | None, str]:
    """The kernel of a convolution's chosen channel, one K×K slice per input channel, the
    channels contributing most to the explained cell first."""
    if explanation["kind"] != "conv2d":
        return None, t("kernels.pick", lang)
    channel = int(explanation["cell"][0])
    stack = kernel_stack(weights, channel=channel)  # (C_in, K, K)
    order = [int(c["channel"]) for c in explanation["channels"]][:MAX_SLICES]
    caption = t("kernels.slices", lang, channel=channel, layer=explanation["layer"], k=stack.shape[-1],
                shown=len(order), n=stack.shape[0])
    return kernel_grid(stack[order], columns=min(16, len(order))), caption


def first_kernels(predictor: Predictor, key: str, lang: str) -> tuple[Image.Image, str]:
    """Every kernel of model ``key``'s first convolution, and its caption."""
    layer = model_info(predictor.get(key).arch).first_conv
    stack = kernel_stack(layer_weights(predictor, key, layer))  # (C_out, K, K)
    caption = t("kernels.first", lang, layer=layer, count=stack.shape[0], k=stack.shape[-1])
    return kernel_grid(stack, columns=min(16, stack.shape[0])), caption


def hand_filters(drawing: analysis.Drawing | None) -> tuple[Image.Image, Image.Image | None]:
    """The notes' vertical- and horizontal-edge kernels, and their feature maps on the
    drawing's 28×28 input (None without a drawing)."""
    kernels = np.stack([HAND_FILTERS[name] for name in ("vertical_edge", "horizontal_edge")])
    pictures = kernel_grid(kernels, columns=2)
    if drawing is None:
        return pictures, None
    image = np.asarray(drawing.digit, np.float32)[..., 0]
    maps = np.stack([apply_filter(image, kernel) for kernel in kernels])
    return pictures, signed_map_grid(maps, columns=2)
