"""Translation between Gradio values and cnndemo calls for the Draw tab (no layout here).

Every function takes plain values (a data URL string, a PIL image, a model key, a layer
name, the reader's language) and returns plain values (dicts for ``gr.Label``, PIL
pictures, Markdown strings), so it can be tested without a browser. A student's last
drawing and everything the model computed on it is a :class:`Drawing`, kept per session:
showing another layer or explaining a cell reads it instead of running the model again.
"""

from __future__ import annotations

import binascii
import logging
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from cnndemo.architecture import layer_table
from cnndemo.messages import CnnDemoError
from cnndemo.predictor import ModelOutput, Predictor
from cnndemo.preprocess import PreparedDigit, preprocess
from cnndemo.registry import model_info
from cnndemo.render import digit_picture, feature_grid, feature_layout, steps_strip
from webui.pad_value import decode_value
from webui.i18n import say, t
from webui.sessions import Drawing  # noqa: F401  (the session's drawing; kept here for callers)

TOP_K = 5
MAX_MAPS = 64
log = logging.getLogger("cnndemo.draw")


class BadPictureError(CnnDemoError, ValueError):
    """An upload or data URL that is not a readable picture (``drawing.unreadable``,
    ``upload.not_a_picture``, ``upload.too_large``)."""


def decode_data_url(value: str | None) -> Image.Image | None:
    """The drawing pad's value (``"data:image/png;base64,..."``) -> PIL image; ``""``/None -> None.

    Raises:
        BadPictureError: ``drawing.unreadable``.
    """
    try:
        return decode_value(value, mode=None)
    except (ValueError, binascii.Error, UnidentifiedImageError, OSError) as error:
        raise BadPictureError("drawing.unreadable") from error


def open_picture(path: str) -> Image.Image:
    """Open an uploaded file as a picture.

    Raises:
        BadPictureError: ``upload.not_a_picture`` or ``upload.too_large``.
    """
    try:
        picture = Image.open(path)
        picture.load()
        return picture
    except Image.DecompressionBombError as error:
        raise BadPictureError("upload.too_large") from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise BadPictureError("upload.not_a_picture") from error


@dataclass
class Analysis:
    """Everything the Draw tab shows for one picture and one model."""

    top_k: dict[str, float] | None
    model_input: Image.Image | None
    resized_input: Image.Image | None
    feature_map: Image.Image | None
    feature_caption: str
    message: str
    drawing: Drawing | None
    steps: Image.Image | None = None  # how the drawing became the 28x28 input


def layer_choices(predictor: Predictor, key: str) -> list[str]:
    """Layers whose activations can be shown (conv, pool, resize, dense), in order."""
    return list(predictor.get(key).layer_names)


def default_layer(predictor: Predictor, key: str) -> str:
    """The first convolution (the registry's ``first_conv``): the most instructive layer to show first."""
    return model_info(predictor.get(key).arch).first_conv


