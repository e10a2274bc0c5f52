"""Digit sets: MNIST and pen-drawn digits, all from files bundled in ``data/``, checked by
checksum; no network, ever. See :mod:`cnndemo.data.sets` for the mixes training uses."""

from cnndemo.data.files import DataError
from cnndemo.data.mnist import Mnist, MnistDataError, load_mnist, to_model_input
from cnndemo.data.pendigits import PenDigits, load_pendigits, writer_split
from cnndemo.data.sets import DATA_MIXES, DigitSet, training_sets

__all__ = [
    "DataError", "Mnist", "MnistDataError", "load_mnist", "to_model_input", "PenDigits", "load_pendigits",
    "writer_split", "DATA_MIXES", "DigitSet", "training_sets",
]
