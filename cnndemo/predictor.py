"""Loaded models, one compiled forward pass per drawing, and what each model is made of.

Each model gets, once, a feature extractor (``keras.Model`` from the input to the output
of every layer that computes something) wrapped in a ``tf.function`` with a fixed input
signature; :meth:`Predictor.run` calls it once and returns the probabilities and every
layer's activations. A second compiled function returns probabilities only, for any
batch size (:meth:`Predictor.probabilities`). No ``model.predict`` per request (40-80x
slower for one image).

The predictor also describes its models without handing out Keras objects: the layers in
order with their kind, the layer feeding each one, shapes, parameter counts and settings
(:class:`LayerInfo`), and each layer's weights as numpy arrays (:meth:`Predictor.weights`).

Model keys: a shipped model's key is its registry name (``"alexnet"``); other weights of
the same architecture are ``"<name>:<source>"`` (``"alexnet:saved"``, ``"alexnet:trained"``).
:func:`model_key` and :func:`parse_model_key` are the only code that builds or reads them.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnndemo.batching import MicroBatcher
from cnndemo.checkpoint import SHIPPED_WEIGHTS_DIR, WeightsError, load_weights
from cnndemo.layers import SKIPPED_LAYER_TYPES, LayerInfo, describe_layers
from cnndemo.precision import choose_precision, configure_devices
from cnndemo.registry import UnknownModelError, create_model, list_models, model_info, resolve_name

SOURCES = ("shipped", "saved", "trained")  # shipped weights, saved from the Train tab, trained since start


def model_key(arch: str, source: str = "shipped") -> str:
    """The predictor key of ``arch``'s weights from ``source`` (one of :data:`SOURCES`)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}. Received: {source!r}")
    name = resolve_name(arch)
    return name if source == "shipped" else f"{name}:{source}"


def parse_model_key(key: str) -> tuple[str, str]:
    """``"alexnet:saved"`` -> ``("alexnet", "saved")``; ``"vgg16"`` -> ``("vgg16", "shipped")``."""
    arch, _, source = key.partition(":")
    return resolve_name(arch), source or "shipped"


@dataclass
class ModelOutput:
    """One forward pass.

    Attributes:
        probabilities: float32 (10,), sums to 1.
        activations: layer name -> array in the model's compute dtype (float32, or
            bfloat16 under a mixed policy: cast with ``np.asarray(a, np.float32)`` where
            needed), (H, W, C) for image-like layers and (C,) for dense ones, batch axis
            removed; in layer order. Left uncast so the pass stays cheap: only what is on
            screen is ever converted.
        seconds: wall time of the forward pass.
    """

    probabilities: np.ndarray
    activations: dict[str, np.ndarray]
    seconds: float

    def top_k(self, k: int = 3) -> dict[str, float]:
        """``{"7": 0.94, "1": 0.03, ...}``: the k likeliest digits, the format of ``gr.Label``."""
        return top_k(self.probabilities, k)


def top_k(probabilities: np.ndarray, k: int = 3) -> dict[str, float]:
    """The k likeliest digits of float (10,) probabilities, likeliest first."""
    order = np.argsort(probabilities)[::-1][:k]
    return {str(int(i)): float(probabilities[i]) for i in order}


@dataclass
class LoadedModel:
    """A model ready to run.

    Attributes:
        key: the predictor's key (see the module docstring).
        arch: registry name of the architecture.
        source: "shipped", "saved" or "trained".
        card: the weights' card (empty dict for untrained weights).
        layers: :class:`LayerInfo` of every layer, in order.
        layer_names: names of the layers whose activations ``run`` returns.
        precision: the dtype policy it computes in.
    """

    key: str
    arch: str
    source: str
    card: dict[str, Any]
    layers: list[LayerInfo]
    layer_names: list[str]
    precision: str = "float32"
    model: Any = field(repr=False, default=None)
    forward: Any = field(repr=False, default=None)  # (1, 28, 28, 1) -> activations
    forward_batch: Any = field(repr=False, default=None)  # (n, 28, 28, 1) -> activations
    probabilities: Any = field(repr=False, default=None)
    batcher: Any = field(repr=False, default=None)  # MicroBatcher of concurrent run() calls

    @property
    def params(self) -> int:
        """Parameters of the whole model."""
        return sum(layer.params for layer in self.layers)

    @property
    def trained(self) -> bool:
        """False when the weights are random (no card)."""
        return bool(self.card)


