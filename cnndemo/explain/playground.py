"""The Conv2D playground: one Conv2D layer on a 28x28 drawing, computed in numpy.

Kernels ("edges"): a fixed bank of 16 K x K kernels built on a centred grid
``u = col - (K-1)/2``, ``v = row - (K-1)/2``, taken in this order:

1. 8 edge kernels ``sign(u cos a + v sin a)`` (0 on the line through the centre) for
   a = 0, 90, 180, 270, 45, 135, 225, 315 degrees; at K = 3 these are the Prewitt compass
   kernels and the first two are :data:`HAND_FILTERS` ``vertical_edge`` and
   ``horizontal_edge``.
2. 4 line kernels, 2 on the centre line ``|u cos a + v sin a| <= 0.5`` and -1 elsewhere, for
   a = 0, 90, 45, 135 (vertical, horizontal and the two diagonal lines; [[-1, 2, -1]] * 3
   at K = 3).
3. a centre-surround spot (centre pixels share +(K*K - n_centre), -1 elsewhere: the
   Laplacian-like [[-1,-1,-1],[-1,8,-1],[-1,-1,-1]] at K = 3) and its negative;
4. a box blur (1/K^2 everywhere) and the identity (the centre pixel(s), summing to 1).

A 1x1 kernel cannot see an edge: its edge and spot kernels are 0; at K = 2 the line
kernels and the spot are constant (every pixel is on the centre line).

Kernels ("random"): Glorot-uniform, as Keras initialises a Conv2D: uniform in
``[-limit, limit]``, ``limit = sqrt(6 / (K*K*1 + K*K*filters))``, from
``numpy.random.default_rng(seed)`` (the same seed gives the same kernels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnndemo.explain.errors import BAD_CHOICE, BAD_SETTING, ExplainError
from cnndemo.explain.geometry import output_size, same_padding
from cnndemo.explain.kernels import PADDINGS, correlate, image28

IMAGE_SIDE = 28
LIMITS = {"filters": (1, 16), "kernel_size": (1, 9), "stride": (1, 4), "seed": (0, 2**32 - 1)}
KERNEL_CHOICES = ("edges", "random")


@dataclass
class PlaygroundResult:
    """One Conv2D layer on a drawing.

    Attributes:
        kernels: float32 (K, K, 1, filters), Keras' Conv2D kernel layout.
        bias: float32 (filters,) zeros.
        output: float32 (H_out, W_out, filters), linear (no activation).
        activation: "linear".
        out_size: H_out (= W_out).
        params: (K*K*1 + 1) * filters.
        settings: {"filters", "kernel_size", "stride", "padding", "kernels", "seed"}.
        formula: {"W", "K", "S", "P", "pad_total", "pad_top", "pad_bottom", "result"}: W = 28;
            'valid': P = 0, result = floor((W - K) / S) + 1; 'same': pad_total =
            max((ceil(W/S) - 1)*S + K - W, 0), pad_top = pad_total // 2, pad_bottom the rest,
            P = pad_total / 2 (the notes' P; may be a half), result = ceil(W / S).
    """

    kernels: np.ndarray
    bias: np.ndarray
    output: np.ndarray
    activation: str
    out_size: int
    params: int
    settings: dict[str, Any]
    formula: dict[str, Any]


def _whole(field: str, value: Any) -> int:
    low, high = LIMITS[field]
    try:
        number = float(value)
        ok = not isinstance(value, bool) and number.is_integer() and low <= number <= high
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ExplainError(BAD_SETTING, field=field, low=low, high=high, received=value)
    return int(number)


def _grid(k: int) -> tuple[np.ndarray, np.ndarray]:
    centre = (k - 1) / 2
    v, u = np.meshgrid(np.arange(k) - centre, np.arange(k) - centre, indexing="ij")
    return u, v


def edge_kernels(k: int) -> np.ndarray:
    """The 16 "edges" kernels of size k (module docstring), float32 (16, k, k)."""
    u, v = _grid(k)

    def along(degrees: float) -> np.ndarray:
        a = math.radians(degrees)
        p = u * math.cos(a) + v * math.sin(a)
        return np.where(np.abs(p) < 1e-9, 0.0, p)

    bank = [np.sign(along(a)) for a in (0, 90, 180, 270, 45, 135, 225, 315)]
    bank += [np.where(np.abs(along(a)) <= 0.5 + 1e-9, 2.0, -1.0) for a in (0, 90, 45, 135)]
    centre = (np.abs(u) <= 0.5) & (np.abs(v) <= 0.5)
    n_centre = int(centre.sum())
    spot = np.where(centre, (k * k - n_centre) / n_centre, -1.0)
    bank += [spot, -spot, np.full((k, k), 1.0 / (k * k)), centre / n_centre]
    return np.stack(bank).astype(np.float32)


def random_kernels(k: int, filters: int, seed: int) -> np.ndarray:
    """Glorot-uniform float32 (k, k, 1, filters) from ``numpy.random.default_rng(seed)``."""
    limit = math.sqrt(6.0 / (k * k * 1 + k * k * filters))
    return np.random.default_rng(seed).uniform(-limit, limit, (k, k, 1, filters)).astype(np.float32)


def conv2d_playground(image: np.ndarray, filters: int, kernel_size: int, stride: int, padding: str, kernels: str,
                      seed: int = 0) -> PlaygroundResult:
    """Conv2D(filters, kernel_size, strides=stride, padding, use_bias with zero bias,
    linear) on a float32 (28, 28) (or (28, 28, 1)) image in [0, 1], in numpy.

    Args:
        filters: 1..16; kernel_size: 1..9; stride: 1..4 (whole numbers, floats like 3.0 accepted).
        padding: "valid" or "same"; kernels: "edges" or "random"; seed: 0..2**32-1 ("random").

    Raises:
        ExplainError: ``playground.setting`` (field, low, high, received) for a number out
            of range; ``train.choice`` (field, choices, received) for padding/kernels;
            ``drawing.bad_shape`` (shape) for an image that is not 28x28.
    """
    filters, k, s = _whole("filters", filters), _whole("kernel_size", kernel_size), _whole("stride", stride)
    seed = _whole("seed", seed)
    if padding not in PADDINGS:
        raise ExplainError(BAD_CHOICE, field="padding", choices=list(PADDINGS), received=padding)
    if kernels not in KERNEL_CHOICES:
        raise ExplainError(BAD_CHOICE, field="kernels", choices=list(KERNEL_CHOICES), received=kernels)
    picture = image28(image)
    if kernels == "edges":
        bank = edge_kernels(k)[:filters]
        weights = np.ascontiguousarray(np.transpose(bank, (1, 2, 0))[:, :, None, :])
    else:
        weights = random_kernels(k, filters, seed)
    output = correlate(picture, weights[:, :, 0, :], s, padding)
    pad_top, pad_bottom = same_padding(IMAGE_SIDE, k, s) if padding == "same" else (0, 0)
    result = output_size(IMAGE_SIDE, k, s, padding)
    formula = {"W": IMAGE_SIDE, "K": k, "S": s, "P": (pad_top + pad_bottom) / 2, "pad_total": pad_top + pad_bottom,
               "pad_top": pad_top, "pad_bottom": pad_bottom, "result": result}
    settings = {"filters": filters, "kernel_size": k, "stride": s, "padding": padding, "kernels": kernels, "seed": seed}
    return PlaygroundResult(kernels=weights, bias=np.zeros(filters, np.float32), output=output, activation="linear",
                            out_size=result, params=(k * k + 1) * filters, settings=settings, formula=formula)
