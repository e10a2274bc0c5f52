"""The Train tab: run the MNIST fit on demand and watch the network learn.

Layout and event wiring only; the rules (one run per server, limits, stop) live in
:class:`cnndemo.jobs.TrainingManager`, the fit in :func:`cnndemo.training.train`.
"""

from __future__ import annotations

import os
import queue
import time
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd

from cnndemo.checkpoint import SHIPPED_WEIGHTS_DIR, save_weights
from cnndemo.data import load_mnist
from cnndemo.jobs import TrainingBusyError, TrainingDisabledError, TrainingManager
from cnndemo.predictor import Predictor
from cnndemo.precision import choose_precision
from cnndemo.registry import list_models, model_info
from cnndemo.render import confusion_cell_at, confusion_picture, prediction_grid
from cnndemo.training import OPTIMIZERS, TrainConfig, TrainEvent, TrainResult, confusion_matrix

USER_WEIGHTS_DIR = Path(os.environ.get("CNNDEMO_USER_WEIGHTS", Path(__file__).resolve().parent.parent / "user_weights"))
UPDATE_EVERY_S = 0.5
MAX_CURVE_POINTS = 400

# Presets: (epochs, training images, batch size) per model. "Quick" fits a 1-2 minute class
# demo on a 2-core CPU (test evaluation on 10,000 images included); "Full" is the recipe of
# the shipped weights.
PRESETS = {
    "Quick demo · 빠른 시연": {"simplecnn": (1, 10_000, 64), "alexnet": (1, 3_000, 64), "vgg16": (1, 500, 16)},
    "Lesson · 수업용": {"simplecnn": (3, 30_000, 64), "alexnet": (1, 12_000, 64), "vgg16": (1, 3_000, 16)},
    "Full data · 전체 데이터": {"simplecnn": (5, 60_000, 32), "alexnet": (5, 60_000, 64), "vgg16": (2, 60_000, 32)},
}
CURVE_COLUMNS = ["epoch", "value", "curve"]
CURVE_COLOURS = {"train": "#1f77b4", "validation": "#ff7f0e"}


def empty_curves() -> pd.DataFrame:
    # Both curves from the start: Gradio 6.31's LinePlot fixes its colours on the first data.
    return pd.DataFrame({"epoch": [0.0, 0.0], "value": [np.nan, np.nan], "curve": ["train", "validation"]})


def curves(history: list[TrainEvent], metric: str) -> pd.DataFrame:
    """Long-format frame for gr.LinePlot: smoothed per-batch train values and validation points."""
    train = [(e.epoch_position, getattr(e, f"smooth_{metric}")) for e in history
             if e.kind in ("batch", "validation", "epoch") and getattr(e, f"smooth_{metric}") is not None]
    if len(train) > MAX_CURVE_POINTS:
        train = train[:: int(np.ceil(len(train) / MAX_CURVE_POINTS))] + train[-1:]
    val = [(e.epoch_position, getattr(e, f"val_{metric}")) for e in history if e.kind in ("validation", "epoch")]
    rows = [(x, y, "train") for x, y in train] + [(x, y, "validation") for x, y in val]
    if not val:
        rows.append((0.0, np.nan, "validation"))
    return pd.DataFrame(rows, columns=CURVE_COLUMNS) if rows else empty_curves()


def status_line(event: TrainEvent | None, config: TrainConfig) -> str:
    if event is None or event.kind == "start":
        return f"⏳ Starting {model_info(config.model).display_name}…"
    if event.kind == "evaluate":
        return f"🧪 Testing on the 10,000 test images… {event.seen:,} / {event.total:,}"
    line = (
        f"**Epoch {event.epoch} / {config.epochs}**, step {event.step} / {event.steps_per_epoch} · "
        f"{event.images_per_s:,.0f} images/s · about {event.eta_s:,.0f} s left"
    )
    if event.smooth_loss is not None:
        line += f"  \ntrain loss {event.smooth_loss:.4f}, accuracy {event.smooth_accuracy:.2%}"
    if event.val_accuracy is not None:
        line += f" · validation loss {event.val_loss:.4f}, accuracy {event.val_accuracy:.2%}"
    return line


def result_summary(result: TrainResult, shipped_accuracy: float | None) -> str:
    info = model_info(result.config.model)
    shipped = f"{shipped_accuracy:.2%}" if shipped_accuracy is not None else "not available"
    lines = [f"### {result.message}"]
    if result.test_accuracy is not None:
        lines.append(
            f"| result · 결과 | |\n|---|---|\n| test accuracy (10,000 images) | **{result.test_accuracy:.2%}** |\n"
            f"| test loss | {result.test_loss:.4f} |\n| training time | {result.train_seconds:.0f} s |\n"
            f"| images/s | {result.images_per_s:,.0f} |\n| precision | {result.precision} |\n"
            f"| shipped {info.display_name}, for comparison | {shipped} |"
        )
    return "\n\n".join(lines)


def trained_key(arch: str) -> str:
    return f"{arch}:trained"


