"""The whole page: header, tabs (chosen by the settings) and the API, around one Predictor.

Layout and wiring only. Each tab lives in its own module (``draw_tab``, ``train_tab``)
beside its translation layer; this module puts them together and runs, when a page
opens, the tabs' loaders in the page's language.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from cnndemo.jobs import TrainingManager
from cnndemo.predictor import Predictor
from cnndemo.registry import model_info
from webui.api import build_api
from webui.draw_tab import build_draw_tab, model_choices
from webui.i18n import L, say, t
from webui.language import request_language
from webui.settings import Settings
from webui.train_tab import build_train_tab

CSS = (Path(__file__).resolve().parent / "static" / "app.css").read_text(encoding="utf-8")


def header_text(predictor: Predictor, lang: str) -> str:
    """The line under the title: device, each model's precision, and models without weights."""
    precisions = ", ".join(
        f"{model_info(predictor.get(key).arch).display_name} **{predictor.get(key).precision}**"
        for key in predictor.keys() if predictor.get(key).source == "shipped")
    text = t("header.running_on", lang, device=predictor.device, precisions=precisions)
    for key, problem in predictor.problems.items():
        text += "\n\n⚠️ " + t("header.untrained", lang, model=model_info(key).display_name,
                              problem=say(problem, lang))
    return text


def build_demo(predictor: Predictor, manager: TrainingManager, settings: Settings) -> gr.Blocks:
    """The whole app around an already-loaded predictor and a training manager."""
    page_loaders: list = []
    with gr.Blocks(title="cnndemo · CNN classroom") as demo:
        lang_state = gr.State(None)  # the page's language, set when it opens (None for API calls)
        gr.Markdown(L("header.title"), elem_id="title")
        header = gr.Markdown(elem_id="header")
        with gr.Tabs():
            with gr.Tab(L("tab.draw"), id="draw"):
                draw = build_draw_tab(predictor, settings, lang_state, page_loaders)
            with gr.Tab(L("tab.train"), id="train", visible=not settings.hides("train")):
                build_train_tab(predictor, manager, settings, lang_state, page_loaders)
        build_api(predictor, settings)

        def detect_language(request: gr.Request) -> str:
            return request_language(request, settings.language)

        def on_load(lang: str):
            # Models trained since start-up are not in the choices the page was built with.
            return {header: header_text(predictor, lang), draw.model: gr.Dropdown(choices=model_choices(predictor, lang))}

        loading = demo.load(detect_language, None, lang_state, api_visibility="private")
        loading.then(on_load, [lang_state], [header, draw.model], api_visibility="private")
        for loader, outputs in page_loaders:
            loading.then(loader, [lang_state], outputs, api_visibility="private")
    return demo
