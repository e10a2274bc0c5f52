"""cnndemo: three CNNs of the course notes on MNIST, their data, training and inference.

A pure package: it never imports gradio, and importing it loads no model, no data and
no TensorFlow. Public names:

- registry: :func:`list_models`, :func:`create_model`, :func:`model_info`
- data: :func:`load_mnist`
- preprocessing: :func:`preprocess`, :class:`EmptyDrawingError`
- inference: :class:`Predictor`
- training: :class:`TrainConfig`, :func:`train`
"""

from __future__ import annotations

__all__ = [
    "list_models", "create_model", "model_info", "load_mnist", "preprocess",
    "EmptyDrawingError", "Predictor", "TrainConfig", "train",
]

_LOCATIONS = {
    "list_models": "cnndemo.registry", "create_model": "cnndemo.registry", "model_info": "cnndemo.registry",
    "load_mnist": "cnndemo.data", "preprocess": "cnndemo.preprocess", "EmptyDrawingError": "cnndemo.preprocess",
    "Predictor": "cnndemo.predictor", "TrainConfig": "cnndemo.training", "train": "cnndemo.training",
}


def __getattr__(name: str):
    # Lazy: `import cnndemo` stays instant; Keras/TensorFlow load on first use.
    if name in _LOCATIONS:
        import importlib

        return getattr(importlib.import_module(_LOCATIONS[name]), name)
    raise AttributeError(f"module 'cnndemo' has no attribute {name!r}")
