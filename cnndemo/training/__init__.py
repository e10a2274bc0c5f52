"""Training: recipe (:mod:`.config`), data pipeline and augmentation (:mod:`.pipeline`,
:mod:`.augment`), progress (:mod:`.progress`), test arithmetic (:mod:`.metrics`) and the
runner (:mod:`.runner`) shared by the Train tab and ``python -m cnndemo train``."""

from cnndemo.training.config import (
    AUGMENTATIONS, MAX_BATCH_SIZE, MAX_EPOCHS, MAX_TRAIN_IMAGES, OPTIMIZERS, SCHEDULES, TrainConfig, TrainConfigError,
)
from cnndemo.training.metrics import confusion_matrix, loss_and_accuracy, predict_probabilities
from cnndemo.training.progress import ProgressCallback, TrainEvent
from cnndemo.training.runner import TestResult, TrainResult, compile_model, evaluate_sets, train
from cnndemo.training.pipeline import make_training_dataset

__all__ = [
    "AUGMENTATIONS", "MAX_BATCH_SIZE", "MAX_EPOCHS", "MAX_TRAIN_IMAGES", "OPTIMIZERS", "SCHEDULES", "TrainConfig",
    "TrainConfigError", "confusion_matrix", "loss_and_accuracy", "predict_probabilities", "ProgressCallback",
    "TrainEvent", "TestResult", "TrainResult", "compile_model", "evaluate_sets", "train", "make_training_dataset",
]