def build_train_tab(predictor: Predictor, manager: TrainingManager, draw_model: gr.Dropdown) -> None:
    """Add the Train tab's components and events to the current Blocks."""
    limits = manager.limits
    auto_precision = choose_precision("auto")
    gr.Markdown(
        "Train one of the networks on MNIST here, watch the curves, then draw on the model you trained "
        "in the Draw tab. · 여기서 모델을 직접 학습시키고, 학습한 모델로 그리기 탭에서 숫자를 분류해 보세요.\n\n"
        + (f"**{limits.describe()}**" if limits.describe() else "")
    )
    with gr.Row(elem_classes="cnndemo-row"):
        with gr.Column(scale=2, min_width=280):
            model = gr.Dropdown([(model_info(n).display_name, n) for n in list_models()], value="simplecnn",
                                label="Model · 모델", elem_id="train-model")
            preset = gr.Radio(list(PRESETS), value="Quick demo · 빠른 시연", label="Preset · 설정", elem_id="train-preset")
            epochs = gr.Number(1, label="Epochs · 에포크", precision=0, minimum=1, maximum=limits.max_epochs,
                               elem_id="train-epochs")
            train_images = gr.Slider(100, limits.max_train_images, value=min(10_000, limits.max_train_images), step=100,
                                     label="Training images · 학습 이미지 수", elem_id="train-images")
            batch_size = gr.Number(64, label="Batch size · 배치 크기", precision=0, elem_id="train-batch")
            with gr.Row():
                optimizer = gr.Radio(list(OPTIMIZERS), value="adam", label="Optimizer · 옵티마이저", elem_id="train-optimizer")
                learning_rate = gr.Number(0.001, label="Learning rate · 학습률", elem_id="train-lr")
            precision = gr.Radio([(f"auto ({auto_precision})", "auto"), ("float32", "float32")], value="auto",
                                 label="Precision · 정밀도", elem_id="train-precision")
            with gr.Row():
                start = gr.Button("Start · 시작", variant="primary", elem_id="train-start", interactive=limits.enabled)
                stop = gr.Button("Stop · 정지", variant="stop", elem_id="train-stop")
        with gr.Column(scale=3, min_width=300):
            status = gr.Markdown("Press **Start**. · **시작**을 누르세요.", elem_id="train-status")
            with gr.Row():
                loss_plot = gr.LinePlot(empty_curves(), x="epoch", y="value", color="curve", title="loss", color_map=CURVE_COLOURS,
                                        elem_id="loss-plot", height=240, x_title="epoch", y_title="loss")
                accuracy_plot = gr.LinePlot(empty_curves(), x="epoch", y="value", color="curve", title="accuracy", color_map=CURVE_COLOURS,
                                            elem_id="accuracy-plot", height=240, x_title="epoch", y_title="accuracy")
            summary = gr.Markdown(elem_id="train-summary")
            with gr.Row():
                save = gr.Button("Save as default · 기본 모델로 저장", elem_id="train-save", interactive=False)
            saved = gr.Markdown(elem_id="train-saved")
    with gr.Row(elem_classes="cnndemo-row"):
        confusion = gr.Image(label="Confusion matrix: click a cell · 혼동 행렬: 칸을 누르세요", elem_id="confusion",
                             format="png", interactive=False, buttons=[])
        with gr.Column():
            cell_digits = gr.Image(label="Test digits in the chosen cell", elem_id="confusion-cell", format="png",
                                   interactive=False, buttons=[])
            samples = gr.Image(label="Test digits: predicted (true) · 예측 (정답)", elem_id="samples", format="png",
                               interactive=False, buttons=[])
    result_state = gr.State(None)  # the session's last TrainResult

    def apply_preset(name: str, arch: str):
        if name not in PRESETS:
            return gr.skip(), gr.skip(), gr.skip()
        n_epochs, n_images, batch = PRESETS[name][arch]
        return min(n_epochs, limits.max_epochs), min(n_images, limits.max_train_images), batch

    preset.change(apply_preset, [preset, model], [epochs, train_images, batch_size], api_visibility="private")
    model.change(apply_preset, [preset, model], [epochs, train_images, batch_size], api_visibility="private")

    def run(model_name, epochs_count, images_count, batch, optimizer_name, rate, precision_name,
            request: gr.Request, progress=gr.Progress()):
        """Train a model on MNIST and stream its progress (one training at a time per server).

        Args:
            model_name: "simplecnn", "alexnet" or "vgg16".
            epochs_count: epochs, at least 1.
            images_count: training images to use, 100..60000.
            batch: batch size, 1..1024.
            optimizer_name: "adam", "rmsprop" or "sgd".
            rate: learning rate, (0, 1].
            precision_name: "auto" or "float32".
        """
        config = TrainConfig(model=model_name, epochs=epochs_count, train_images=images_count, batch_size=batch,
                             optimizer=optimizer_name, learning_rate=rate, precision=precision_name)
        owner = getattr(request, "session_hash", None) or "api"
        try:
            job = manager.start(config, owner=owner)
        except (ValueError, TrainingBusyError, TrainingDisabledError) as error:
            raise gr.Error(str(error), title="Training not started · 학습을 시작하지 않았습니다") from error
        history: list[TrainEvent] = []
        last_update = 0.0
        try:
            yield (status_line(None, config), empty_curves(), empty_curves(), "", None, None, None,
                   gr.Button(interactive=False), "", None, gr.skip())
            while True:
                try:
                    event = job.events.get(timeout=0.25)
                except queue.Empty:
                    continue
                if event is None:
                    break
                if event.kind in ("batch", "validation", "epoch"):
                    history.append(event)
                progress_total = event.total or 1
                progress((event.seen, progress_total), desc="testing" if event.kind == "evaluate" else "training",
                         unit="images")
                now = time.monotonic()
                if now - last_update >= UPDATE_EVERY_S or event.kind in ("epoch",):
                    last_update = now
                    yield (status_line(event, config), curves(history, "loss"), curves(history, "accuracy"),
                           *([gr.skip()] * 8))
        finally:
            job.stop.set()  # the page went away or the generator was cancelled: stop the fit
            if job.thread is not None:
                job.thread.join()
        if job.error is not None:
            raise gr.Error(f"Training failed: {job.error}")
        result = job.result
        if result.status == "diverged":
            yield (f"⚠️ {result.message}", curves(history, "loss"), curves(history, "accuracy"), result.message,
                   None, None, None, gr.Button(interactive=False), "", None, gr.skip())
            return
        mnist = load_mnist()
        matrix = confusion_matrix(mnist.y_test, result.test_predictions)
        first_nine = np.arange(9)
        grid = prediction_grid(mnist.x_test[first_nine], result.test_predictions[first_nine], mnist.y_test[first_nine])
        info = model_info(model_name)
        stamp = time.strftime("%H:%M")
        label = f"{info.display_name} · trained here {stamp} ({result.test_accuracy:.1%}) · 직접 학습"
        predictor.add(trained_key(model_name), result.model, result.card(mnist) | {"source": "trained in the app"}, label=label)
        dropdown = gr.Dropdown(choices=[(predictor.get(k).label, k) for k in predictor.keys()])
        yield (
            f"✅ {result.message}  \nYour model is now in the Draw tab as **{label}**.",
            curves(history, "loss"), curves(history, "accuracy"),
            result_summary(result, predictor.get(model_name).card.get("test_accuracy")),
            confusion_picture(matrix), None, grid, gr.Button(interactive=True), "", result, dropdown,
        )

    outputs = [status, loss_plot, accuracy_plot, summary, confusion, cell_digits, samples, save, saved, result_state,
               draw_model]
    start.click(run, [model, epochs, train_images, batch_size, optimizer, learning_rate, precision], outputs,
                api_name="train", concurrency_limit=4, show_progress="full", show_progress_on=[status])

    def on_stop(request: gr.Request):
        owner = getattr(request, "session_hash", None) or "api"
        if manager.stop(owner):
            return "⏹️ Stopping after this batch… · 정지하는 중…"
        if manager.current is not None:
            return "Another user's training is running; only they can stop it. · 다른 사용자의 학습입니다."
        return "Nothing is training. · 진행 중인 학습이 없습니다."

    stop.click(on_stop, None, status, api_name="stop_training", queue=False)

    def on_cell(result: TrainResult | None, event: gr.SelectData):
        if result is None or result.test_predictions is None:
            return gr.skip()
        cell = confusion_cell_at(*event.index)
        if cell is None:
            return gr.skip()
        true, predicted = cell
        mnist = load_mnist()
        chosen = np.flatnonzero((mnist.y_test == true) & (result.test_predictions == predicted))
        if chosen.size == 0:
            return gr.Image(value=None, label=f"No test digit {true} was predicted as {predicted}.")
        shown = chosen[:40]
        picture = prediction_grid(mnist.x_test[shown], result.test_predictions[shown], mnist.y_test[shown],
                                  columns=8, digit_px=56)
        return gr.Image(value=picture, label=f"True {true}, predicted {predicted}: {chosen.size} test digits"
                        + (f" (first {shown.size} shown)" if chosen.size > shown.size else ""))

    confusion.select(on_cell, [result_state], cell_digits, api_visibility="private")

    def on_save(result: TrainResult | None):
        if result is None or result.status == "diverged":
            raise gr.Error("Nothing to save yet: train a model first.")
        if USER_WEIGHTS_DIR.resolve() == SHIPPED_WEIGHTS_DIR.resolve():
            raise gr.Error("CNNDEMO_USER_WEIGHTS points at the shipped weights folder; the shipped weights are "
                           "never overwritten from the app. Choose another folder.")
        path = save_weights(result.model, result.card(load_mnist()) | {"source": "trained in the app"},
                            USER_WEIGHTS_DIR, result.config.model)
        return (f"💾 Saved to `{path}` (weights and card written atomically). The app loads it at start "
                f"as **your {model_info(result.config.model).display_name}**; the shipped weights are unchanged.")

    save.click(on_save, [result_state], saved, api_visibility="private")
