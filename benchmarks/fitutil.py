"""Shared by the training benchmarks: plain ``model.fit`` with the runner's data, model and
optimizer, and images/s from epoch end times."""

from __future__ import annotations

from typing import Any

import keras

from cnndemo.precision import choose_precision
from cnndemo.registry import create_model
from cnndemo.training import TrainConfig, compile_model, make_training_dataset, select_training_subset


def plain_fit(config: TrainConfig, mnist, callbacks: list, dataset_options: Any = None) -> int:
    """Train a fresh ``config.model`` with plain ``model.fit`` on the runner's dataset
    (optionally ``.with_options(dataset_options)``), optimizer and precision; no
    validation, no test. Returns the images per epoch; the timing is the callbacks' job."""
    keras.utils.set_random_seed(config.seed)
    x, y = select_training_subset(mnist, config.train_images, config.seed)
    steps = -(-len(x) // config.batch_size)
    model = create_model(config.model, dtype=choose_precision(config.precision))
    compile_model(model, config, steps * config.epochs, steps)
    dataset = make_training_dataset(x, y, config)
    if dataset_options is not None:
        dataset = dataset.with_options(dataset_options)
    model.fit(dataset, epochs=config.epochs, verbose=0, callbacks=callbacks)
    return len(x)


def images_per_s(epoch_ends: list[float], images_per_epoch: int) -> float:
    """Throughput of every epoch after the first, from the epochs' end times."""
    return images_per_epoch * (len(epoch_ends) - 1) / (epoch_ends[-1] - epoch_ends[0])
