"""Inside the network: how any number of any layer came about, recomputed in numpy.

For one cell of one layer, :func:`explain_cell` takes the layer's weights and the values
of the layer before (from one :meth:`~cnndemo.predictor.Predictor.run`) and recomputes the
cell's value step by step (patch x kernel, window maximum, weighted sum, softmax, mean,
bilinear mix), next to the value the model computed. :func:`receptive_field` says which
pixels of the image a cell depends on. :mod:`~cnndemo.explain.kernels` gives kernels as
stacks for pictures and the notes' hand-made edge filters; :func:`conv2d_playground` runs
one Conv2D layer of the student's choosing on a drawing.

Numbers and codes only: no Gradio, no sentences (the UI words them from ``locales/``).
"""

from cnndemo.explain.cell import explain_cell
from cnndemo.explain.errors import ExplainError
from cnndemo.explain.explanation import KINDS, CellExplanation
from cnndemo.explain.geometry import output_size, receptive_field, same_padding
from cnndemo.explain.kernels import HAND_FILTERS, apply_filter, kernel_stack
from cnndemo.explain.playground import PlaygroundResult, conv2d_playground, edge_kernels

__all__ = [
    "explain_cell", "CellExplanation", "KINDS", "ExplainError", "receptive_field", "output_size", "same_padding",
    "kernel_stack", "HAND_FILTERS", "apply_filter", "conv2d_playground", "PlaygroundResult", "edge_kernels",
]
