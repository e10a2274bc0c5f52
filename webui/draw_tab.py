"""The Draw tab: draw (or upload) a digit, pick a model, see the prediction and every layer.

Layout and wiring only; :mod:`webui.analysis` translates values. The student's last
drawing with everything the model computed on it stays in the session (``gr.State``):
choosing another layer re-draws from it without running the model again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr
from PIL import Image

from cnndemo.data.pen_render import PAD_BRUSH_PX, PAD_SIZE_PX
from cnndemo.predictor import Predictor
from cnndemo.registry import model_info
from webui import analysis
from webui.drawpad import PAD_TEXT_KEYS, drawpad
from webui.explain_panel import build_explain_panel
from webui.i18n import LANGUAGES, L, model_label, say, t
from webui.settings import Settings

log = logging.getLogger("cnndemo.draw")


def model_choices(predictor: Predictor, lang: str) -> list[tuple[str, str]]:
    """(label, key) pairs for the model dropdown, in ``lang``."""
    choices = []
    for key in predictor.keys():
        entry = predictor.get(key)
        choices.append((model_label(model_info(entry.arch).display_name, entry.source, entry.card, lang), key))
    return choices


def pad_texts() -> dict[str, dict[str, str]]:
    """The drawing pad's words in every language."""
    return {lang: {key: t(f"pad.{key}", lang) for key in PAD_TEXT_KEYS} for lang in LANGUAGES}


def default_model_key(predictor: Predictor) -> str:
    """The model selected when a page opens: a model saved from the Train tab, else SimpleCNN."""
    saved = [key for key in predictor.keys() if predictor.get(key).source == "saved"]
    return saved[-1] if saved else predictor.keys()[0]


@dataclass
class DrawTab:
    """The Draw tab's components other parts of the page need."""

    pad: gr.HTML
    model: gr.Dropdown
    layer: gr.Dropdown
    feature_map: gr.Image
    drawing: gr.State


