"""Activations, digits and results -> pictures, with numpy and Pillow only (no pyplot in a server).

Every function returns a ``PIL.Image.Image`` and keeps no state. Words drawn into a
picture (axis titles, captions) come from the caller, in the reader's language.
"""

from cnndemo.render.colors import VIRIDIS
from cnndemo.render.digits import digit_picture, grey_picture, steps_strip
from cnndemo.render.explain import kernel_grid, receptive_field_picture, signed_map_grid
from cnndemo.render.features import FeatureLayout, feature_cell_at, feature_grid, feature_layout, unit_box
from cnndemo.render.training import confusion_cell_at, confusion_picture, prediction_grid

__all__ = [
    "VIRIDIS", "digit_picture", "grey_picture", "steps_strip", "FeatureLayout", "feature_cell_at", "feature_grid",
    "feature_layout", "unit_box", "confusion_cell_at", "confusion_picture", "prediction_grid",
    "receptive_field_picture", "kernel_grid", "signed_map_grid",
]
