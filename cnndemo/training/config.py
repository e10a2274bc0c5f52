"""The training recipe, :class:`TrainConfig`, and its checks (before anything starts)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cnndemo.messages import CnnDemoError
from cnndemo.precision import PRECISIONS
from cnndemo.registry import resolve_name

OPTIMIZERS = ("adam", "rmsprop", "sgd")
SCHEDULES = ("constant", "cosine")
AUGMENTATIONS = ("none", "affine", "handwriting")
MAX_BATCH_SIZE = 1024
MAX_EPOCHS = 100
MAX_TRAIN_IMAGES = 200_000


class TrainConfigError(CnnDemoError, ValueError):
    """A recipe field out of range (``train.whole_number``, ``train.choice``, ...)."""


@dataclass
class TrainConfig:
    """A training recipe. :meth:`check` validates it before anything starts.

    Attributes:
        model: registry key or display name.
        epochs: full passes over the training images, 1..100.
        batch_size: 1..1024.
        optimizer: "adam", "rmsprop" or "sgd" (sgd uses momentum 0.9).
        learning_rate: peak learning rate, (0, 1].
        train_images: how many of the mix's training images to use per epoch (the first n
            of a fixed shuffle, so small subsets keep every digit and source); 0 = all.
        precision: "auto", "float32", "mixed_bfloat16" or "mixed_float16".
        schedule: "constant" or "cosine" (a warm-up of at most one epoch, then cosine to 0).
        augment: "none"; "affine" (random rotations, zooms and shifts: the shipped weights'
            first recipe); or "handwriting" (stroke width, elastic distortion and small
            affine changes, modelling how people draw). True/False mean "affine"/"none".
        data: the data mix, "mnist" or "mnist+pen" (:func:`cnndemo.data.training_sets`).
        pen_copies: with "mnist+pen", renderings of each training writer's digit, 1..10.
        validation_images: digits for the validation curve (0 turns it off).
        validations_per_epoch: how often the validation curve gets a point.
        seed: seed for the subset shuffle, weight init, renderings and augmentation.
        init_from: "" to start from random weights, or a directory holding this model's
            card and weights (e.g. ``weights/``) to go on training them (fine-tuning);
            the new card records the earlier card.
        ema_momentum: 0 keeps the last step's weights; a value in [0.9, 1) keeps an
            exponential moving average of the weights (Keras's ``use_ema``, updated after
            every step as ``ema = m * ema + (1 - m) * weights``) and ends with it, which
            smooths out the last steps' noise (about the last ``1 / (1 - m)`` steps count).
    """

    model: str = "simplecnn"
    epochs: int = 5
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    train_images: int = 0
    precision: str = "auto"
    schedule: str = "constant"
    augment: str = "none"
    data: str = "mnist"
    pen_copies: int = 3
    validation_images: int = 1000
    validations_per_epoch: int = 4
    seed: int = 0
    init_from: str = ""
    ema_momentum: float = 0.0

    def check(self, max_epochs: int = MAX_EPOCHS, max_train_images: int = MAX_TRAIN_IMAGES) -> "TrainConfig":
        """Normalise the fields and raise :class:`TrainConfigError` for the first bad one.

        Also raises ``model.unknown`` (ValueError) for an unknown model and
        ``weights.start_card_wrong`` when ``init_from`` holds no card of this model.
        """
        self.model = resolve_name(self.model)
        self.epochs = _whole(self.epochs, "epochs", 1, max_epochs)
        self.batch_size = _whole(self.batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        if self.train_images not in (0, None):
            self.train_images = _whole(self.train_images, "train_images", 100, max_train_images)
        else:
            self.train_images = 0
        self.validation_images = _whole(self.validation_images, "validation_images", 0, 10_000)
        self.validations_per_epoch = _whole(self.validations_per_epoch, "validations_per_epoch", 1, 20)
        self.pen_copies = _whole(self.pen_copies, "pen_copies", 1, 10)
        if isinstance(self.augment, bool):
            self.augment = "affine" if self.augment else "none"
        from cnndemo.data.sets import DATA_MIXES

        for name, choices in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("augment", AUGMENTATIONS),
                              ("data", DATA_MIXES)):
            if getattr(self, name) not in choices:
                raise TrainConfigError("train.choice", field=name, choices=list(choices), received=getattr(self, name))
        rate = _number(self.learning_rate)
        if not (math.isfinite(rate) and 0 < rate <= 1):
            raise TrainConfigError("train.learning_rate", received=self.learning_rate)
        self.learning_rate = rate
        momentum = _number(self.ema_momentum or 0.0)
        if not (momentum == 0.0 or 0.9 <= momentum < 1.0):
            raise TrainConfigError("train.ema_momentum", received=self.ema_momentum)
        self.ema_momentum = momentum
        if self.precision not in PRECISIONS:
            raise TrainConfigError("train.precision", received=self.precision, available=list(PRECISIONS))
        self.init_from = str(self.init_from or "")
        if self.init_from:
            from cnndemo.cards import read_card
            from cnndemo.checkpoint import WeightsError

            try:
                read_card(self.init_from, self.model)
            except WeightsError as error:
                raise TrainConfigError("weights.start_card_wrong", path=self.init_from, reason=error.code) from error
        return self


def _number(value: Any) -> float:
    """``value`` as a float; NaN (which no range accepts) when it is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _whole(value: Any, field_name: str, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise TrainConfigError("train.whole_number", field=field_name, low=low, high=high, received=value)
    return value
