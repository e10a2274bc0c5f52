"""The Draw tab's "inside the network" part: pick a cell of the feature maps (click, tap, or
channel/row/column) and see how the model computed it; the kernels behind the maps.

Layout and wiring only; :mod:`webui.explain_view` translates values. The chosen cell stays
in the session (``gr.State``) and follows the student's drawing: after every stroke the panel
shows the same cell's arithmetic on the new drawing, so its numbers are always the ones on
screen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr

from cnndemo.messages import CnnDemoError
from cnndemo.predictor import Predictor
from cnndemo.render import feature_cell_at, feature_layout
from webui import analysis, explain_view
from webui.i18n import L, say, t

log = logging.getLogger("cnndemo.explain")


def _prompt(text: str) -> str:
    return f"<p class=\"xp-prompt\">{text}</p>"


@dataclass
class ExplainPanel:
    """The panel's components and the session's choice.

    Attributes:
        chosen: ``gr.State`` of (layer, cell) chosen, or None.
        kernels_open: ``gr.State``: the kernels are drawn only while their accordion is open.
    """

    chosen: gr.State
    kernels_open: gr.State
    channel: gr.Number
    row: gr.Number
    col: gr.Number
    field: gr.Image
    html: gr.HTML
    first_kernels: gr.Image
    slices: gr.Image
    hand_kernels: gr.Image
    hand_maps: gr.Image

    @property
    def outputs(self) -> list:
        """What :meth:`follow` may update."""
        return [self.chosen, self.field, self.html, self.slices, self.first_kernels, self.hand_maps]

    def follow(self, predictor: Predictor, drawing: analysis.Drawing | None, chosen: tuple | None, lang: str,
               kernels_open: bool, model_changed: bool = False) -> dict:
        """Updates after a new drawing (or model): the chosen cell on it, the hand filters on it."""
        updates = {}
        if kernels_open:
            updates[self.hand_maps] = explain_view.hand_filters(drawing)[1]
            if model_changed and drawing is not None:
                picture, caption = explain_view.first_kernels(predictor, drawing.key, lang)
                updates[self.first_kernels] = gr.Image(value=picture, label=caption)
        if chosen is None:  # nothing chosen: nothing to change (each stroke stays light)
            return updates
        if drawing is None or model_changed:
            return updates | self.cleared(lang)
        return updates | self.show(predictor, drawing, *chosen, lang, numbers=False)

    def cleared(self, lang: str) -> dict:
        """No cell chosen: the panel asks for one."""
        return {self.chosen: None, self.field: None, self.html: _prompt(t("explain.pick", lang)),
                self.slices: gr.Image(value=None, label=t("kernels.pick", lang))}

    def show(self, predictor: Predictor, drawing: analysis.Drawing | None, layer: str, cell: tuple, lang: str,
             feature_map: gr.Image | None = None, numbers: bool = True) -> dict:
        """The panel for ``cell`` of ``layer`` (and the feature maps with it outlined, if given;
        ``numbers``: also put the cell in the channel/row/column boxes, after a click)."""
        try:
            view = explain_view.explain_drawing(predictor, drawing, layer, cell, lang)
        except CnnDemoError as error:
            log.info("explain refused: %s", error)
            return {self.html: _prompt("⚠️ " + say(error, lang))}
        updates = {
            self.chosen: (layer, view.cell), self.field: view.field, self.html: view.html,
            self.slices: gr.Image(value=view.slices, label=view.slices_caption),
        }
        if numbers:  # not while the student types in them
            updates |= {self.channel: view.cell[0], self.row: view.cell[1] if len(view.cell) == 3 else 0,
                        self.col: view.cell[2] if len(view.cell) == 3 else 0}
        if feature_map is not None:
            updates[feature_map] = gr.Image(value=view.feature_map, label=view.feature_caption)
        return updates


def build_explain_panel(predictor: Predictor, lang_state: gr.State, drawing_state: gr.State, model: gr.Dropdown,
                        layer: gr.Dropdown, feature_map: gr.Image, page_loaders: list) -> ExplainPanel:
    """Add the panel and the kernels accordion under the feature maps, with their events."""
    chosen, kernels_open = gr.State(None), gr.State(False)
    with gr.Group(elem_classes="cnndemo-explain"):
        gr.Markdown(L("explain.title"), elem_classes="cnndemo-heading")
        gr.Markdown(L("explain.help"))
        with gr.Row(equal_height=True):
            channel = gr.Number(0, label=L("explain.channel"), precision=0, minimum=0, elem_id="xp-channel", min_width=90)
            row = gr.Number(0, label=L("explain.row"), precision=0, minimum=0, elem_id="xp-row", min_width=90)
            col = gr.Number(0, label=L("explain.col"), precision=0, minimum=0, elem_id="xp-col", min_width=90)
            button = gr.Button(L("explain.button"), elem_id="xp-explain", variant="secondary", min_width=140)
        with gr.Row():
            field = gr.Image(label=L("explain.field_picture"), elem_id="xp-field", format="png", height=260,
                             interactive=False, buttons=[], scale=2, min_width=220)
            html = gr.HTML(_prompt(""), elem_id="xp-panel", padding=False)
    with gr.Accordion(L("kernels.title"), open=False, elem_id="kernels") as kernels:
        first_kernels = gr.Image(label=L("kernels.first_label"), elem_id="kernels-first", format="png", height=220,
                                 interactive=False, buttons=["fullscreen"])
        slices = gr.Image(label=L("kernels.pick"), elem_id="kernels-slices", format="png", height=220,
                          interactive=False, buttons=["fullscreen"])
        gr.Markdown(L("kernels.hand"))
        with gr.Row():
            hand_kernels = gr.Image(label=L("kernels.hand_kernels"), elem_id="kernels-hand", format="png", height=160,
                                    interactive=False, buttons=[])
            hand_maps = gr.Image(label=L("kernels.hand_maps"), elem_id="kernels-hand-maps", format="png", height=160,
                                 interactive=False, buttons=[])
    panel = ExplainPanel(chosen, kernels_open, channel, row, col, field, html, first_kernels, slices, hand_kernels,
                         hand_maps)
    _wire(panel, predictor, lang_state, drawing_state, model, layer, feature_map, kernels, button, page_loaders)
    return panel


def _wire(panel: ExplainPanel, predictor: Predictor, lang_state: gr.State, drawing_state: gr.State,
          model: gr.Dropdown, layer: gr.Dropdown, feature_map: gr.Image, kernels: gr.Accordion, button: gr.Button,
          page_loaders: list) -> None:
    shown = [panel.chosen, panel.field, panel.html, panel.channel, panel.row, panel.col, panel.slices, feature_map]
    private = dict(api_visibility="private", show_progress="hidden")

    def on_click(drawing: analysis.Drawing | None, layer_name: str, chosen: tuple | None, lang: str,
                 evt: gr.SelectData):
        if drawing is None or layer_name not in drawing.output.activations:
            return {panel.html: _prompt(t("explain.no_drawing", lang))}
        activation = drawing.output.activations[layer_name]
        first = analysis.page_of(chosen[1]) if chosen and chosen[0] == layer_name else 0
        layout = feature_layout(activation.shape, max_maps=analysis.MAX_MAPS, first_channel=first)
        cell = feature_cell_at(layout, *evt.index[:2])
        if cell is None:  # a gap between two maps
            return gr.skip()
        return panel.show(predictor, drawing, layer_name, cell, lang, feature_map)

    def on_numbers(drawing: analysis.Drawing | None, layer_name: str, channel, row, col, lang: str):
        cell = explain_view.cell_of(drawing, layer_name, channel, row, col)
        return panel.show(predictor, drawing, layer_name, cell, lang, feature_map, numbers=False)

    def on_layer(lang: str):  # another layer: its cells are new, pick again
        return panel.cleared(lang)

    def on_kernels(drawing: analysis.Drawing | None, key: str, lang: str):
        picture, caption = explain_view.first_kernels(predictor, drawing.key if drawing else key, lang)
        hand, maps = explain_view.hand_filters(drawing)
        return {panel.kernels_open: True, panel.first_kernels: gr.Image(value=picture, label=caption),
                panel.hand_kernels: hand, panel.hand_maps: maps}

    feature_map.select(on_click, [drawing_state, layer, panel.chosen, lang_state], shown, **private)
    number_inputs = [drawing_state, layer, panel.channel, panel.row, panel.col, lang_state]
    button.click(on_numbers, number_inputs, shown, **private)
    for box in (panel.channel, panel.row, panel.col):
        box.submit(on_numbers, number_inputs, shown, **private)
    layer.input(on_layer, [lang_state], [panel.chosen, panel.field, panel.html, panel.slices], **private)
    kernels.expand(on_kernels, [drawing_state, model, lang_state],
                   [panel.kernels_open, panel.first_kernels, panel.hand_kernels, panel.hand_maps], **private)
    kernels.collapse(lambda: False, None, panel.kernels_open, **private)

    def on_language(lang: str, drawing: analysis.Drawing | None, chosen: tuple | None):
        if chosen is None or drawing is None:
            return {panel.html: _prompt(t("explain.pick", lang))}
        return panel.show(predictor, drawing, *chosen, lang, numbers=False)

    page_loaders.append((on_language, [drawing_state, panel.chosen], shown[:-1]))
