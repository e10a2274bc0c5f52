"""Kernels as pictures want them, and the course notes' hand-made edge filters.

Sign convention of :data:`HAND_FILTERS` (cross-correlation, as Conv2D computes it, on white
ink (1) over black (0)): ``"vertical_edge"`` = [[-1, 0, 1]] * 3 answers positively where the
image gets brighter from left to right (the left edge of a stroke) and negatively where it
gets darker (the right edge); ``"horizontal_edge"`` (its transpose, [[-1, -1, -1], [0, 0, 0],
[1, 1, 1]]) answers positively where it gets brighter from top to bottom (the top edge of a
stroke) and negatively at the bottom edge.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnndemo.explain.errors import BAD_CHOICE, BAD_SETTING, BAD_SHAPE, ExplainError
from cnndemo.explain.geometry import same_padding

_VERTICAL = np.array([[-1, 0, 1]] * 3, np.float32)
HAND_FILTERS: dict[str, np.ndarray] = {"vertical_edge": _VERTICAL, "horizontal_edge": _VERTICAL.T.copy()}
PADDINGS = ("valid", "same")


def kernel_stack(weights: dict[str, np.ndarray], channel: int | None = None) -> np.ndarray:
    """A Conv2D's kernels as float32 (n, K, K) for a picture.

    ``channel=None``: every filter's kernel on input channel 0, (C_out, K, K) (all of the
    first conv's kernels, which see the one-channel image). ``channel=c``: the kernel of
    output channel c, one slice per input channel, (C_in, K, K).

    Raises:
        ExplainError: ``playground.setting`` (field "channel") for a channel outside [0, C_out).
    """
    kernel = np.asarray(weights["kernel"], np.float32)  # (K, K, C_in, C_out)
    if channel is None:
        return np.ascontiguousarray(np.transpose(kernel[:, :, 0, :], (2, 0, 1)))
    if not 0 <= int(channel) < kernel.shape[3]:
        raise ExplainError(BAD_SETTING, field="channel", low=0, high=int(kernel.shape[3]) - 1, received=channel)
    return np.ascontiguousarray(np.transpose(kernel[:, :, :, int(channel)], (2, 0, 1)))


def image28(image: np.ndarray) -> np.ndarray:
    """A (28, 28) or (28, 28, 1) image -> float32 (28, 28).

    Raises:
        ExplainError: ``drawing.bad_shape`` for another shape.
    """
    array = np.asarray(image, np.float32)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.shape != (28, 28):
        raise ExplainError(BAD_SHAPE, shape=list(np.shape(image)))
    return array


def correlate(image: np.ndarray, kernels: np.ndarray, stride: int = 1, padding: str = "valid") -> np.ndarray:
    """What ``keras.layers.Conv2D`` (no bias, linear) computes on one channel: float32
    (H, W) image, float32 (K, K, F) kernels -> float32 (H_out, W_out, F), cross-correlation
    (the kernel is not flipped); 'same' pads zeros as TensorFlow does (the smaller half at
    the top/left)."""
    k = kernels.shape[0]
    if padding == "same":
        top, bottom = same_padding(image.shape[0], k, stride)
        left, right = same_padding(image.shape[1], k, stride)
        image = np.pad(image, ((top, bottom), (left, right)))
    patches = sliding_window_view(image, (k, k))[::stride, ::stride]  # (H_out, W_out, K, K)
    return np.einsum("hwij,ijf->hwf", patches, kernels, optimize=True).astype(np.float32)


def apply_filter(image28_: np.ndarray, kernel: np.ndarray, padding: str = "valid") -> np.ndarray:
    """One 3x3 (or K x K) filter on a 28x28 image, as Conv2D(1 filter, that kernel, no bias)
    computes it: float32 (26, 26) for 'valid' (28 - K + 1 in general), (28, 28) for 'same'.

    Raises:
        ExplainError: ``drawing.bad_shape``; ``train.choice`` (field "padding").
    """
    if padding not in PADDINGS:
        raise ExplainError(BAD_CHOICE, field="padding", choices=list(PADDINGS), received=padding)
    kernel = np.asarray(kernel, np.float32)
    return correlate(image28(image28_), kernel[:, :, None], 1, padding)[:, :, 0]
