"""Model cards: the JSON record beside each set of weights (recipe, data, figures, versions).

One place builds a card from a training result (:func:`build_card`), reads one
(:func:`read_card`) and totals the runs behind a fine-tuned one (:func:`card_totals`);
:mod:`cnndemo.checkpoint` writes the weights and the card atomically.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnndemo.messages import CnnDemoError

if TYPE_CHECKING:
    from cnndemo.training.runner import TrainResult


class WeightsError(CnnDemoError, RuntimeError):
    """Weights or card missing, unreadable or not matching the architecture
    (``weights.missing``, ``weights.corrupt``, ...)."""


def card_path(directory: str | Path, name: str) -> Path:
    """Path of the card of registry model ``name`` in ``directory``."""
    return Path(directory) / f"{name}.json"


def read_card(directory: str | Path, name: str) -> dict[str, Any]:
    """The card of ``name`` as a dict.

    Raises:
        WeightsError: ``weights.missing`` or ``weights.card_unreadable``, naming the file.
    """
    path = card_path(directory, name)
    if not path.is_file():
        raise WeightsError("weights.missing", model=name, path=str(path))
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise WeightsError("weights.card_unreadable", path=str(path), reason=str(error)) from error


def card_totals(card: dict[str, Any]) -> tuple[int, float]:
    """(epochs, training seconds) of a card, counting the runs it went on from (``init_from``).

    Raises ``KeyError`` for a card without ``epochs_completed`` / ``train_seconds``."""
    return card.get("total_epochs", card["epochs_completed"]), card.get("total_train_seconds", card["train_seconds"])


def _files_sha256(record: Any) -> dict[str, str]:
    """Every ``files_sha256`` entry found in a nested card record, merged."""
    found: dict[str, str] = {}
    if isinstance(record, dict):
        found.update(record.get("files_sha256", {}))
        for value in record.values():
            found.update(_files_sha256(value))
    elif isinstance(record, list):
        for value in record:
            found.update(_files_sha256(value))
    return found


def build_card(result: "TrainResult") -> dict[str, Any]:
    """The model card of a finished or stopped run: recipe, data, figures and versions, JSON-ready.

    ``test_loss``/``test_accuracy`` are MNIST's 10,000 test digits (as in every card);
    ``tests`` has the figures of every held-out set (``"pen"``: the held-out writers).
    """
    from dataclasses import asdict

    import keras
    import numpy as np
    import tensorflow as tf

    from cnndemo.registry import model_info
    from cnndemo.training.augment import describe as describe_augmentation

    info = model_info(result.config.model)
    sets = result.sets
    mnist_test = result.tests.get("mnist")
    card: dict[str, Any] = {
        "model": info.name,
        "display_name": info.display_name,
        "params": int(result.model.count_params()),
        "status": result.status,
        "recipe": asdict(result.config) | {"precision": result.precision},
        "epochs_completed": result.epochs_completed,
        "images_seen": result.images_seen,
        "train_images": result.config.train_images or (len(sets.train) if sets else 0),
        "test_images": len(sets.tests["mnist"]) if sets and "mnist" in sets.tests else 0,
        "test_loss": mnist_test.loss if mnist_test else None,
        "test_accuracy": mnist_test.accuracy if mnist_test else None,
        "tests": {name: {"images": len(sets.tests[name]), "loss": test.loss, "accuracy": test.accuracy}
                  for name, test in result.tests.items()} if sets else {},
        "train_seconds": round(result.train_seconds, 1),
        "images_per_s": round(result.images_per_s, 1),
        "data": {
            "mix": sets.mix,
            "train": sets.train.describe(),
            "validation": sets.validation.describe() | {"use": "progress curve only (no model selection)"},
            "tests": {name: digits.describe() for name, digits in sets.tests.items()},
        } if sets else {},
        "augmentation": describe_augmentation(result.config.augment),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "backend": keras.backend.backend(),
        },
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    if sets:
        card["data_sha256"] = _files_sha256(card["data"])
    if result.start_card is not None:
        epochs_before, seconds_before = card_totals(result.start_card)
        card["initialised_from"] = result.start_card
        card["total_epochs"] = result.epochs_completed + epochs_before
        card["total_train_seconds"] = round(result.train_seconds + seconds_before, 1)
    return card
