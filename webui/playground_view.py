"""Translation for the Conv2D playground tab (no Gradio here; tested without a browser):
the student's settings and last drawing -> one Conv2D's output size worked out with the
notes' formula, its kernels and its feature maps (:func:`cnndemo.explain.conv2d_playground`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image

from cnndemo.explain import conv2d_playground
from cnndemo.render import kernel_grid, signed_map_grid
from webui import analysis
from webui.i18n import t

SAMPLE_DIGIT = 0  # MNIST's first test digit (a 7), used until the student draws


@lru_cache(maxsize=1)
def sample_digit() -> np.ndarray:
    """Float32 (28, 28) in [0, 1]: a digit to start from before anything is drawn."""
    from cnndemo.data.sets import mnist_set

    return mnist_set("test").images[SAMPLE_DIGIT].astype(np.float32) / 255.0


@dataclass
class PlaygroundView:
    """What the tab shows: the formula (Markdown), the kernels, the maps, where the image came from."""

    formula: str
    kernels: Image.Image
    maps: Image.Image
    maps_caption: str
    source: str


def playground(drawing: analysis.Drawing | None, filters: int, kernel_size: int, stride: int, padding: str,
               kernels: str, seed: int, lang: str) -> PlaygroundView:
    """One Conv2D on the last drawing's 28×28 input (or a sample digit before the first drawing).

    Raises:
        ExplainError: ``playground.setting`` for a setting out of range.
    """
    image = np.asarray(drawing.digit, np.float32)[..., 0] if drawing is not None else sample_digit()
    result = conv2d_playground(image, int(filters), int(kernel_size), int(stride), padding, kernels, int(seed or 0))
    formula = result.formula
    out, count = result.output.shape[0], result.output.shape[-1]
    if padding == "same":
        text = t("playground.formula_same", lang, w=formula["W"], s=formula["S"], out=out, pad_total=formula["pad_total"],
                 pad_top=formula["pad_top"], pad_after=formula["pad_bottom"], filters=count)
    else:
        text = t("playground.formula_valid", lang, w=formula["W"], k=formula["K"], p=0, s=formula["S"], out=out,
                 filters=count)
    k = int(kernel_size)
    text += "\n\n" + t("playground.params", lang, k=k, filters=count, params=(k * k + 1) * count)
    maps = signed_map_grid(np.moveaxis(result.output, -1, 0), columns=min(8, count))
    kernel_pictures = kernel_grid(np.moveaxis(result.kernels[:, :, 0, :], -1, 0), columns=min(8, count))
    caption = t("playground.maps_shape", lang, out=out, filters=count)
    source = t("playground.from_drawing" if drawing is not None else "playground.from_sample", lang)
    return PlaygroundView(text, kernel_pictures, maps, caption, source)
