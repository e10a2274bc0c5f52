"""The Train tab: run a fit on demand and watch the network learn (layout and wiring only).

The rules (one run per server, limits, stop) live in :class:`cnndemo.jobs.TrainingManager`,
the fit in :func:`cnndemo.training.train`, the words and pictures in
:mod:`webui.training_view`. Handlers return ``{component: value}`` updates.
"""

from __future__ import annotations

import logging
import queue
import time

import gradio as gr

from cnndemo.cards import build_card
from cnndemo.checkpoint import SHIPPED_WEIGHTS_DIR, save_weights
from cnndemo.data.sets import DATA_MIXES
from cnndemo.jobs import TrainingManager
from cnndemo.messages import CnnDemoError
from cnndemo.precision import choose_precision
from cnndemo.predictor import Predictor, model_key
from cnndemo.registry import list_models, model_info
from cnndemo.training import OPTIMIZERS, TrainConfig, TrainEvent, TrainResult
from webui import training_view as view
from webui.i18n import L, say, t, user_error
from webui.language import session_language
from webui.settings import Settings

UPDATE_EVERY_S = 0.5
DATA_SIZE = {"mnist": 60_000, "mnist+pen": 74_994}  # training images of each mix (all of them)
log = logging.getLogger("cnndemo.train")


