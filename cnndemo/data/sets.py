"""Digit sets and the data mixes training uses.

A :class:`DigitSet` is what the training runner takes: uint8 (n, 28, 28) images, white ink
on black as in MNIST, their labels, a name and a checksum of the exact content. A *mix*
(``"mnist"`` or ``"mnist+pen"``) names which sets a run trains, validates and tests on
(:func:`training_sets`); the pen-drawn digits are split by writer, so validation and test
writers are never trained on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from cnndemo.data.files import DataError
from cnndemo.data.mnist import load_mnist
from cnndemo.data.pen_render import BRUSH_RANGE_PX, SIZE_RANGE, render_digits
from cnndemo.data.pendigits import SPLIT_SEED, indices_of_writers, load_pendigits, writer_split

DATA_MIXES = ("mnist", "mnist+pen")
PEN_COPIES = 3  # renderings of each training writer's digit (each at its own random style)
PEN_TEST_COPIES = 3  # renderings of each held-out digit in the test set
PEN_EVAL_SEED = 20_261_124  # fixed: every run validates and tests on the same renderings


@dataclass(frozen=True)
class DigitSet:
    """Labelled digits in MNIST's format.

    Attributes:
        images: uint8 (n, 28, 28), white ink on black, 0..255.
        labels: uint8 (n,), digits 0..9.
        name: what it is (``"mnist-train"``, ``"pen-test"``).
        about: JSON-ready facts for a model card (sources and their checksums, writers,
            renderings), without the arrays.
    """

    images: np.ndarray
    labels: np.ndarray
    name: str
    about: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8 or self.images.shape[1:] != (28, 28) or len(self.images) != len(self.labels):
            raise ValueError(f"DigitSet needs uint8 (n, 28, 28) images and n labels. "
                             f"Received: {self.images.dtype} {self.images.shape}, {len(self.labels)} labels.")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def checksum(self) -> str:
        """SHA-256 of the images and labels: two sets with the same checksum hold the same digits."""
        return _checksum(self.images, self.labels)

    def describe(self) -> dict[str, Any]:
        """The card's record of this set: name, size, checksum and :attr:`about`."""
        return {"name": self.name, "images": len(self), "sha256": self.checksum, **self.about}

    def take(self, n: int, seed: int) -> "DigitSet":
        """The first ``n`` of a fixed shuffle (so small subsets keep every digit and source)."""
        order = np.random.default_rng(seed).permutation(len(self))[:n]
        return DigitSet(self.images[order], self.labels[order], self.name, {**self.about, "subset": f"{n} of {len(self)}"})


def concat(name: str, *sets: DigitSet) -> DigitSet:
    """One set holding all of ``sets``' digits in order; ``about`` lists the parts."""
    return DigitSet(
        np.concatenate([s.images for s in sets]), np.concatenate([s.labels for s in sets]), name,
        {"parts": [s.describe() for s in sets]},
    )


def _checksum(images: np.ndarray, labels: np.ndarray) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(images).tobytes())
    digest.update(np.ascontiguousarray(labels).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class TrainingSets:
    """What one run trains, validates and tests on.

    Attributes:
        mix: the data mix's name (one of :data:`DATA_MIXES`).
        train: the training digits.
        validation: digits for the progress curve (monitoring only, never for selection).
        tests: the held-out sets reported at the end, by name (``"mnist"``, ``"pen"``).
    """

    mix: str
    train: DigitSet
    validation: DigitSet
    tests: dict[str, DigitSet]


def mnist_set(split: str) -> DigitSet:
    """MNIST's 60,000 training or 10,000 test digits as a :class:`DigitSet`."""
    mnist = load_mnist()
    images, labels = (mnist.x_train, mnist.y_train) if split == "train" else (mnist.x_test, mnist.y_test)
    files = [name for name in mnist.sha256 if name.startswith("train" if split == "train" else "t10k")]
    return DigitSet(images, labels, f"mnist-{split}", {"source": "MNIST", "files_sha256": {f: mnist.sha256[f] for f in files}})


def pen_set(split: str, seed: int, copies: int) -> DigitSet:
    """The pen-drawn digits of one writer group ("train", "validation", "test"), each
    rendered ``copies`` times as the drawing pad would (:mod:`cnndemo.data.pen_render`)."""
    images, labels = _rendered_pen(split, seed, copies)
    pen = load_pendigits()
    writers = writer_split()[split]
    return DigitSet(images, labels, f"pen-{split}", {
        "source": "UCI pendigits (original trajectories), drawn as on the pad",
        "files_sha256": dict(pen.sha256), "writers": list(writers), "writer_split_seed": SPLIT_SEED,
        "digits": len(labels) // copies, "copies": copies, "render_seed": seed,
        "brush_px": list(BRUSH_RANGE_PX), "size_of_canvas": list(SIZE_RANGE),
    })


@lru_cache(maxsize=6)
def _rendered_pen(split: str, seed: int, copies: int) -> tuple[np.ndarray, np.ndarray]:
    pen = load_pendigits()
    indices = indices_of_writers(pen, writer_split()[split])
    images = render_digits(pen.strokes, indices, seed=seed, copies=copies)
    images.flags.writeable = False
    return images, np.tile(pen.labels[indices], copies)


def training_sets(mix: str = "mnist", seed: int = 0, validation_images: int = 1000,
                  pen_copies: int = PEN_COPIES) -> TrainingSets:
    """The sets of data mix ``mix``:

    - ``"mnist"``: train on MNIST's 60,000; validate on the first ``validation_images``
      MNIST test digits; test on MNIST's 10,000 test digits.
    - ``"mnist+pen"``: as above, plus the 20 training writers' pen digits drawn
      ``pen_copies`` times (at random styles from ``seed``); validation is half MNIST
      test digits, half the 4 validation writers' digits; the test adds the 6 test
      writers' digits, each drawn :data:`PEN_TEST_COPIES` times at fixed styles.

    Raises:
        DataError: ``data.unknown_mix``, or a missing or corrupt data file.
    """
    if mix not in DATA_MIXES:
        raise DataError("data.unknown_mix", received=mix, available=list(DATA_MIXES))
    mnist_train, mnist_test = mnist_set("train"), mnist_set("test")
    if mix == "mnist":
        validation = DigitSet(mnist_test.images[:validation_images], mnist_test.labels[:validation_images],
                              "mnist-validation", {"source": f"the first {validation_images} MNIST test digits"})
        return TrainingSets(mix, mnist_train, validation, {"mnist": mnist_test})
    pen_train = pen_set("train", seed, pen_copies)
    pen_validation = pen_set("validation", PEN_EVAL_SEED, 1)
    from_mnist = (validation_images + 1) // 2
    from_pen = min(validation_images - from_mnist, len(pen_validation))
    validation = concat(
        "mnist+pen-validation",
        DigitSet(mnist_test.images[:from_mnist], mnist_test.labels[:from_mnist], "mnist-validation",
                 {"source": f"the first {from_mnist} MNIST test digits"}),
        pen_validation.take(from_pen, seed=SPLIT_SEED),
    )
    return TrainingSets(mix, concat("mnist+pen-train", mnist_train, pen_train), validation,
                        {"mnist": mnist_test, "pen": pen_set("test", PEN_EVAL_SEED, PEN_TEST_COPIES)})