def build_forward(model: Any) -> tuple[Any, Any, list[str]]:
    """Two ``tf.function`` s mapping float32 images (1 or n, 28, 28, 1) -> every computing
    layer's output (the last one being the float32 probabilities), in the layers' compute
    dtype: one traced for a single image (10-15 % faster for it), one for any batch size."""
    import keras
    import tensorflow as tf

    layers = [layer for layer in model.layers if type(layer).__name__ not in SKIPPED_LAYER_TYPES]
    extractor = keras.Model(model.inputs, [layer.output for layer in layers], name=f"{model.name}_features")

    def compiled(batch: int | None):
        # A partial, not a nested function: TensorFlow counts traces per Python code object, and
        # one nested ``forward`` per model and batch size (each traced once) would read to it as
        # a function retraced "excessively" and print a warning at every start.
        spec = tf.TensorSpec((batch, *model.input_shape[1:]), tf.float32)
        return tf.function(functools.partial(extractor, training=False), input_signature=[spec])

    return compiled(1), compiled(None), [layer.name for layer in layers]


def build_probabilities(model: Any) -> Any:
    """A ``tf.function`` mapping float32 (n, 28, 28, 1), any n, -> float32 (n, 10) probabilities."""
    import tensorflow as tf

    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)

    @tf.function(input_signature=[spec], reduce_retracing=True)
    def probabilities(images):
        return tf.cast(model(images, training=False), tf.float32)

    return probabilities


MAX_BATCH = 16


def _run_batch(entry: LoadedModel, images: list[np.ndarray]) -> list[ModelOutput]:
    """One forward pass for several images; each caller gets its own slice of the activations."""
    started = time.perf_counter()
    forward = entry.forward if len(images) == 1 else entry.forward_batch
    outputs = [output.numpy() for output in forward(np.stack(images))]
    seconds = time.perf_counter() - started
    # With several images, each caller's slices are copied: a view would keep the whole
    # batch's arrays alive for as long as any one caller keeps its own (a session's drawing).
    own = (lambda a: a) if len(images) == 1 else np.copy
    return [
        ModelOutput(probabilities=np.array(outputs[-1][i], np.float32),
                    activations={name: own(output[i]) for name, output in zip(entry.layer_names, outputs)},
                    seconds=seconds)
        for i in range(len(images))
    ]


