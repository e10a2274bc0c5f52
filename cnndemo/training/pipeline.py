"""Digit set -> shuffled, batched, augmented ``tf.data.Dataset`` for ``model.fit``."""

from __future__ import annotations

import math

import numpy as np

from cnndemo.training.config import TrainConfig


def make_training_dataset(images: np.ndarray, labels: np.ndarray, config: TrainConfig):
    """A ``tf.data.Dataset`` of (float32 (b, 28, 28, 1) in [0, 1], uint8 (b,)) batches.

    Args:
        images: uint8 (n, 28, 28) white ink on black (a :class:`cnndemo.data.DigitSet`'s),
            or float32 (n, 28, 28, 1) in [0, 1].
        labels: (n,) digits.
        config: batch size, seed and ``augment`` mode (see :mod:`cnndemo.training.augment`).

    The order is a seeded shuffle, new each epoch; the augmentation draws new random
    changes each epoch too, deterministically from the seed.
    """
    import tensorflow as tf

    shuffled = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(
        len(labels), seed=config.seed, reshuffle_each_iteration=True)

    def batches(size: int):
        """Batches of ``size`` as float32 (b, 28, 28, 1) in [0, 1]."""
        batched = shuffled.batch(size)
        if images.dtype == np.uint8:
            batched = batched.map(lambda x, y: (tf.cast(x, tf.float32)[..., None] / 255.0, y))
        return batched

    if config.augment == "handwriting":
        from cnndemo.training.augment import CHUNK_IMAGES, handwriting

        # Augmented a chunk (a whole number of batches) at a time, then split into batches:
        # the same batches, at a fraction of the augmentation's cost per image.
        chunk = config.batch_size * max(1, CHUNK_IMAGES // config.batch_size)
        seeds = tf.data.Dataset.random(seed=config.seed, rerandomize_each_iteration=True).batch(2)
        dataset = tf.data.Dataset.zip(batches(chunk), seeds).map(
            lambda batch, seed: (handwriting(batch[0], seed), batch[1]), num_parallel_calls=tf.data.AUTOTUNE
        ).rebatch(config.batch_size)
        # rebatch loses the count of batches; without it Keras learns an epoch's length only by
        # running out of data, and says so in the console ("Your input ran out of data;
        # interrupting training") at the end of every first epoch.
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(math.ceil(len(labels) / config.batch_size)))
    else:
        dataset = batches(config.batch_size)
    if config.augment == "affine":
        from cnndemo.training.augment import affine_layers

        augment = affine_layers(config.seed)
        dataset = dataset.map(lambda a, b: (augment(a, training=True), b), num_parallel_calls=tf.data.AUTOTUNE)
    # No autotuning: its thread sleeps up to 10 s between rounds and ending an epoch (which
    # destroys the epoch's iterator) waits for it, so the CPU idled up to 10 s at epoch
    # ends here. An in-memory pipeline has nothing to tune (benchmarks/epoch_gaps.py).
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(options)