def build_draw_tab(predictor: Predictor, settings: Settings, lang_state: gr.State, page_loaders: list) -> DrawTab:
    """Add the Draw tab's components and events to the current Blocks."""
    first = default_model_key(predictor)
    lang0 = settings.language
    drawing_state = gr.State(None)  # analysis.Drawing of the last drawing, per session

    with gr.Row(elem_classes="cnndemo-row"):
        with gr.Column(scale=4, min_width=300):
            pad_px = 360 if settings.kiosk else PAD_SIZE_PX  # a kiosk's pad is larger; its brushes grow with it
            pad = drawpad(elem_id="drawpad", texts=pad_texts(), lang=lang0, size_px=pad_px,
                          brush_px=PAD_BRUSH_PX * pad_px / PAD_SIZE_PX)
            model = gr.Dropdown(model_choices(predictor, lang0), value=first, label=L("draw.model"), elem_id="model")
            with gr.Accordion(L("draw.upload"), open=False, visible=not settings.hides("upload")):
                upload = gr.Image(type="pil", sources=["upload", "clipboard"], label=L("draw.upload_label"),
                                  elem_id="upload", height=200)
        with gr.Column(scale=5, min_width=300):
            label = gr.Label(num_top_classes=analysis.TOP_K, label=L("draw.prediction"), elem_id="prediction")
            message = gr.Markdown(elem_id="message")  # worded in the page's language when it opens
            with gr.Row():
                model_input = gr.Image(label=L("draw.model_input"), elem_id="model-input",
                                       elem_classes="cnndemo-small", height=180, format="png",
                                       interactive=False, buttons=[])
                resized_input = gr.Image(label=L("draw.resized_input"), elem_id="resized-input",
                                         elem_classes="cnndemo-small", height=180, format="png",
                                         interactive=False, buttons=[], visible=False)
    with gr.Row(elem_classes="cnndemo-row"):
        with gr.Column(scale=2, min_width=220):
            layer = gr.Dropdown(analysis.layer_choices(predictor, first), value=analysis.default_layer(predictor, first),
                                label=L("draw.layer"), elem_id="layer")
            gr.Markdown(L("draw.feature_help"))
        with gr.Column(scale=5):
            feature_map = gr.Image(label=L("draw.feature_maps"), elem_id="feature-map", format="png", height=420,
                                   interactive=False, buttons=["fullscreen"])
    panel = build_explain_panel(predictor, lang_state, drawing_state, model, layer, feature_map, page_loaders)
    steps_open = gr.State(False)  # the steps are drawn only while their accordion is open
    with gr.Accordion(L("draw.steps_title"), open=False) as steps_accordion:
        steps = gr.Image(label=L("draw.steps_label"), elem_id="steps", format="png", interactive=False, buttons=[],
                         height=150)
    with gr.Accordion(L("draw.architecture"), open=False):
        architecture = gr.Dataframe(analysis.architecture_rows(predictor, first, lang0),
                                    headers=analysis.architecture_headers(lang0), interactive=False, wrap=True,
                                    elem_id="architecture")

    def show(result: analysis.Analysis, with_steps: bool = True) -> dict:
        updates = {
            label: result.top_k,
            model_input: result.model_input,
            resized_input: gr.Image(value=result.resized_input, visible=result.resized_input is not None),
            feature_map: gr.Image(value=result.feature_map, label=result.feature_caption),
            message: result.message,
            drawing_state: result.drawing,
        }
        if with_steps and (result.drawing is None or result.steps is not None):
            updates[steps] = result.steps
        return updates

    outputs = [label, model_input, resized_input, feature_map, message, drawing_state, steps, *panel.outputs]
    # The chosen cell (panel.chosen) is outlined on the new feature maps and explained again.
    extra_inputs = [lang_state, steps_open, panel.chosen, panel.kernels_open]

    def analysed(picture: Image.Image | None, key: str, layer_name: str, lang: str, with_steps: bool,
                 chosen: tuple | None, kernels_open: bool) -> dict:
        cell = chosen[1] if chosen and chosen[0] == layer_name else None
        result = analysis.analyse_picture(predictor, key, picture, layer_name, lang, with_steps, cell)
        return show(result, with_steps) | panel.follow(predictor, result.drawing, chosen, lang, kernels_open)

    def on_draw(value: str, key: str, layer_name: str, lang: str, with_steps: bool, chosen, kernels_open: bool):
        try:
            picture = analysis.decode_data_url(value)
        except analysis.BadPictureError as error:
            log.info("unreadable drawing: %s", error)
            return show(analysis.empty_analysis(lang, f"⚠️ {say(error, lang)}"))
        return analysed(picture, key, layer_name, lang, with_steps, chosen, kernels_open)

    def on_upload(picture: Image.Image | None, key: str, layer_name: str, lang: str, with_steps: bool, chosen,
                  kernels_open: bool):
        return analysed(picture, key, layer_name, lang, with_steps, chosen, kernels_open)

    def on_steps_open(drawing: analysis.Drawing | None, lang: str):
        return {steps_open: True, steps: analysis.steps_picture(drawing, lang)}

    steps_accordion.expand(on_steps_open, [drawing_state, lang_state], [steps_open, steps], api_visibility="private",
                           show_progress="hidden")
    steps_accordion.collapse(lambda: False, None, steps_open, api_visibility="private", show_progress="hidden")

    def on_layer(drawing: analysis.Drawing | None, layer_name: str, lang: str):
        if drawing is None:
            return gr.skip()
        picture, caption, _ = analysis.show_layer(predictor, drawing, layer_name, lang)
        return gr.Image(value=picture, label=caption)

    def on_model(drawing: analysis.Drawing | None, key: str, lang: str, chosen, kernels_open: bool):
        layer_name = analysis.default_layer(predictor, key)
        updates = {
            layer: gr.Dropdown(choices=analysis.layer_choices(predictor, key), value=layer_name),
            architecture: gr.Dataframe(value=analysis.architecture_rows(predictor, key, lang),
                                       headers=analysis.architecture_headers(lang)),
        }
        if drawing is None:
            return updates | show(analysis.empty_analysis(lang)) | panel.follow(predictor, None, chosen, lang, False)
        result = analysis.analyse_digit(predictor, key, drawing.digit, layer_name, lang, steps=drawing.steps)
        return (updates | show(result, with_steps=False)
                | panel.follow(predictor, result.drawing, chosen, lang, kernels_open, model_changed=True))

    pad.change(on_draw, [pad, model, layer, *extra_inputs], outputs, api_visibility="private",
               trigger_mode="always_last", show_progress="hidden")
    upload.change(on_upload, [upload, model, layer, *extra_inputs], outputs, api_visibility="private",
                  show_progress="hidden")
    layer.input(on_layer, [drawing_state, layer, lang_state], feature_map, api_visibility="private",
                show_progress="hidden")
    model.input(on_model, [drawing_state, model, lang_state, panel.chosen, panel.kernels_open],
                [layer, architecture, *outputs],
                api_visibility="private", show_progress="hidden")

    def on_language(lang: str, drawing: analysis.Drawing | None, key: str, layer_name: str):
        """The tab's words in ``lang`` (when the page opens, and on a switch: the drawing stays)."""
        updates = {
            model: gr.Dropdown(choices=model_choices(predictor, lang)),
            architecture: gr.Dataframe(value=analysis.architecture_rows(predictor, key, lang),
                                       headers=analysis.architecture_headers(lang)),
        }
        if drawing is None:
            return updates | {message: t("draw.prompt", lang)}
        _, caption, _ = analysis.show_layer(predictor, drawing, layer_name, lang)
        return updates | {message: analysis.drawing_message(predictor, drawing, lang),
                          feature_map: gr.Image(label=caption)}

    page_loaders.append((on_language, [drawing_state, model, layer], [model, architecture, message, feature_map]))
    return DrawTab(pad=pad, model=model, layer=layer, feature_map=feature_map, drawing=drawing_state)
