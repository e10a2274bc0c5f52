"""Training: recipe (:mod:`.config`), data pipeline and augmentation (:mod:`.pipeline`,
:mod:`.augment`), progress (:mod:`.progress`), test arithmetic (:mod:`.metrics`) and the
runner (:mod:`.runner`) shared by the Train tab and ``python -m cnndemo train``.

Names are loaded on first use, so ``from cnndemo.training import TrainConfig`` (to check a
recipe) does not load TensorFlow.
"""

from __future__ import annotations

import importlib

_LOCATIONS = {
    "config": ("AUGMENTATIONS", "MAX_BATCH_SIZE", "MAX_EPOCHS", "MAX_TRAIN_IMAGES", "OPTIMIZERS", "SCHEDULES",
               "TrainConfig", "TrainConfigError"),
    "metrics": ("confusion_matrix", "loss_and_accuracy", "predict_probabilities"),
    "progress": ("ProgressCallback", "TrainEvent"),
    "runner": ("TestResult", "TrainResult", "compile_model", "evaluate_sets", "train"),
    "pipeline": ("make_training_dataset",),
}
__all__ = [name for names in _LOCATIONS.values() for name in names]


def __getattr__(name: str):
    for module, names in _LOCATIONS.items():
        if name in names:
            return getattr(importlib.import_module(f"cnndemo.training.{module}"), name)
    raise AttributeError(f"module 'cnndemo.training' has no attribute {name!r}")
