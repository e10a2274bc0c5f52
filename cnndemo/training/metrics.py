"""Test-set arithmetic: probabilities in compiled batches, loss, accuracy, confusion."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def predict_probabilities(
    model: Any, images: np.ndarray, batch_size: int = 250, on_chunk: Callable[[int], None] | None = None
) -> np.ndarray:
    """Float32 (n, 10) probabilities of images, via compiled batches (``predict_on_batch``).

    Args:
        images: float32 (n, 28, 28, 1) in [0, 1], or uint8 (n, 28, 28) MNIST-style.
        on_chunk: called after each batch with the number of images done so far.
    """
    chunks = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        if batch.dtype == np.uint8:
            batch = (batch.astype(np.float32) / 255.0)[..., None]
        chunks.append(np.asarray(model.predict_on_batch(batch), dtype=np.float32))
        if on_chunk is not None:
            on_chunk(start + len(chunks[-1]))
    return np.concatenate(chunks) if chunks else np.zeros((0, 10), np.float32)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, classes: int = 10) -> np.ndarray:
    """int64 (classes, classes): row = true digit, column = predicted digit."""
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (labels.astype(np.int64), predictions.astype(np.int64)), 1)
    return matrix


def loss_and_accuracy(probabilities: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Mean sparse categorical cross-entropy and accuracy of (n, 10) probabilities."""
    picked = probabilities[np.arange(len(labels)), labels.astype(np.int64)]
    loss = float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))
    return loss, float(np.mean(probabilities.argmax(axis=1) == labels))
