"""Weights + card: exact round trip, checksums, replacement, and crash safety."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.unit

from cnndemo.checkpoint import WeightsError, load_weights, read_card, save_weights
from cnndemo.registry import create_model

REPO_ROOT = Path(__file__).resolve().parent.parent


def randomised(model, seed: int):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


def weight_files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir() if p.is_file() and p.name != "simplecnn.json"}


@pytest.fixture
def saved(tmp_path):
    """A SimpleCNN with random weights saved in tmp_path/weights; returns (model, directory)."""
    model = randomised(create_model("simplecnn", dtype="float32"), seed=1)
    directory = tmp_path / "weights"
    save_weights(model, {"model": "simplecnn", "note": "first"}, directory, "simplecnn")
    return model, directory


def test_round_trip_is_exact(saved):
    model, directory = saved
    fresh = create_model("simplecnn", dtype="float32")
    card = load_weights(fresh, directory, "simplecnn")
    assert_same_weights(model, fresh)
    assert card["note"] == "first"


def test_card_records_weights_file_and_checksums(saved):
    _, directory = saved
    card = read_card(directory, "simplecnn")
    assert (directory / card["weights_file"]).is_file()
    assert card["weights_file"] in card["weights_sha256"]
    assert set(card["weights_sha256"]) == weight_files(directory)
    for name, digest in card["weights_sha256"].items():
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest
    assert card["note"] == "first"
    assert all(os.path.getsize(directory / name) < 10_000_000 for name in card["weights_sha256"])


def test_saving_again_replaces_the_card_and_deletes_the_old_files(saved):
    _, directory = saved
    old_files = weight_files(directory)
    second = randomised(create_model("simplecnn", dtype="float32"), seed=2)
    save_weights(second, {"model": "simplecnn", "note": "second"}, directory, "simplecnn")
    card = read_card(directory, "simplecnn")
    assert card["note"] == "second"
    assert weight_files(directory) == set(card["weights_sha256"])
    assert not old_files & weight_files(directory)
    fresh = create_model("simplecnn", dtype="float32")
    load_weights(fresh, directory, "simplecnn")
    assert_same_weights(second, fresh)
    assert not [p for p in directory.iterdir() if p.name.startswith(".saving-")]


def test_corrupted_shard_raises_weights_error(saved):
    _, directory = saved
    shard = next(directory.glob("simplecnn-*_*.weights.h5"))
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=shard.name):
        load_weights(create_model("simplecnn", dtype="float32"), directory, "simplecnn")


def test_missing_weights_file_raises_weights_error(saved):
    _, directory = saved
    card = read_card(directory, "simplecnn")
    (directory / card["weights_file"]).unlink()
    with pytest.raises(WeightsError, match=card["weights_file"]):
        load_weights(create_model("simplecnn", dtype="float32"), directory, "simplecnn")


def test_missing_card_raises_weights_error(tmp_path):
    with pytest.raises(WeightsError, match="simplecnn"):
        load_weights(create_model("simplecnn", dtype="float32"), tmp_path, "simplecnn")


def test_unreadable_card_raises_weights_error(saved):
    _, directory = saved
    (directory / "simplecnn.json").write_text("{not json")
    with pytest.raises(WeightsError, match="simplecnn.json"):
        load_weights(create_model("simplecnn", dtype="float32"), directory, "simplecnn")


def test_weights_of_another_architecture_raise_weights_error(saved):
    _, directory = saved
    other = create_model("simplecnn", dtype="float32", num_classes=5)
    with pytest.raises(WeightsError):
        load_weights(other, directory, "simplecnn")


def test_shipped_simplecnn_weights_match_their_card():
    directory = REPO_ROOT / "weights"
    card = read_card(directory, "simplecnn")
    model = create_model("simplecnn", dtype="float32")
    assert load_weights(model, directory, "simplecnn")["weights_file"] == card["weights_file"]
    assert card["params"] == model.count_params() == 93_322


# ---------------------------------------------------------------- crash safety

PAUSED_SAVE = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from cnndemo import checkpoint
    from cnndemo.registry import create_model

    directory = sys.argv[1]
    model = create_model("simplecnn", dtype="float32")
    rng = np.random.default_rng(99)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])

    real_replace = os.replace

    def replace(src, dst):
        print("PAUSED", dst, flush=True)
        if sys.stdin.readline().strip() != "go":  # the test kills the process instead
            raise SystemExit("no go")
        return real_replace(src, dst)

    checkpoint.os.replace = replace
    checkpoint.save_weights(model, {"model": "simplecnn", "note": "killed"}, directory, "simplecnn")
    print("SAVED", flush=True)
    """
)


def test_a_save_killed_at_any_step_leaves_the_old_weights_loadable(saved, tmp_path):
    """save_weights moves the shard(s), then the index, then the card (each move atomic). A save
    paused before each move leaves on disk what a kill at that moment leaves (a kill changes no
    file): the old card and weights must load at every pause, and after the kill at the card."""
    model, directory = saved
    old_card = read_card(directory, "simplecnn")
    moves = len(old_card["weights_sha256"]) + 1  # shards and index, then the card
    script = tmp_path / "paused_save.py"
    script.write_text(PAUSED_SAVE)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(script), str(directory)], cwd=REPO_ROOT, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        for move in range(1, moves + 1):
            line = process.stdout.readline()  # blocks until the save pauses (or the process ends)
            assert line.startswith("PAUSED"), (move, line, process.stderr.read() if process.poll() is not None else "")
            assert line.split()[1].endswith("simplecnn.json") == (move == moves)
            assert read_card(directory, "simplecnn") == old_card
            fresh = create_model("simplecnn", dtype="float32")
            load_weights(fresh, directory, "simplecnn")
            assert_same_weights(model, fresh)
            if move < moves:
                process.stdin.write("go\n")
                process.stdin.flush()
        os.kill(process.pid, signal.SIGKILL)  # before the card is replaced: all new weight files in place
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()
    assert process.returncode == -signal.SIGKILL

    assert read_card(directory, "simplecnn") == old_card
    fresh = create_model("simplecnn", dtype="float32")
    load_weights(fresh, directory, "simplecnn")
    assert_same_weights(model, fresh)

    # and the next save still works and loads back
    later = randomised(create_model("simplecnn", dtype="float32"), seed=3)
    save_weights(later, {"model": "simplecnn"}, directory, "simplecnn")
    again = create_model("simplecnn", dtype="float32")
    load_weights(again, directory, "simplecnn")
    assert_same_weights(later, again)


def test_saved_weights_hold_the_model_not_the_optimizer(tmp_path):

    import numpy as np

    from cnndemo.checkpoint import save_weights
    from cnndemo.registry import create_model

    model = create_model("simplecnn")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(np.zeros((4, 28, 28, 1), np.float32), np.zeros(4, np.int64), verbose=0)  # creates Adam's slots
    save_weights(model, {}, tmp_path, "simplecnn")
    card = json.loads((tmp_path / "simplecnn.json").read_text())
    index = json.loads((tmp_path / card["weights_file"]).read_text())
    assert not any(key.startswith("/optimizer") for key in index["weight_map"])
    size = sum((tmp_path / name).stat().st_size for name in card["weights_sha256"])
    assert size < 93_322 * 4 * 1.5  # MODELS.md's 93,322 float32 parameters, plus file overhead
