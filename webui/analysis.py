"""Translation between Gradio values and cnndemo calls for the Draw tab (no layout here).

Every function takes plain values (a data URL string, a PIL image, a model key, a layer
name) and returns plain values (dicts for ``gr.Label``, PIL pictures, Markdown strings), so
it can be tested without a browser.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from cnndemo.architecture import layer_table
from cnndemo.predictor import ModelOutput, Predictor
from cnndemo.preprocess import EmptyDrawingError, ImageTooLargeError, PreparedDigit, preprocess
from cnndemo.registry import model_info
from webui.drawpad import decode_value
from cnndemo.render import digit_picture, feature_grid, steps_strip

TOP_K = 5
DRAW_A_DIGIT = "✏️ **Draw a digit (0–9)** · 숫자(0–9)를 그려 보세요."


class BadPictureError(ValueError):
    """An upload or data URL that is not a readable picture."""


def decode_data_url(value: str | None) -> Image.Image | None:
    """The drawing pad's value (``"data:image/png;base64,..."``) -> PIL image; ``""``/None -> None.

    Raises:
        BadPictureError: not a base64 data URL of a readable picture.
    """
    try:
        return decode_value(value, mode=None)
    except (ValueError, binascii.Error, UnidentifiedImageError, OSError) as error:
        raise BadPictureError("The drawing could not be read. Press Clear and draw again.") from error


def open_picture(path: str) -> Image.Image:
    """Open an uploaded file as a picture, with plain-sentence errors (``gr.Error`` by the caller).

    Raises:
        BadPictureError: not a picture, or absurdly large.
    """
    try:
        picture = Image.open(path)
        picture.load()
        return picture
    except Image.DecompressionBombError as error:
        raise BadPictureError("That picture is far too large. Send a smaller picture of one digit.") from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise BadPictureError("That file is not a picture (PNG, JPEG, GIF or WebP). Send a picture of a digit.") from error


@dataclass
class Analysis:
    """Everything the Draw tab shows for one picture and one model."""

    top_k: dict[str, float] | None
    model_input: Image.Image | None
    resized_input: Image.Image | None
    feature_map: Image.Image | None
    feature_caption: str
    message: str
    digit: np.ndarray | None  # float32 (28, 28, 1), kept in the session for re-analysis
    steps: Image.Image | None = None  # how the drawing became the 28x28 input


def layer_choices(predictor: Predictor, key: str) -> list[str]:
    """Layers whose activations can be shown (conv, pool, resize, dense), in order."""
    return list(predictor.get(key).layer_names)


def default_layer(predictor: Predictor, key: str) -> str:
    """The first convolution: the most instructive layer to show first."""
    names = layer_choices(predictor, key)
    return next((n for n in names if "conv" in n), names[0])


def _caption(name: str, kind: str, activation: np.ndarray, max_maps: int) -> str:
    shape = "×".join(str(d) for d in activation.shape)
    if activation.ndim == 3:
        shown = min(max_maps, activation.shape[-1])
        return f"{name} · {kind} · output {shape} · {shown} of {activation.shape[-1]} feature maps"
    return f"{name} · {kind} · {shape} units"


def analyse_digit(predictor: Predictor, key: str, digit: np.ndarray, layer: str | None, max_maps: int = 64) -> Analysis:
    """Run one prepared (28, 28, 1) digit through model ``key`` and render the chosen layer."""
    entry = predictor.get(key)
    output: ModelOutput = predictor.run(key, digit)
    if layer not in output.activations:
        layer = default_layer(predictor, key)
    activation = output.activations[layer]
    kind = type(entry.model.get_layer(layer)).__name__
    resized = output.activations.get("resize")
    info = model_info(entry.arch)
    note = "" if entry.card else " · ⚠️ untrained weights"
    message = (
        f"**{entry.label}** sees the 28×28 image"
        + (f", resized to {info.input_size}×{info.input_size}" if resized is not None else "")
        + f" · forward pass {output.seconds * 1000:.1f} ms ({entry.precision}, {predictor.device}){note}"
    )
    return Analysis(
        top_k=output.top_k(TOP_K),
        model_input=digit_picture(digit, 224),
        resized_input=digit_picture(resized, 224) if resized is not None else None,
        feature_map=feature_grid(activation, max_maps=max_maps),
        feature_caption=_caption(layer, kind, activation, max_maps),
        message=message,
        digit=digit,
    )


def empty_analysis(message: str = DRAW_A_DIGIT) -> Analysis:
    """What the tab shows when there is nothing to classify."""
    return Analysis(None, None, None, None, "Feature maps", message, None)


def analyse_picture(predictor: Predictor, key: str, picture: Image.Image | None, layer: str | None) -> Analysis:
    """Preprocess a drawing or upload and analyse it; blank or unreadable input -> a message."""
    if picture is None:
        return empty_analysis()
    try:
        prepared: PreparedDigit = preprocess(picture)
    except EmptyDrawingError as error:
        return empty_analysis(f"{DRAW_A_DIGIT}  \n{error}")
    except ImageTooLargeError as error:
        return empty_analysis(f"⚠️ {error} Use a smaller picture. · 더 작은 이미지를 사용하세요.")
    result = analyse_digit(predictor, key, prepared.image, layer)
    result.steps = steps_strip(prepared.steps)
    return result


def architecture_rows(predictor: Predictor, key: str) -> list[list[str]]:
    """Rows for the architecture table, with a total row at the end."""
    model = predictor.get(key).model
    rows = [
        [r.name, r.kind, r.output_shape, f"{r.params:,}" if r.params else "", r.size_formula,
         r.params_formula, r.description]
        for r in layer_table(model)
    ]
    rows.append(["total", "", "", f"{model.count_params():,}", "", "", ""])
    return rows


ARCHITECTURE_HEADERS = ["layer", "type", "output shape", "params", "output size", "param arithmetic", "what it does"]
