"""Loaded models and one compiled forward pass per drawing.

Each model gets, once, a feature extractor (``keras.Model`` from the input to the output
of every layer that computes something) wrapped in a ``tf.function`` with a fixed input
signature; :meth:`Predictor.run` calls it once and returns the probabilities and every
layer's activations. No ``model.predict`` per request (40-80x slower for one image).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnndemo.checkpoint import SHIPPED_WEIGHTS_DIR, WeightsError, load_weights
from cnndemo.precision import choose_precision, configure_devices
from cnndemo.registry import create_model, list_models, model_info, resolve_name

SKIPPED_LAYER_TYPES = ("InputLayer", "Dropout", "Flatten")  # identity or reshape only


@dataclass
class ModelOutput:
    """One forward pass.

    Attributes:
        probabilities: float32 (10,), sums to 1.
        activations: layer name -> array in the model's compute dtype (float32, or
            bfloat16 under a mixed policy: cast with ``np.asarray(a, np.float32)`` where
            needed), (H, W, C) for image-like layers and (C,) for dense ones, batch axis
            removed; in layer order. Left uncast so the pass stays cheap: only the layer
            on screen is ever converted.
        seconds: wall time of the forward pass.
    """

    probabilities: np.ndarray
    activations: dict[str, np.ndarray]
    seconds: float

    def top_k(self, k: int = 3) -> dict[str, float]:
        """``{"7": 0.94, "1": 0.03, ...}``: the k likeliest digits, the format of ``gr.Label``."""
        order = np.argsort(self.probabilities)[::-1][:k]
        return {str(int(i)): float(self.probabilities[i]) for i in order}


@dataclass
class LoadedModel:
    """A model ready to run.

    Attributes:
        key: the predictor's key: the registry name for shipped weights
            (``"alexnet"``), or a caller's key for others (``"alexnet:yours"``).
        arch: registry name of the architecture.
        label: what the dropdown shows.
        card: the weights' card (empty dict for untrained weights).
        model: the ``keras.Model``.
        layer_names: names of the layers whose activations ``run`` returns.
        precision: the dtype policy it computes in.
    """

    key: str
    arch: str
    label: str
    card: dict[str, Any]
    model: Any
    layer_names: list[str]
    forward: Any = field(repr=False, default=None)
    precision: str = "float32"


def build_forward(model: Any) -> tuple[Any, list[str]]:
    """A ``tf.function`` mapping float32 (1, 28, 28, 1) -> every computing layer's output
    (the last one being the float32 probabilities), in the layers' compute dtype."""
    import keras
    import tensorflow as tf

    layers = [layer for layer in model.layers if type(layer).__name__ not in SKIPPED_LAYER_TYPES]
    extractor = keras.Model(model.inputs, [layer.output for layer in layers], name=f"{model.name}_features")
    spec = tf.TensorSpec((1, *model.input_shape[1:]), tf.float32)

    @tf.function(input_signature=[spec])
    def forward(images):
        return extractor(images, training=False)

    return forward, [layer.name for layer in layers]


class Predictor:
    """Models loaded once (and warmed up); thread-safe to call from request handlers."""

    def __init__(self, precision: str = "auto"):
        self.device = configure_devices()
        self.requested_precision = precision
        self.precision = choose_precision(precision)
        self._models: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()
        self.problems: dict[str, str] = {}  # model key -> why its trained weights did not load

    @classmethod
    def load(
        cls,
        weights_dir: str | Path = SHIPPED_WEIGHTS_DIR,
        models: list[str] | None = None,
        precision: str = "auto",
        allow_untrained: bool = False,
    ) -> "Predictor":
        """Load the shipped weights of ``models`` (default: all registered).

        Args:
            allow_untrained: keep a model with random weights (card ``{}``) when its
                weights are missing, instead of raising; the caller should say so.

        Raises:
            WeightsError: weights missing or broken and ``allow_untrained`` is False.
        """
        predictor = cls(precision)
        for name in models or list_models():
            model = create_model(name, dtype=predictor.precision_for(name))
            try:
                card = load_weights(model, weights_dir, name)
            except WeightsError as error:
                if not allow_untrained:
                    raise
                predictor.problems[name] = str(error)
                card = {}
            predictor.add(name, model, card, label=model_info(name).display_name)
        return predictor

    def precision_for(self, name: str) -> str:
        """The dtype policy for registry model ``name``: the requested one, except that
        "auto" follows the model's ``inference_precision`` (float32 for SimpleCNN)."""
        preferred = model_info(name).inference_precision
        return preferred if self.requested_precision == "auto" and preferred != "auto" else self.precision

    def add_saved(self, directory: str | Path) -> list[str]:
        """Load every model saved from the Train tab in ``directory`` as ``"<name>:saved"``.

        Broken or foreign files are skipped (returned keys say what loaded); shipped
        entries are never replaced.
        """
        loaded = []
        for name in list_models():
            card_file = Path(directory) / f"{name}.json"
            if not card_file.is_file():
                continue
            model = create_model(name, dtype=self.precision_for(name))
            try:
                card = load_weights(model, directory, name)
            except WeightsError:
                continue
            accuracy = card.get("test_accuracy")
            when = str(card.get("trained_at", ""))[:16].replace("T", " ")
            label = f"{model_info(name).display_name} · your saved model ({when}, {accuracy:.1%}) · 내 모델"
            self.add(f"{name}:saved", model, card, label=label)
            loaded.append(f"{name}:saved")
        return loaded

    def add(self, key: str, model: Any, card: dict[str, Any], label: str) -> LoadedModel:
        """Register (or replace) a model under ``key``, compile and warm its forward pass."""
        forward, layer_names = build_forward(model)
        forward(np.zeros((1, *model.input_shape[1:]), np.float32))  # trace + warm up
        entry = LoadedModel(
            key=key, arch=resolve_name(card.get("model", model.name)), label=label, card=card,
            model=model, layer_names=layer_names, forward=forward,
            # The functional Model itself keeps the global policy; its layers hold the real one.
            precision=model.layers[1].dtype_policy.name,
        )
        with self._lock:
            self._models = {**self._models, key: entry}
        return entry

    def keys(self) -> list[str]:
        """Keys of the loaded models, shipped ones first in registry order."""
        return list(self._models)

    def get(self, key: str) -> LoadedModel:
        """The loaded model under ``key`` (a key, or a registry/display name of a shipped one).

        Raises:
            ValueError: naming the received key and the available ones.
        """
        models = self._models
        if key in models:
            return models[key]
        try:
            name = resolve_name(key)
        except ValueError:
            name = None
        if name in models:
            return models[name]
        raise ValueError(f"Unknown model. Received: model={key!r}. Available: {[m.label for m in models.values()]}")

    def run(self, key: str, image: np.ndarray) -> ModelOutput:
        """Classify one float32 (28, 28, 1) image in [0, 1]; see :class:`ModelOutput`."""
        entry = self.get(key)
        batch = np.asarray(image, np.float32).reshape(1, *entry.model.input_shape[1:])
        started = time.perf_counter()
        outputs = [output.numpy()[0] for output in entry.forward(batch)]
        seconds = time.perf_counter() - started
        return ModelOutput(
            probabilities=np.asarray(outputs[-1], np.float32),
            activations=dict(zip(entry.layer_names, outputs)),
            seconds=seconds,
        )
