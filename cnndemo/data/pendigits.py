"""Pen-drawn digits: UCI "Pen-Based Recognition of Handwritten Digits", original trajectories.

``data/pendigits/pendigits-orig.tra`` holds 7,494 digits by 30 writers as pen strokes
(UNIPEN-style text, checked against ``SHA256SUMS`` at load). The writers are not MNIST's,
so they measure how the models read handwriting they have never seen. The data set is
split *by writer* (:func:`writer_split`): no writer's digits are on two sides, and accuracy
is only ever reported on writers the model was not trained on.

Source: E. Alpaydin and F. Alimoglu, Pen-Based Recognition of Handwritten Digits, UCI
Machine Learning Repository (1996/1998), https://doi.org/10.24432/C5MG6K, CC BY 4.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from cnndemo.data.files import DataError, expected_checksums, read_checked

DEFAULT_PEN_DIR = Path(__file__).resolve().parents[2] / "data" / "pendigits"
PEN_FILE = "pendigits-orig.tra"
PEN_DIGITS = 7_494
PEN_WRITERS = 30
TABLET_UNITS = 500  # coordinates lie in 0..500, y growing upwards

# The writer split of the whole project: fixed here, recorded in every card that uses it.
# Chosen once by numpy.random.default_rng(2026).permutation of writers 1..30 (see
# writer_split); 6 writers for testing, 4 for the validation curve, 20 to train on.
SPLIT_SEED = 2026
SPLIT_SIZES = {"test": 6, "validation": 4}


@dataclass(frozen=True)
class PenDigits:
    """The pen-drawn digits.

    Attributes:
        strokes: one tuple per digit of float32 (k, 2) arrays, one array per stroke (pen
            down to pen up): x to the right and y upwards, tablet units 0..500.
        labels: uint8 (n,), digits 0..9.
        writers: uint8 (n,), writer ids 1..30.
        sha256: checksum of the file, by file name.
    """

    strokes: tuple[tuple[np.ndarray, ...], ...]
    labels: np.ndarray
    writers: np.ndarray
    sha256: dict[str, str]

    def __len__(self) -> int:
        return len(self.labels)


def _parse(text: str, path: Path) -> tuple[list[tuple[np.ndarray, ...]], list[int], list[int]]:
    digits: list[list[list[tuple[int, int]]]] = []
    labels: list[int] = []
    writers: list[int] = []
    stroke: list[tuple[int, int]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(".SEGMENT"):
            digits.append([])
            stroke = None
        elif line.startswith(".COMMENT") and digits:
            parts = line.split()
            if len(parts) < 3:
                raise DataError("data.file_malformed", path=str(path), detail=f"line {number}: {line!r}")
            labels.append(int(parts[1]))
            writers.append(int(parts[2]))
        elif line.startswith(".PEN_DOWN"):
            if not digits:
                raise DataError("data.file_malformed", path=str(path), detail=f"line {number}: stroke outside a digit")
            stroke = []
            digits[-1].append(stroke)
        elif line.startswith(".PEN_UP"):
            stroke = None
        elif stroke is not None and line.strip():
            try:
                x, y = line.split()
                stroke.append((int(x), int(y)))
            except ValueError as error:
                raise DataError("data.file_malformed", path=str(path), detail=f"line {number}: {line!r}") from error
    arrays = [tuple(np.asarray(s, np.float32).reshape(-1, 2) for s in d if s) for d in digits]
    return arrays, labels, writers


def load_pendigits(directory: str | Path | None = None) -> PenDigits:
    """Load and check ``pendigits-orig.tra`` in ``directory`` (default ``data/pendigits``);
    about 0.3 s the first time, cached per directory after that.

    Raises:
        DataError: naming the file that is missing, corrupt or malformed.
    """
    return _load_pendigits(Path(directory) if directory is not None else DEFAULT_PEN_DIR)


@lru_cache(maxsize=2)
def _load_pendigits(directory: Path) -> PenDigits:
    path = directory / PEN_FILE
    raw, digest = read_checked(path, expected_checksums(directory))
    strokes, labels, writers = _parse(raw.decode("ascii", errors="replace"), path)
    if not (len(strokes) == len(labels) == len(writers) == PEN_DIGITS) or any(not s for s in strokes):
        raise DataError("data.file_malformed", path=str(path),
                        detail=f"{len(strokes)} digits, {len(labels)} labels, expected {PEN_DIGITS}")
    return PenDigits(
        strokes=tuple(strokes),
        labels=np.asarray(labels, np.uint8),
        writers=np.asarray(writers, np.uint8),
        sha256={PEN_FILE: digest},
    )


def writer_split(seed: int = SPLIT_SEED, sizes: dict[str, int] | None = None) -> dict[str, tuple[int, ...]]:
    """Writers 1..30 assigned to "train", "validation" and "test", disjoint and complete.

    The default is the project's fixed split (:data:`SPLIT_SEED`, :data:`SPLIT_SIZES`).
    Returns ``{"train": (...), "validation": (...), "test": (...)}``, ids sorted.
    """
    sizes = sizes or SPLIT_SIZES
    order = [int(w) for w in np.random.default_rng(seed).permutation(np.arange(1, PEN_WRITERS + 1))]
    test = order[: sizes["test"]]
    validation = order[sizes["test"] : sizes["test"] + sizes["validation"]]
    train = order[sizes["test"] + sizes["validation"] :]
    return {"train": tuple(sorted(train)), "validation": tuple(sorted(validation)), "test": tuple(sorted(test))}


def indices_of_writers(pen: PenDigits, writers: tuple[int, ...]) -> np.ndarray:
    """int64 indices of the digits written by ``writers``, in file order."""
    return np.flatnonzero(np.isin(pen.writers, np.asarray(writers)))