def build_train_tab(predictor: Predictor, manager: TrainingManager, settings: Settings, lang_state: gr.State,
                    page_loaders: list) -> None:
    """Add the Train tab's components and events to the current Blocks.

    Args:
        lang_state: the session's language ("ko" or "en").
        page_loaders: (function(lang, *inputs) -> {component: value}, inputs, outputs) run
            when a page opens and when its language changes; this tab adds its own.
    """
    limits = manager.limits
    gr.Markdown(L("train.intro"))
    limits_note = gr.Markdown(elem_id="train-limits")
    with gr.Row(elem_classes="cnndemo-row"):
        with gr.Column(scale=2, min_width=280):
            model = gr.Dropdown([(model_info(n).display_name, n) for n in list_models()], value="simplecnn",
                                label=L("train.model"), elem_id="train-model")
            data = gr.Radio([(L(f"data.{mix}"), mix) for mix in DATA_MIXES], value="mnist", label=L("train.data"),
                            elem_id="train-data")
            preset = gr.Radio([(L(f"train.preset.{name}"), name) for name in view.PRESETS], value="quick",
                              label=L("train.preset"), elem_id="train-preset")
            epochs = gr.Number(1, label=L("field.epochs"), precision=0, minimum=1, maximum=limits.max_epochs,
                               elem_id="train-epochs")
            train_images = gr.Slider(100, min(DATA_SIZE["mnist"], limits.max_train_images),
                                     value=min(10_000, limits.max_train_images), step=100,
                                     label=L("field.train_images"), elem_id="train-images")
            batch_size = gr.Number(64, label=L("field.batch_size"), precision=0, elem_id="train-batch")
            with gr.Row():
                optimizer = gr.Radio(list(OPTIMIZERS), value="adam", label=L("field.optimizer"),
                                     elem_id="train-optimizer")
                learning_rate = gr.Number(0.001, label=L("field.learning_rate"), elem_id="train-lr")
            augment = gr.Checkbox(False, label=L("train.augment"), elem_id="train-augment")
            precision = gr.Radio([(f"auto ({choose_precision('auto')})", "auto"), ("float32", "float32")],
                                 value="auto", label=L("field.precision"), elem_id="train-precision")
            with gr.Row():
                start = gr.Button(L("train.start"), variant="primary", elem_id="train-start",
                                  interactive=limits.enabled)
                stop = gr.Button(L("train.stop"), variant="stop", elem_id="train-stop")
        with gr.Column(scale=3, min_width=300):
            status = gr.Markdown(L("train.press_start"), elem_id="train-status")
            with gr.Row():
                loss_plot = gr.LinePlot(view.empty_curves(), x="epoch", y="value", color="curve", title="loss",
                                        color_map=view.CURVE_COLOURS, elem_id="loss-plot", height=240,
                                        x_title="epoch", y_title="loss")
                accuracy_plot = gr.LinePlot(view.empty_curves(), x="epoch", y="value", color="curve",
                                            title="accuracy", color_map=view.CURVE_COLOURS,
                                            elem_id="accuracy-plot", height=240, x_title="epoch",
                                            y_title="accuracy")
            summary = gr.Markdown(elem_id="train-summary")
            with gr.Row():
                saver = gr.Textbox(label=L("train.saved_by"), placeholder="", max_length=40, elem_id="train-saver",
                                   scale=2)
                save = gr.Button(L("train.save"), elem_id="train-save", interactive=False, scale=1)
            saved = gr.Markdown(elem_id="train-saved")
    with gr.Accordion(L("train.saved_models"), open=False, elem_id="saved-models-list"):
        saved_table = gr.Dataframe(interactive=False, wrap=True, elem_id="saved-models")
    with gr.Row(elem_classes="cnndemo-row"):
        confusion = gr.Image(label=L("train.confusion"), elem_id="confusion", format="png", interactive=False,
                             buttons=[])
        with gr.Column():
            cell_digits = gr.Image(label=L("train.cell_digits"), elem_id="confusion-cell", format="png",
                                   interactive=False, buttons=[])
            samples = gr.Image(label=L("train.samples"), elem_id="samples", format="png", interactive=False,
                               buttons=[])
    result_state = gr.State(None)  # the session's last TrainResult

    def on_load(lang: str):
        note = t("train.limits.off", lang) if not limits.enabled else (
            t("train.limits.capped", lang, epochs=limits.max_epochs, images=limits.max_train_images)
            if limits.capped else "")
        return {limits_note: note, saved_table: saved_models_table(lang)}

    def saved_models_table(lang: str):
        headers, rows = view.saved_models(settings.user_weights, lang)
        return gr.Dataframe(value=rows, headers=headers)

    def apply_preset(name: str, arch: str, mix: str):
        values = view.preset_values(name, arch, limits.max_epochs, limits.max_train_images, DATA_SIZE.get(mix, 1))
        maximum = min(DATA_SIZE.get(mix, DATA_SIZE["mnist"]), limits.max_train_images)
        if values is None:
            return {train_images: gr.Slider(maximum=maximum)}
        n_epochs, n_images, batch = values
        return {epochs: n_epochs, train_images: gr.Slider(value=n_images, maximum=maximum), batch_size: batch}

    for trigger in (preset.change, model.change, data.change):
        trigger(apply_preset, [preset, model, data], [epochs, train_images, batch_size], api_visibility="private")

    def run(model_name, mix, epochs_count, images_count, batch, optimizer_name, rate, augment_on, precision_name,
            lang, request: gr.Request, progress=gr.Progress()):
        """Train a model and stream its progress (one training at a time per server).

        Args:
            model_name: "simplecnn", "alexnet" or "vgg16".
            mix: training data, "mnist" or "mnist+pen".
            epochs_count: epochs, at least 1.
            images_count: training images per epoch, 100..all of the data.
            batch: batch size, 1..1024.
            optimizer_name: "adam", "rmsprop" or "sgd".
            rate: learning rate, (0, 1].
            augment_on: augment the digits like handwriting (stroke width, elastic, affine).
            precision_name: "auto" or "float32".

        Status lines come in the language of the request's Accept-Language (English by default).
        """
        lang = session_language(lang, request)
        config = TrainConfig(model=model_name, data=mix, epochs=epochs_count, train_images=images_count,
                             batch_size=batch, optimizer=optimizer_name, learning_rate=rate,
                             augment="handwriting" if augment_on else "none", precision=precision_name,
                             validation_images=500 if model_name == "vgg16" else 1000)
        owner = getattr(request, "session_hash", None) or "api"
        try:
            job = manager.start(config, owner=owner)
        except CnnDemoError as error:
            log.info("training refused: %s", error)
            raise user_error(say(error, lang), title=t("train.not_started", lang)) from error
        history: list[TrainEvent] = []
        last_update = 0.0
        try:
            yield {status: view.status_line(None, config, lang), loss_plot: view.empty_curves(),
                   accuracy_plot: view.empty_curves(), summary: "", confusion: None, cell_digits: None,
                   samples: None, save: gr.Button(interactive=False), saved: "", result_state: None}
            while True:
                try:
                    event = job.events.get(timeout=0.25)
                except queue.Empty:
                    continue
                if event is None:
                    break
                if event.kind in ("batch", "validation", "epoch"):
                    history.append(event)
                progress((event.seen, event.total or 1), unit="images",
                         desc=t("train.progress.testing" if event.kind == "evaluate" else "train.progress.training",
                                lang))
                now = time.monotonic()
                if now - last_update >= UPDATE_EVERY_S or event.kind in ("epoch", "prepare", "start"):
                    last_update = now
                    yield {status: view.status_line(event, config, lang),
                           loss_plot: view.curves(history, "loss"), accuracy_plot: view.curves(history, "accuracy")}
        finally:
            job.stop.set()  # the page went away or the generator was cancelled: stop the fit
            if job.thread is not None:
                job.thread.join()
        if job.error is not None:
            log.exception("training failed", exc_info=job.error)
            raise gr.Error(say(job.error, lang))
        result: TrainResult = job.result
        curves_now = {loss_plot: view.curves(history, "loss"), accuracy_plot: view.curves(history, "accuracy")}
        if result.status == "diverged":
            line = view.result_status(result, lang)
            yield {status: f"⚠️ {line}", summary: line, **curves_now}
            return
        key = model_key(model_name, "trained")
        card = build_card(result) | {"source": "trained in the app"}
        predictor.add(key, result.model, card)
        pictures = view.result_pictures(result, lang)
        yield {
            status: f"✅ {view.result_status(result, lang)}  \n"
                    + t("train.now_in_draw_tab", lang, model=model_info(model_name).display_name),
            summary: view.result_summary(result, predictor.get(model_name).card, lang),
            confusion: pictures.confusion, cell_digits: None, samples: pictures.samples,
            save: gr.Button(interactive=True), saved: "", result_state: result, **curves_now,
        }

    start.click(run, [model, data, epochs, train_images, batch_size, optimizer, learning_rate, augment, precision,
                      lang_state],
                [status, loss_plot, accuracy_plot, summary, confusion, cell_digits, samples, save, saved,
                 result_state],
                api_name="train", concurrency_limit=4, show_progress="full", show_progress_on=[status])

    def on_stop(lang: str | None, request: gr.Request):
        lang = session_language(lang, request)
        owner = getattr(request, "session_hash", None) or "api"
        if manager.stop(owner):
            return t("train.stopping", lang)
        if manager.current is not None:
            return t("train.not_yours", lang)
        return t("train.nothing_running", lang)

    stop.click(on_stop, [lang_state], status, api_name="stop_training", queue=False)

    def on_cell(result: TrainResult | None, lang: str, event: gr.SelectData):
        if result is None or result.test_predictions is None:
            return gr.skip()
        shown = view.confusion_cell(result, *event.index, lang)
        if shown is None:
            return gr.skip()
        picture, caption = shown
        return gr.Image(value=picture, label=caption)

    confusion.select(on_cell, [result_state, lang_state], cell_digits, api_visibility="private")

    def on_save(result: TrainResult | None, who: str, lang: str):
        if result is None or result.status == "diverged":
            raise user_error(t("train.nothing_to_save", lang))
        if settings.user_weights.resolve() == SHIPPED_WEIGHTS_DIR.resolve():
            raise user_error(t("train.save_refused_shipped", lang))
        card = build_card(result) | {"source": "trained in the app", "saved_by": (who or "").strip()[:40],
                                     "saved_at": time.strftime("%Y-%m-%d %H:%M")}
        path = save_weights(result.model, card, settings.user_weights, result.config.model)
        predictor.add(model_key(result.config.model, "saved"), result.model, card)  # in the Draw tab at once
        log.info("saved %s (%s, by %r)", path, result.config.model, card["saved_by"])
        return {saved: t("train.saved", lang, path=str(path), model=model_info(result.config.model).display_name),
                saved_table: saved_models_table(lang)}

    save.click(on_save, [result_state, saver, lang_state], [saved, saved_table], api_visibility="private")
    page_loaders.append((on_load, [], [limits_note, saved_table]))
