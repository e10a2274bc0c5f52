"""MNIST from the IDX ``.gz`` files bundled in ``data/mnist/``; no network, ever.

Each file is checked against ``SHA256SUMS`` and its IDX header before use, so a missing,
truncated or swapped file fails with a message naming it instead of a shape error later.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from cnndemo.data.files import DataError, expected_checksums, read_checked

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "mnist"

FILES = {
    "x_train": ("train-images-idx3-ubyte.gz", 2051, 60_000),
    "y_train": ("train-labels-idx1-ubyte.gz", 2049, 60_000),
    "x_test": ("t10k-images-idx3-ubyte.gz", 2051, 10_000),
    "y_test": ("t10k-labels-idx1-ubyte.gz", 2049, 10_000),
}


MnistDataError = DataError  # the name earlier versions raised


@dataclass(frozen=True)
class Mnist:
    """The MNIST split as uint8 arrays.

    Attributes:
        x_train: uint8 (60000, 28, 28), white ink on black, 0..255.
        y_train: uint8 (60000,), digits 0..9.
        x_test: uint8 (10000, 28, 28).
        y_test: uint8 (10000,).
        sha256: checksum of each ``.gz`` file, by file name.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    sha256: dict[str, str]


def data_dir() -> Path:
    """Where the IDX files live: the project's ``data/mnist``."""
    return DEFAULT_DATA_DIR


def _read_idx(path: Path, magic: int, count: int, expected: dict[str, str]) -> tuple[np.ndarray, str]:
    raw, digest = read_checked(path, expected)
    try:
        data = gzip.decompress(raw)
    except (OSError, EOFError) as error:
        raise DataError("data.file_unreadable", path=str(path), reason=str(error)) from error
    ndim = magic - 2048
    header_size = 4 + 4 * ndim
    if len(data) < header_size or struct.unpack(">I", data[:4])[0] != magic:
        raise DataError("data.file_malformed", path=str(path), detail=f"IDX magic {magic} expected")
    dims = struct.unpack(f">{ndim}I", data[4:header_size])
    if dims[0] != count or (ndim == 3 and dims[1:] != (28, 28)):
        raise DataError("data.file_malformed", path=str(path), detail=f"shape {dims}, expected {count} items")
    array = np.frombuffer(data, dtype=np.uint8, offset=header_size)
    if array.size != int(np.prod(dims)):
        raise DataError("data.file_malformed", path=str(path), detail="truncated")
    return array.reshape(dims), digest


def load_mnist(directory: str | Path | None = None) -> Mnist:
    """Load and check the four files in ``directory`` (default :func:`data_dir`); about
    0.3 s the first time, cached per directory after that.

    Raises:
        DataError: naming the file that is missing, corrupt or malformed.
    """
    return _load_mnist(Path(directory) if directory is not None else data_dir())


@lru_cache(maxsize=2)
def _load_mnist(directory: Path) -> Mnist:
    expected = expected_checksums(directory)
    arrays, sums = {}, {}
    for key, (name, magic, count) in FILES.items():
        arrays[key], sums[name] = _read_idx(directory / name, magic, count, expected)
    return Mnist(sha256=sums, **arrays)


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 28, 28, 1) in [0, 1], the models' input format."""
    return (images.astype(np.float32) / 255.0)[..., None]