class Predictor:
    """Models loaded once (and warmed up); thread-safe to call from request handlers."""

    def __init__(self, precision: str = "auto"):
        self.device = configure_devices()
        self.requested_precision = precision
        self.precision = choose_precision(precision)
        self._models: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()
        self.problems: dict[str, WeightsError] = {}  # model key -> why its trained weights did not load

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
                weights are missing, instead of raising; :attr:`problems` says why.

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
                predictor.problems[name] = error
                card = {}
            predictor.add(model_key(name), model, card)
        return predictor

    def precision_for(self, name: str) -> str:
        """The dtype policy for registry model ``name``: the requested one, except that
        "auto" follows the model's ``inference_precision`` (float32 for SimpleCNN)."""
        preferred = model_info(name).inference_precision
        return preferred if self.requested_precision == "auto" and preferred != "auto" else self.precision

    def add_saved(self, directory: str | Path) -> list[str]:
        """Load every model saved from the Train tab in ``directory`` under its "saved" key.

        Broken or foreign files are skipped (returned keys say what loaded); shipped
        entries are never replaced.
        """
        loaded = []
        for name in list_models():
            if not (Path(directory) / f"{name}.json").is_file():
                continue
            model = create_model(name, dtype=self.precision_for(name))
            try:
                card = load_weights(model, directory, name)
            except WeightsError:
                continue
            key = model_key(name, "saved")
            self.add(key, model, card)
            loaded.append(key)
        return loaded

    def add(self, key: str, model: Any, card: dict[str, Any]) -> LoadedModel:
        """Register (or replace) a model under ``key``, compile and warm its passes."""
        forward, forward_batch, layer_names = build_forward(model)
        shape = model.input_shape[1:]
        forward(np.zeros((1, *shape), np.float32))  # trace + warm up
        forward_batch(np.zeros((2, *shape), np.float32))
        probabilities = build_probabilities(model)
        probabilities(np.zeros((1, *shape), np.float32))
        arch, source = parse_model_key(key)
        entry = LoadedModel(
            key=key, arch=arch, source=source, card=card, layers=describe_layers(model), layer_names=layer_names,
            # The functional Model itself keeps the global policy; its layers hold the real one.
            precision=model.layers[1].dtype_policy.name, model=model, forward=forward, forward_batch=forward_batch,
            probabilities=probabilities,
        )
        entry.batcher = MicroBatcher(lambda images: _run_batch(entry, images), max_batch=MAX_BATCH)
        with self._lock:
            self._models = {**self._models, key: entry}
        return entry

    def keys(self) -> list[str]:
        """Keys of the loaded models, shipped ones first in registry order."""
        return list(self._models)

    def get(self, key: str) -> LoadedModel:
        """The loaded model under ``key`` (a key, or a registry/display name of a shipped one).

        Raises:
            UnknownModelError: ``model.unknown`` with the received key and the available ones.
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
        raise UnknownModelError("model.unknown", received=key, available=[
            model_info(entry.arch).display_name if entry.source == "shipped" else entry.key for entry in models.values()])

    def layers(self, key: str) -> list[LayerInfo]:
        """:class:`LayerInfo` of every layer of model ``key``, the input first."""
        return self.get(key).layers

    def layer(self, key: str, name: str) -> LayerInfo:
        """One layer of model ``key``.

        Raises:
            UnknownModelError: ``model.layer_unknown``.
        """
        entry = self.get(key)
        for layer in entry.layers:
            if layer.name == name:
                return layer
        raise UnknownModelError("model.layer_unknown", model=entry.arch, received=name,
                                available=[layer.name for layer in entry.layers])

    def weights(self, key: str, name: str) -> dict[str, np.ndarray]:
        """Layer ``name``'s weights as float32 arrays: ``{"kernel": ..., "bias": ...}`` for
        Conv2D (kernel (K, K, C_in, C_out)) and Dense (kernel (inputs, units)); ``{}`` for
        layers without weights."""
        self.layer(key, name)  # raises for an unknown layer
        layer = self.get(key).model.get_layer(name)
        return {variable.path.rsplit("/", 1)[-1]: np.asarray(variable.numpy(), np.float32)
                for variable in layer.weights}

    def run(self, key: str, image: np.ndarray) -> ModelOutput:
        """Classify one float32 (28, 28, 1) image in [0, 1]; see :class:`ModelOutput`.

        Thread-safe; calls for the same model that arrive while it computes are run
        together in its next pass (:mod:`cnndemo.batching`).
        """
        entry = self.get(key)
        return entry.batcher.submit(np.asarray(image, np.float32).reshape(entry.layers[0].output_shape))

    def probabilities(self, key: str, images: np.ndarray) -> np.ndarray:
        """Float32 (n, 10) probabilities of float32 (n, 28, 28, 1) images in [0, 1]: one
        compiled call, no activations (the cheapest pass, for batches of drawings)."""
        entry = self.get(key)
        batch = np.asarray(images, np.float32).reshape(-1, *entry.layers[0].output_shape)
        return entry.probabilities(batch).numpy()
