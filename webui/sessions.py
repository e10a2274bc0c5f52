"""What a session keeps of its last drawing, in bounded memory.

A :class:`Drawing` (kept in the session's ``gr.State``) holds the model's input and its
prediction; every layer's activations (0.1 MB for SimpleCNN, 0.8 MB for AlexNet, 14.5 MB for
VGG16 per drawing) live in one :class:`ActivationStore` shared by all sessions, at most
:data:`STORE_BUDGET_BYTES` in all. Gradio keeps the states of hundreds of sessions, closed
ones included, so activations kept in the states themselves would grow with every visitor;
here the least recently used are dropped (and a drawing's as soon as no session keeps it),
and a drawing whose activations were dropped gets them again from one forward pass when it is
next looked at.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import OrderedDict
from typing import Any

import numpy as np

from cnndemo.predictor import ModelOutput

STORE_BUDGET_BYTES = 640 * 2**20  # ~44 VGG16 drawings, ~800 AlexNet, ~6,000 SimpleCNN


def output_bytes(output: ModelOutput) -> int:
    """Bytes held by one forward pass's activations and probabilities."""
    return int(output.probabilities.nbytes + sum(np.asarray(a).nbytes for a in output.activations.values()))


class ActivationStore:
    """Forward passes by token, least recently used dropped beyond ``budget_bytes``. Thread-safe."""

    def __init__(self, budget_bytes: int = STORE_BUDGET_BYTES):
        self.budget_bytes = budget_bytes
        self._outputs: OrderedDict[int, tuple[ModelOutput, int]] = OrderedDict()
        self._bytes = 0
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()

    def put(self, output: ModelOutput) -> int:
        size = output_bytes(output)
        with self._lock:
            token = next(self._tokens)
            self._outputs[token] = (output, size)
            self._bytes += size
            while self._bytes > self.budget_bytes and len(self._outputs) > 1:
                _, (_, dropped) = self._outputs.popitem(last=False)
                self._bytes -= dropped
        return token

    def drop(self, tokens: list[int]) -> None:
        """Forget these outputs (their drawing is gone)."""
        with self._lock:
            for token in tokens:
                kept = self._outputs.pop(token, None)
                if kept is not None:
                    self._bytes -= kept[1]

    def get(self, token: int) -> ModelOutput | None:
        with self._lock:
            kept = self._outputs.get(token)
            if kept is None:
                return None
            self._outputs.move_to_end(token)
            return kept[0]

    @property
    def bytes(self) -> int:
        """Bytes held now (at most ``budget_bytes``, or one output if that alone is larger)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._outputs)


STORE = ActivationStore()


class Drawing:
    """A student's last drawing as one model saw it (kept in the session's ``gr.State``).

    Attributes:
        key: the predictor key of the model that ran.
        digit: float32 (28, 28, 1) in [0, 1]: the model's input.
        steps: the preprocessing steps (uint8 pictures), None for a re-run on another model.
        output: the forward pass (probabilities, every layer's activations, seconds): from the
            shared store, or computed again if the store dropped it (needs ``predictor``).
    """

    def __init__(self, key: str, digit: np.ndarray, output: ModelOutput, steps: dict[str, np.ndarray] | None = None,
                 predictor: Any = None, store: ActivationStore = STORE):
        self.key, self.digit, self.steps = key, digit, steps
        self.probabilities, self.seconds = output.probabilities, output.seconds
        self._predictor, self._store = predictor, store
        self._tokens = [store.put(output)]  # the current one last
        weakref.finalize(self, store.drop, self._tokens)  # a drawing nobody keeps frees its activations

    @property
    def output(self) -> ModelOutput:
        output = self._store.get(self._tokens[-1])
        if output is None:
            if self._predictor is None:
                raise LookupError("the drawing's activations were dropped and no predictor was given to recompute them")
            output = self._predictor.run(self.key, self.digit)
            output.seconds = self.seconds  # the pass the student saw timed
            self._tokens.append(self._store.put(output))
        return output

    def __repr__(self) -> str:
        return f"Drawing(key={self.key!r}, top={int(np.argmax(self.probabilities))})"
