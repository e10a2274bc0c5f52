"""Weights files and their cards, written so that a crash never leaves a broken pair.

Layout of a weights directory (``weights/`` for the shipped models)::

    simplecnn.json                        the card: recipe, results, versions, and the
                                          name of the weights file it belongs to
    simplecnn-3f9a2c1d.weights.json       Keras' sharded-weights index (keras >= 3.10)
    simplecnn-3f9a2c1d_00000.weights.h5   shards of at most 9 MB, so each file stays
                                          under a Hugging Face Space's 10 MB limit

Saving writes new, uniquely named weight files next to the old ones, then replaces the
card with ``os.replace`` (atomic on POSIX). The card is the commit point: until it is
replaced, readers see the old card and the old, complete weights; after, the new ones.
Files no card refers to any more are removed last.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import keras

from cnndemo.cards import WeightsError, card_path, read_card
from cnndemo.registry import create_model

__all__ = ["SHIPPED_WEIGHTS_DIR", "WeightsError", "card_path", "read_card", "load_weights", "save_weights"]

SHIPPED_WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
MAX_SHARD_GB = 0.009  # 9.4 MB: every file under a Space's 10 MB limit without Git LFS


def _files_of(directory: Path, weights_file: str) -> list[Path]:
    index = directory / weights_file
    stem = weights_file.removesuffix(".weights.json")
    return [index, *sorted(directory.glob(f"{stem}_*.weights.h5"))]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_weights(model: keras.Model, directory: str | Path, name: str) -> dict[str, Any]:
    """Load the weights named by the card of ``name`` into ``model``; return the card.

    Raises:
        WeightsError: card or weights missing, checksum mismatch, or wrong architecture.
    """
    directory = Path(directory)
    card = read_card(directory, name)
    weights_file = card.get("weights_file")
    if not weights_file or not (directory / weights_file).is_file():
        raise WeightsError("weights.file_missing", path=str(directory / str(weights_file)),
                           card=str(card_path(directory, name)))
    for path in _files_of(directory, weights_file):
        expected = card.get("weights_sha256", {}).get(path.name)
        if expected is not None and _sha256(path) != expected:
            raise WeightsError("weights.corrupt", path=str(path))
    try:
        model.load_weights(directory / weights_file)
    except Exception as error:  # Keras raises ValueError / KeyError / OSError variously
        raise WeightsError("weights.incompatible", path=str(directory / weights_file), model=model.name,
                           reason=str(error)) from error
    return card


def save_weights(model: keras.Model, card: dict[str, Any], directory: str | Path, name: str) -> Path:
    """Save ``model``'s weights and ``card`` into ``directory`` atomically; return the card path.

    ``name`` is the model's registry name (the file stem). Only the model's own weights
    are written, never an optimizer's state.

    The card gains ``weights_file`` and ``weights_sha256``. Old weights of ``name`` are
    deleted only after the new card is in place.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    old_files: list[Path] = []
    if card_path(directory, name).is_file():
        try:
            old_card = json.loads(card_path(directory, name).read_text())
            old_files = _files_of(directory, old_card["weights_file"])
        except (OSError, json.JSONDecodeError, KeyError):
            pass

    weights_file = f"{name}-{uuid.uuid4().hex[:8]}.weights.json"
    with tempfile.TemporaryDirectory(dir=directory, prefix=".saving-") as staging:
        # The model's weights only: a compiled model would also save its optimizer's slots
        # (Adam's m and v: three times the size), so save a fresh, uncompiled copy built
        # from the registry (keras.models.clone_model keeps the compile state).
        if getattr(model, "optimizer", None) is not None:
            weights = model.get_weights()
            model = create_model(name, dtype=model.dtype_policy.name)
            model.set_weights(weights)
        model.save_weights(Path(staging) / weights_file, max_shard_size=MAX_SHARD_GB)
        staged = _files_of(Path(staging), weights_file)
        card = {**card, "weights_file": weights_file, "weights_sha256": {p.name: _sha256(p) for p in staged}}
        # Shards first, index next, card last: each os.replace is atomic, the card commits.
        for path in staged[1:] + staged[:1]:
            os.replace(path, directory / path.name)
        tmp_card = Path(staging) / f"{name}.json"
        tmp_card.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
        with open(tmp_card, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_card, card_path(directory, name))
    # Remove what no card refers to any more: the previous save's files, and the leftovers
    # of a save that was killed before its card was replaced (staging older than an hour).
    keep = set(card["weights_sha256"])
    for path in [*old_files, *directory.glob(f"{name}-*.weights.json"), *directory.glob(f"{name}-*_*.weights.h5")]:
        if path.name not in keep:
            path.unlink(missing_ok=True)
    for staging_dir in directory.glob(".saving-*"):
        if time.time() - staging_dir.stat().st_mtime > 3600:
            shutil.rmtree(staging_dir, ignore_errors=True)
    return card_path(directory, name)
