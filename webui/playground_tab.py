"""The Conv2D playground tab (the notes' §4): filters, kernel_size, strides and padding of one
Conv2D on the student's drawing, with the output size worked out and the feature maps.

Layout and wiring only; :mod:`webui.playground_view` translates values. It reads the Draw
tab's last drawing from the session: nothing is drawn twice.
"""

from __future__ import annotations

import logging

import gradio as gr

from cnndemo.messages import CnnDemoError
from webui import playground_view
from webui.i18n import L, say

log = logging.getLogger("cnndemo.playground")


def build_playground_tab(lang_state: gr.State, drawing_state: gr.State, tab: gr.Tab, page_loaders: list) -> None:
    """Add the playground's components and events to the current Blocks (inside ``tab``)."""
    gr.Markdown(L("playground.intro"))
    with gr.Row(elem_classes="cnndemo-row"):
        with gr.Column(scale=2, min_width=260):
            filters = gr.Slider(1, 16, value=4, step=1, label=L("playground.filters"), elem_id="pg-filters")
            kernel_size = gr.Slider(1, 9, value=3, step=1, label=L("playground.kernel_size"), elem_id="pg-kernel")
            stride = gr.Slider(1, 4, value=1, step=1, label=L("playground.strides"), elem_id="pg-stride")
            padding = gr.Radio([("valid", "valid"), ("same", "same")], value="valid", label=L("playground.padding"),
                               elem_id="pg-padding")
            kernels = gr.Radio([(L("playground.kernels.edges"), "edges"), (L("playground.kernels.random"), "random")],
                               value="edges", label=L("playground.kernels"), elem_id="pg-kernels")
            seed = gr.Number(0, label=L("playground.seed"), precision=0, minimum=0, elem_id="pg-seed")
        with gr.Column(scale=5, min_width=300):
            formula = gr.Markdown(elem_id="pg-formula")
            source = gr.Markdown(elem_id="pg-source")
            kernel_pictures = gr.Image(label=L("playground.kernels"), elem_id="pg-kernel-pictures", format="png",
                                       height=120, interactive=False, buttons=[])
            maps = gr.Image(label=L("playground.maps"), elem_id="pg-maps", format="png", height=360,
                            interactive=False, buttons=["fullscreen"])
    settings = [filters, kernel_size, stride, padding, kernels, seed]
    outputs = [formula, source, kernel_pictures, maps]

    def on_change(drawing, filters_value, size, stride_value, padding_value, kernels_value, seed_value, lang: str):
        try:
            view = playground_view.playground(drawing, filters_value, size, stride_value, padding_value,
                                              kernels_value, seed_value, lang)
        except CnnDemoError as error:
            log.info("playground refused: %s", error)
            return {formula: "⚠️ " + say(error, lang)}
        return {formula: view.formula, source: view.source, kernel_pictures: view.kernels,
                maps: gr.Image(value=view.maps, label=view.maps_caption)}

    inputs = [drawing_state, *settings, lang_state]
    private = dict(api_visibility="private", show_progress="hidden")
    for control in settings:
        control.input(on_change, inputs, outputs, trigger_mode="always_last", **private)
    tab.select(on_change, inputs, outputs, **private)  # the drawing may have changed in the Draw tab

    def on_language(lang: str, drawing, *values):
        return on_change(drawing, *values, lang)

    page_loaders.append((on_language, [drawing_state, *settings], outputs))
