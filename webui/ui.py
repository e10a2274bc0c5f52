"""The whole page: header, tabs (chosen by the settings) and the API, around one Predictor.

Layout and wiring only. Each tab lives in its own module (``draw_tab``, ``train_tab``)
beside its translation layer; this module puts them together and runs, when a page
opens, the tabs' loaders in the page's language.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from cnndemo.jobs import TrainingLimits, TrainingManager
from cnndemo.predictor import Predictor
from cnndemo.registry import model_info
from webui.api import build_api
from webui.draw_tab import build_draw_tab, model_choices
from webui.i18n import L, say, t
from webui.language import language_js
from webui.playground_tab import build_playground_tab
from webui.settings import Settings
from webui.train_tab import build_train_tab

STATIC = Path(__file__).resolve().parent / "static"
CSS = (STATIC / "app.css").read_text(encoding="utf-8")
KIOSK_CSS = (STATIC / "kiosk.css").read_text(encoding="utf-8")
KIOSK_JS = "\n".join(line for line in (STATIC / "kiosk.js").read_text(encoding="utf-8").splitlines()
                     if not line.startswith("//"))
FEATURE_CLICK_JS = "\n".join(line for line in (STATIC / "feature_click.js").read_text(encoding="utf-8").splitlines()
                             if not line.startswith("//"))
MAX_SESSIONS = 300  # sessions whose state (the last drawing's activations) the server keeps


def launch_options(settings: Settings) -> dict:
    """Arguments of ``demo.launch`` for these settings (app.py, the tests and the benchmarks)."""
    from webui.i18n import i18n

    return dict(
        server_name=settings.host, server_port=settings.port, max_file_size="20mb", i18n=i18n(),
        head=page_head(settings.language),
        css=CSS + (KIOSK_CSS if settings.kiosk else ""),
        # The footer's "Use via API" and "Settings" are for a laptop, not a kiosk.
        footer_links=[] if settings.kiosk else (["gradio", "settings"] if settings.hides("api") else None),
        run_history=False,  # nothing of one student's drawings is kept in the browser for the next
        state_session_capacity=MAX_SESSIONS,
    )


def page_head(default_language: str) -> str:
    """The page's head: the language chosen before Gradio draws the page.

    Gradio 6.31 starts its translations in the browser's language (English when that is neither
    Korean nor English) and adds this head just before it draws the page. The chooser
    (webui/static/language.js) switches Gradio's translations there, which takes a moment: until
    then, and until the title and header above the pad are drawn, the page stays hidden, so
    nobody sees it in one wording and then jump into the other, or the pad pushed down (by
    57-245 px at phone width, seen under load). Shown after 3 s whatever happens.
    """
    return ("<style>html.cnndemo-wording gradio-app { visibility: hidden; }</style>"
            "<script>document.documentElement.classList.add('cnndemo-wording');"
            "setTimeout(() => { if (document.documentElement.classList.contains('cnndemo-wording')) {"
            "console.warn('cnndemo: the page was shown after 3 s, not drawn by then');"
            "document.documentElement.classList.remove('cnndemo-wording'); } }, 3000);"
            f"({language_js(default_language)})('');</script>")


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
    cache_s = int(settings.cache_hours * 3600)
    # Uploads and the pictures sent to browsers are files in Gradio's cache: deleted when an
    # hour (CNNDEMO_CACHE_HOURS) old, checked every hour, so the disk stays bounded.
    with gr.Blocks(title="cnndemo · CNN classroom", delete_cache=(min(cache_s, 3600), cache_s)) as demo:
        lang_state = gr.State(None)  # the page's language, set when it opens (None for API calls)
        with gr.Row(elem_id="title-row"):
            gr.Markdown(L("header.title"), elem_id="title")
            language = gr.Radio([("한국어", "ko"), ("English", "en")], value=None, label=L("header.language"),
                                elem_id="language", scale=0, min_width=180,
                                visible=not settings.hides("language"))
        # Worded in the default language from the start, so the page below does not move when
        # the browser's language is applied a moment after it opens (a pad that jumps under a finger).
        header = gr.Markdown(header_text(predictor, settings.language), elem_id="header")
        with gr.Tabs():
            with gr.Tab(L("tab.draw"), id="draw") as draw_tab:
                draw = build_draw_tab(predictor, settings, lang_state, page_loaders)
            with gr.Tab(L("playground.tab"), id="playground", elem_id="playground-tab") as playground:
                build_playground_tab(lang_state, draw.drawing, playground, page_loaders)
            if not settings.hides("train"):  # hidden on a kiosk: not built at all, so not callable either
                with gr.Tab(L("tab.train"), id="train") as train_tab:
                    build_train_tab(predictor, manager, settings, lang_state, page_loaders)
        if not settings.hides("api"):
            build_api(predictor, settings)

        def choose_language(lang: str) -> tuple[str, str]:
            # The browser chose (webui/static/language.js): ?lang=, its own language, or the default.
            return lang, lang

        # Gradio re-translates only the selected tab's label when the language changes at run
        # time: every tab's label is sent in the page's language instead.
        tab_labels = {draw_tab: "tab.draw", playground: "playground.tab"}
        if not settings.hides("train"):
            tab_labels[train_tab] = "tab.train"

        def on_language(lang: str):
            return {header: header_text(predictor, lang)} | {tab: gr.Tab(label=t(key, lang))
                                                              for tab, key in tab_labels.items()}

        chooser = language_js(settings.language)
        # When the page opens and when the switch is used: the browser picks the language, the
        # server words everything that is not a fixed text (models trained since start-up join
        # the model list then too).
        for event in (demo.load, language.input):
            chosen = event(choose_language, [language], [lang_state, language], js=chooser, api_visibility="private",
                           show_progress="hidden")
            chosen.then(on_language, [lang_state], [header, *tab_labels], api_visibility="private",
                        show_progress="hidden")
            for loader, inputs, outputs in page_loaders:
                chosen.then(loader, [lang_state, *inputs], outputs, api_visibility="private", show_progress="hidden")

        def current_models(lang: str | None):
            # Models trained or saved since the page opened (here or by anyone on the server):
            # "now in the Draw tab" must be true when the student gets there.
            return gr.Dropdown(choices=model_choices(predictor, lang or settings.language))

        draw_tab.select(current_models, [lang_state], [draw.model], api_visibility="private", show_progress="hidden",
                        queue=False)
        demo.load(None, None, None, js=FEATURE_CLICK_JS, api_visibility="private")
        if settings.kiosk:
            demo.load(None, None, None, js=KIOSK_JS.replace("__IDLE__", str(settings.kiosk_idle_s)),
                      api_visibility="private")
    return demo


def create_app(settings: Settings, predictor: Predictor | None = None) -> gr.Blocks:
    """What ``python app.py`` serves for ``settings``: the shipped models and the server's saved
    ones loaded, one training manager with the settings' limits, the page built and queued.
    Launch it with ``demo.launch(**launch_options(settings))``.

    Args:
        predictor: the shipped models, already loaded with ``settings.precision``, for apps that
            share them in one process (the tests' kiosk and Space apps); default: loaded here.
    """
    if predictor is None:
        predictor = Predictor.load(precision=settings.precision, allow_untrained=True)
    predictor.add_saved(settings.user_weights)
    manager = TrainingManager(TrainingLimits(enabled=settings.training_enabled, max_epochs=settings.max_epochs,
                                             max_train_images=settings.max_train_images))
    demo = build_demo(predictor, manager, settings)
    demo.queue(default_concurrency_limit=4, max_size=settings.queue_size)
    return demo
