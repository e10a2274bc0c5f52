"""What a model is made of, as plain data: :class:`LayerInfo` for every layer (kind, the
layer feeding it, shapes, parameters, settings), read once from a built Keras model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SKIPPED_LAYER_TYPES = ("InputLayer", "Dropout", "Flatten")  # identity or reshape only: no activations shown


@dataclass(frozen=True)
class LayerInfo:
    """One layer of a model, as the course describes it.

    Attributes:
        name: layer name (``"conv1"``, ``"block3_conv2"``).
        kind: Keras class name (``"Conv2D"``, ``"MaxPooling2D"``, ``"Dense"``, ...).
        input_layer: name of the layer whose output it reads ("" for the input layer).
        input_shape, output_shape: shapes without the batch axis, e.g. (27, 27, 48).
        params: number of weights and biases.
        settings: what the arithmetic needs: ``kernel_size``, ``strides``, ``padding``,
            ``filters`` (Conv2D); ``pool_size``, ``strides``, ``padding`` (pooling);
            ``units`` (Dense); ``activation`` ("relu", "softmax", "linear"); ``rate``
            (Dropout); ``height``/``width``/``interpolation`` (Resizing).
        has_activations: :meth:`Predictor.run` returns its output (False for the input,
            Flatten and Dropout, which only pass values on).
    """

    name: str
    kind: str
    input_layer: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    settings: dict[str, Any]
    has_activations: bool


def _settings(layer: Any) -> dict[str, Any]:
    config = layer.get_config()
    keys = ("kernel_size", "strides", "padding", "filters", "pool_size", "units", "rate", "height", "width",
            "interpolation")
    settings = {key: (tuple(config[key]) if isinstance(config[key], list) else config[key])
                for key in keys if key in config}
    if "activation" in config:
        activation = config["activation"]
        settings["activation"] = activation if isinstance(activation, str) else getattr(activation, "__name__", "")
    return settings


def describe_layers(model: Any) -> list[LayerInfo]:
    """Every layer of a built functional ``keras.Model``, the input layer first."""
    layers = []
    for layer in model.layers:
        kind = type(layer).__name__
        inbound = getattr(layer, "_inbound_nodes", [])
        feeding = ""
        if kind != "InputLayer" and inbound:
            parents = inbound[0].parent_nodes
            feeding = parents[0].operation.name if parents else ""
        out_shape = tuple(int(d) for d in layer.output.shape[1:])
        in_shape = out_shape if kind == "InputLayer" else tuple(int(d) for d in layer.input.shape[1:])
        layers.append(LayerInfo(
            name=layer.name, kind=kind, input_layer=feeding, input_shape=in_shape, output_shape=out_shape,
            params=int(layer.count_params()), settings=_settings(layer),
            has_activations=kind not in SKIPPED_LAYER_TYPES,
        ))
    return layers