def page_of(cell: tuple[int, ...] | None) -> int:
    """The first channel of the page of :data:`MAX_MAPS` maps that shows ``cell``'s channel."""
    return (int(cell[0]) // MAX_MAPS) * MAX_MAPS if cell is not None and len(cell) == 3 else 0


def show_layer(predictor: Predictor, drawing: Drawing, layer: str | None, lang: str,
               cell: tuple[int, ...] | None = None) -> tuple[Image.Image, str, str]:
    """One layer's feature maps from a drawing's activations (no forward pass).

    ``cell``: a unit to outline ((channel, row, col) for maps, (unit,) for dense layers);
    the maps shown are the page of :data:`MAX_MAPS` channels that holds it.

    Returns:
        (picture, caption, layer shown): an unknown layer falls back to the default one.
    """
    activations = drawing.output.activations
    if layer not in activations:
        layer, cell = default_layer(predictor, drawing.key), None
    activation = activations[layer]
    if cell is not None and len(cell) != activation.ndim:
        cell = None
    first_channel = page_of(cell)
    kind = predictor.layer(drawing.key, layer).kind
    layout = feature_layout(activation.shape, max_maps=MAX_MAPS, first_channel=first_channel)
    shape = "×".join(str(d) for d in activation.shape)
    if activation.ndim == 3:
        first, last = layout.channels[0], layout.channels[-1]
        caption = t("draw.feature_caption_maps", lang, layer=layer, kind=kind, shape=shape, first=first, last=last,
                    channels=activation.shape[-1])
    else:
        caption = t("draw.feature_caption_units", lang, layer=layer, kind=kind, shape=shape)
    picture = feature_grid(activation, max_maps=MAX_MAPS, first_channel=first_channel, mark=cell)
    return picture, caption, layer


def step_captions(lang: str) -> dict[str, str]:
    """The preprocessing steps' captions in ``lang``."""
    return {name: t(f"steps.{name}", lang) for name in ("ink", "cropped", "fitted", "centered")}


def analyse_digit(predictor: Predictor, key: str, digit: np.ndarray, layer: str | None, lang: str,
                  steps: dict[str, np.ndarray] | None = None, cell: tuple[int, ...] | None = None) -> Analysis:
    """Run one prepared (28, 28, 1) digit through model ``key`` and render the chosen layer
    (``cell`` outlined, see :func:`show_layer`)."""
    output: ModelOutput = predictor.run(key, digit)
    drawing = Drawing(key, digit, output, steps, predictor=predictor)
    feature_map, caption, _ = show_layer(predictor, drawing, layer, lang, cell)
    resized = resized_input(predictor, drawing)
    return Analysis(
        top_k=output.top_k(TOP_K),
        # At their own size: the browser enlarges them with sharp pixels (less to encode and send).
        model_input=digit_picture(digit, 28),
        resized_input=digit_picture(resized, resized.shape[0]) if resized is not None else None,
        feature_map=feature_map,
        feature_caption=caption,
        message=drawing_message(predictor, drawing, lang),
        drawing=drawing,
    )


def resized_input(predictor: Predictor, drawing: Drawing) -> np.ndarray | None:
    """The enlarged image AlexNet / VGG16 computed on (None for SimpleCNN)."""
    info = model_info(predictor.get(drawing.key).arch)
    return drawing.output.activations.get(info.resize) if info.resize else None


def drawing_message(predictor: Predictor, drawing: Drawing, lang: str) -> str:
    """What the model saw and how long its pass took, in ``lang``."""
    entry = predictor.get(drawing.key)
    info = model_info(entry.arch)
    message = t("draw.seen_resized" if info.resize else "draw.seen", lang, model=info.display_name,
                side=info.input_size, ms=drawing.seconds * 1000, precision=entry.precision)
    if not entry.trained:
        message += "  \n" + t("draw.untrained_note", lang)
    return message


def empty_analysis(lang: str, message: str | None = None) -> Analysis:
    """What the tab shows when there is nothing to classify."""
    return Analysis(None, None, None, None, t("draw.feature_maps", lang), message or t("draw.prompt", lang), None)


def analyse_picture(predictor: Predictor, key: str, picture: Image.Image | None, layer: str | None,
                    lang: str, with_steps: bool = True, cell: tuple[int, ...] | None = None) -> Analysis:
    """Preprocess a drawing or upload and analyse it; blank or unreadable input -> a message.

    ``with_steps``: also draw the preprocessing steps (skipped while nobody looks at them).
    """
    if picture is None:
        return empty_analysis(lang)
    try:
        prepared: PreparedDigit = preprocess(picture)
    except CnnDemoError as error:
        log.info("drawing refused: %s", error)
        prompt = t("draw.prompt", lang)
        return empty_analysis(lang, f"{prompt}  \n{say(error, lang)}" if error.code.startswith("drawing.empty")
                              else f"⚠️ {say(error, lang)}")
    result = analyse_digit(predictor, key, prepared.image, layer, lang, steps=prepared.steps, cell=cell)
    if with_steps:
        result.steps = steps_picture(result.drawing, lang)
    return result


def steps_picture(drawing: Drawing | None, lang: str) -> Image.Image | None:
    """The preprocessing steps of a drawing, captioned in ``lang`` (None without steps)."""
    if drawing is None or drawing.steps is None:
        return None
    return steps_strip(drawing.steps, step_captions(lang))


ARCHITECTURE_COLUMNS = ("layer", "type", "output_shape", "params", "output_size", "param_arithmetic", "what_it_does")


def architecture_headers(lang: str) -> list[str]:
    """The architecture table's column headers in ``lang``."""
    return [t(f"arch.header.{column}", lang) for column in ARCHITECTURE_COLUMNS]


def architecture_rows(predictor: Predictor, key: str, lang: str) -> list[list[str]]:
    """Rows for the architecture table, with a total row at the end."""
    entry = predictor.get(key)
    rows = [
        [r.name, r.kind, r.output_shape, f"{r.params:,}" if r.params else "", r.size_formula, r.params_formula,
         say(r.note, lang)]
        for r in layer_table(entry.layers)
    ]
    rows.append([t("arch.total", lang), "", "", f"{entry.params:,}", "", "", ""])
    return rows
