"""The one registry of architectures: it feeds the UI's dropdown, the CLI and the tests.

Modelled on timm's ``_registry.py``: a private dict filled by the ``@register_model``
decorator, and two doors, :func:`create_model` and :func:`list_models`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import keras

from cnndemo.messages import CnnDemoError


class UnknownModelError(CnnDemoError, ValueError):
    """``model.unknown``: a name that is no registered model."""


@dataclass(frozen=True)
class ModelInfo:
    """What the course notes say about one architecture.

    Attributes:
        name: registry key, lower case (``"alexnet"``).
        display_name: what the UI shows (``"AlexNet"``).
        input_size: side in pixels of the image the first conv sees (28, 227 or 224).
        expected_params: total parameter count stated in MODELS.md.
        course_accuracy: MNIST test accuracy reported by the course notes.
        builder: function returning an uncompiled ``keras.Model``.
        inference_precision: what ``precision="auto"`` means for one drawing: "auto" (bf16
            where the hardware has it) or "float32" for models too small to gain from it.
        first_conv: name of the first convolution (its kernels see the image itself).
        last_conv: name of the last convolution (the most abstract feature maps).
        classifier: name of the output layer (softmax over the 10 digits).
        resize: name of the layer that enlarges the 28x28 input, or "" if none.
    """

    name: str
    display_name: str
    input_size: int
    expected_params: int
    course_accuracy: float
    builder: Callable[..., keras.Model]
    inference_precision: str = "auto"
    first_conv: str = "conv1"
    last_conv: str = ""
    classifier: str = "predictions"
    resize: str = ""


_MODELS: dict[str, ModelInfo] = {}


def register_model(
    *,
    display_name: str,
    input_size: int,
    expected_params: int,
    course_accuracy: float,
    inference_precision: str = "auto",
    first_conv: str = "conv1",
    last_conv: str = "",
    classifier: str = "predictions",
    resize: str = "",
) -> Callable[[Callable[..., keras.Model]], Callable[..., keras.Model]]:
    """Decorator that adds a builder to the registry under its function name."""

    def decorator(builder: Callable[..., keras.Model]) -> Callable[..., keras.Model]:
        name = builder.__name__.lower()
        if name in _MODELS:
            raise ValueError(f"Model {name!r} is registered twice.")
        _MODELS[name] = ModelInfo(
            name=name,
            display_name=display_name,
            input_size=input_size,
            expected_params=expected_params,
            course_accuracy=course_accuracy,
            builder=builder,
            inference_precision=inference_precision,
            first_conv=first_conv,
            last_conv=last_conv,
            classifier=classifier,
            resize=resize,
        )
        return builder

    return decorator


def list_models() -> list[str]:
    """Registry keys in the course's order: ``["simplecnn", "alexnet", "vgg16"]``."""
    _ensure_loaded()
    return list(_MODELS)


def resolve_name(name: str) -> str:
    """Map a key or display name (any case: ``"VGG16"``, ``"vgg16"``) to its registry key.

    Raises:
        UnknownModelError: ``model.unknown`` with the received value and the available models.
    """
    _ensure_loaded()
    if isinstance(name, str):
        key = name.strip().lower()
        if key in _MODELS:
            return key
        for info in _MODELS.values():
            if info.display_name.lower() == key:
                return info.name
    raise UnknownModelError("model.unknown", received=name, available=[info.display_name for info in _MODELS.values()])


def model_info(name: str) -> ModelInfo:
    """The :class:`ModelInfo` of a model, by key or display name."""
    return _MODELS[resolve_name(name)]


def create_model(name: str, **kwargs) -> keras.Model:
    """Build an uncompiled model with fresh weights, under the current dtype policy."""
    return model_info(name).builder(**kwargs)


def _ensure_loaded() -> None:
    # The builders register themselves when cnndemo.models is imported.
    from cnndemo import models  # noqa: F401
