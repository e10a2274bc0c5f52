"""The explanations' error: :class:`ExplainError`, a :class:`~cnndemo.messages.CnnDemoError`.

Codes (all registered in :data:`cnndemo.messages.CODES` and worded in ``locales/``):

- :data:`LAYER_UNKNOWN` ``"model.layer_unknown"`` (model, received, available): no layer of
  that name in the model.
- :data:`CELL_OUTSIDE` ``"explain.cell_outside"`` (layer, channel, row, col, channels, rows,
  cols; also cell, shape): the cell is not in the layer's output. A vector layer of n units
  reads as n channels of 1x1 (``row = col = 0``).
- :data:`LAYER_WITHOUT_VALUES` ``"explain.layer_kind"`` (layer, kind): the input, Flatten and
  Dropout only pass values on, and other layer kinds have no recomputation here.
- :data:`BAD_SETTING` ``"playground.setting"`` (field, low, high, received): a playground
  number out of range; :data:`BAD_CHOICE` ``"train.choice"`` (field, choices, received): a
  playground choice not offered; :data:`BAD_SHAPE` ``"drawing.bad_shape"`` (shape): an image
  that is not 28x28.
"""

from __future__ import annotations

from cnndemo.messages import CnnDemoError

LAYER_UNKNOWN = "model.layer_unknown"
CELL_OUTSIDE = "explain.cell_outside"
LAYER_WITHOUT_VALUES = "explain.layer_kind"
BAD_SETTING = "playground.setting"
BAD_CHOICE = "train.choice"
BAD_SHAPE = "drawing.bad_shape"


class ExplainError(CnnDemoError, ValueError):
    """A cell or setting the explanations cannot use (codes in the module docstring)."""
