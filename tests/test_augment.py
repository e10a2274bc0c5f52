"""The handwriting augmentation and the training pipeline: ranges, stroke width, determinism;
and a short training on the MNIST + pen mix that improves on held-out writers."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from cnndemo.data.pen_render import render_digits
from cnndemo.data.pendigits import indices_of_writers, load_pendigits, writer_split
from cnndemo.data.sets import DigitSet, TrainingSets, concat
from cnndemo.training import TrainConfig, make_training_dataset, train

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def batch(mnist):
    return tf.constant((mnist.x_train[:64].astype(np.float32) / 255)[..., None])


def test_output_keeps_shape_and_range_and_full_brightness(batch):
    from cnndemo.training.augment import handwriting

    out = handwriting(batch, tf.constant([3, 4])).numpy()
    assert out.shape == batch.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    assert np.allclose(out.reshape(64, -1).max(axis=1), 1.0, atol=1e-3)  # the brightest ink is white
    assert not np.allclose(out, batch.numpy())  # it did change the digits


def test_same_seed_same_result_other_seed_other_result(batch):
    from cnndemo.training.augment import handwriting

    a = handwriting(batch, tf.constant([1, 2])).numpy()
    b = handwriting(batch, tf.constant([1, 2])).numpy()
    c = handwriting(batch, tf.constant([1, 3])).numpy()
    assert np.array_equal(a, b) and not np.allclose(a, c)


def max_filter_3x3(images: np.ndarray) -> np.ndarray:
    """(b, 28, 28) -> each pixel's 3x3 neighbourhood maximum (outside the image not counted)."""
    padded = np.pad(images, [(0, 0), (1, 1), (1, 1)], constant_values=-np.inf)
    return np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2)).max(axis=(-2, -1))


def test_stroke_width_thickens_and_thins(batch):
    from cnndemo.training.augment import _stroke_width

    images = batch.numpy()[..., 0]
    ink = images.sum()
    thicker = _stroke_width(images, tf.fill([64], 1.0)).numpy()
    thinner = _stroke_width(images, tf.fill([64], -1.0)).numpy()
    same = _stroke_width(images, tf.fill([64], 0.0)).numpy()
    assert np.allclose(same, images)
    # amount 1: the 3x3 dilation; -1: the 3x3 erosion; in between, a blend
    assert np.allclose(thicker, max_filter_3x3(images), atol=1e-6)
    assert np.allclose(thinner, -max_filter_3x3(-images), atol=1e-6)
    halfway = _stroke_width(images, tf.fill([64], 0.5)).numpy()
    assert np.allclose(halfway, (images + max_filter_3x3(images)) / 2, atol=1e-6)
    # a 3x3 dilation adds about a pixel on each side of 2-3 px strokes: much more ink
    assert thicker.sum() > 1.5 * ink and thinner.sum() < 0.6 * ink


def first_batches(images, labels, config, epochs=2):
    dataset = make_training_dataset(images, labels, config)
    return [next(iter(dataset))[0].numpy() for _ in range(epochs)]


def test_the_pipeline_is_deterministic_under_its_seed_and_new_each_epoch(mnist):
    images, labels = mnist.x_train[:256], mnist.y_train[:256]
    config = TrainConfig(batch_size=64, augment="handwriting", seed=7)
    one = first_batches(images, labels, config)
    two = first_batches(images, labels, config)
    assert np.array_equal(one[0], two[0])  # same seed: same first batch
    assert not np.array_equal(one[0], one[1])  # the next epoch reshuffles and redraws
    other = first_batches(images, labels, TrainConfig(batch_size=64, augment="handwriting", seed=8))
    assert not np.array_equal(one[0], other[0])


@pytest.mark.parametrize("augment", ["none", "handwriting"])
def test_every_image_comes_once_per_epoch_in_batches_of_the_asked_size(mnist, augment):
    # The handwriting augmentation runs on chunks of many batches, then splits them again.
    from cnndemo.training.augment import CHUNK_IMAGES

    n, batch_size = CHUNK_IMAGES + 300, 100
    labels = np.arange(n)  # as labels, each image's index: which images came out
    config = TrainConfig(batch_size=batch_size, augment=augment, seed=3)
    dataset = make_training_dataset(mnist.x_train[:n], labels, config)
    batches = list(dataset)
    sizes = [len(y) for _, y in batches]
    assert sizes == [batch_size] * (n // batch_size) + [n % batch_size]
    # Keras is told an epoch's length (else it learns it by running out of data, with a warning).
    assert int(dataset.cardinality()) == len(sizes)
    assert all(x.shape[1:] == (28, 28, 1) for x, _ in batches)
    assert sorted(np.concatenate([y.numpy() for _, y in batches]).tolist()) == labels.tolist()


@pytest.mark.slow
@pytest.mark.filterwarnings("error::UserWarning")  # nothing for the teacher's console ("ran out of data", "shuffle")
def test_a_short_training_on_the_mix_improves_on_held_out_writers(mnist):
    pen = load_pendigits()
    split = writer_split()
    rng = np.random.default_rng(0)
    train_idx = rng.choice(indices_of_writers(pen, split["train"]), 600, replace=False)
    test_idx = rng.choice(indices_of_writers(pen, split["test"]), 300, replace=False)
    pen_train = DigitSet(render_digits(pen.strokes, train_idx, seed=1), pen.labels[train_idx], "pen-train")
    pen_test = DigitSet(render_digits(pen.strokes, test_idx, seed=2), pen.labels[test_idx], "pen-test")
    mnist_part = DigitSet(mnist.x_train[:1200], mnist.y_train[:1200], "mnist-train")
    sets = TrainingSets("mnist+pen", concat("mix", mnist_part, pen_train),
                        DigitSet(mnist.x_test[:100], mnist.y_test[:100], "val"), {"pen": pen_test})
    config = TrainConfig(model="simplecnn", epochs=2, batch_size=32, augment="handwriting", data="mnist+pen",
                         validation_images=100, learning_rate=0.002)
    events = []
    result = train(config, on_event=events.append, sets=sets, event_interval_s=0)
    losses = [e.loss for e in events if e.kind == "batch" and e.loss is not None]
    assert result.status == "finished"
    assert result.tests["pen"].accuracy > 0.6  # from chance (0.1) to most of 300 unseen writers' digits
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5])
