"""The result of explaining one cell: :class:`CellExplanation`, plain numbers only."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

KINDS = ("conv2d", "maxpool", "dense", "softmax", "global_average", "resize")


def plain(value: Any) -> Any:
    """numpy arrays/scalars, tuples and dicts -> lists, floats, ints, str, dicts (JSON-able)."""
    if isinstance(value, np.ndarray):
        return plain(value.tolist()) if value.dtype.kind not in "fiub" else _array_list(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def _array_list(array: np.ndarray) -> list:
    kind = array.dtype.kind
    if kind == "f" or array.dtype.name == "bfloat16":
        return np.asarray(array, np.float64).tolist()
    return np.asarray(array, np.int64 if kind in "iu" else bool).tolist()


@dataclass
class CellExplanation:
    """How one number of one layer came about, recomputed in numpy.

    Common fields (see :func:`cnndemo.explain.explain_cell` for each kind's ``details``):

    Attributes:
        kind: "conv2d", "maxpool", "dense", "softmax", "global_average" or "resize".
        layer: the layer explained.
        input_layer: the layer whose values it read (Flatten and Dropout skipped; the input
            layer's name, "input", for the first layer).
        cell: [channel, row, col] of a map layer, [unit] of a vector layer.
        value: the model's own activation at the cell (float, from ``activations``).
        recomputed: the same number recomputed here (float64 arithmetic).
        activation: "relu", "linear" or "softmax".
        receptive_field: [top, left, bottom, right], inclusive, in the image the first
            computing layer sees (28x28, or the Resizing output 227x227 / 224x224); the whole
            image for dense, softmax and global-average cells.
        window: [top, left, bottom, right] inclusive of the cell's window in
            ``input_layer``'s map, clipped to it (conv, pool; the source pixels' box for
            resize); None otherwise.
        compute_dtype: the layer's compute dtype as its activations show it ("float32" or
            "bfloat16"); inputs and weights are rounded to it before recomputing, as the
            model does.
        pre_activation: terms_sum + bias (the logit for softmax).
        bias: the bias of the cell's filter/unit (0 for pool, resize, global average).
        terms_sum: sum of all products (float64 accumulation); equals pre_activation and
            recomputed for pool, resize and global average.
        details: the kind-specific fields (also readable as attributes: ``e.channels``).
    """

    kind: str
    layer: str
    input_layer: str
    cell: list[int]
    value: float
    recomputed: float
    activation: str
    receptive_field: list[int]
    window: list[int] | None
    compute_dtype: str
    pre_activation: float
    bias: float
    terms_sum: float
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for item in fields(self):
            setattr(self, item.name, plain(getattr(self, item.name)))

    def __getattr__(self, name: str) -> Any:
        if name != "details" and name in self.__dict__.get("details", {}):
            return self.__dict__["details"][name]
        raise AttributeError(name)

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain JSON-able Python, ``details`` merged in at the top level."""
        common = {item.name: getattr(self, item.name) for item in fields(self) if item.name != "details"}
        return {**common, **plain(self.details)}
