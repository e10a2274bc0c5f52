"""Translation for the Train tab: training events and results -> curves, status lines,
summaries and pictures, in the reader's language (no layout, no Gradio here; tested
without a browser). :mod:`webui.train_tab` lays the tab out and wires these in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from cnndemo.registry import model_info
from cnndemo.render import confusion_cell_at, confusion_picture, prediction_grid
from cnndemo.training import TrainConfig, TrainEvent, TrainResult, confusion_matrix
from webui.i18n import t

MAX_CURVE_POINTS = 400
CURVE_COLUMNS = ["epoch", "value", "curve"]
CURVE_COLOURS = {"train": "#1f77b4", "validation": "#ff7f0e"}

# Presets: (epochs, training images per epoch, batch size) per model. "quick" fits a 1-2
# minute class demo on a 2-core CPU (test evaluation included); "full" is close to the
# shipped weights' recipes (which started from them; see weights/README.md).
PRESETS = {
    "quick": {"simplecnn": (1, 10_000, 64), "alexnet": (1, 3_000, 64), "vgg16": (1, 500, 16)},
    "lesson": {"simplecnn": (3, 30_000, 64), "alexnet": (1, 12_000, 64), "vgg16": (1, 3_000, 16)},
    "full": {"simplecnn": (15, 0, 64), "alexnet": (6, 0, 64), "vgg16": (2, 0, 32)},
}


def preset_values(preset: str, arch: str, max_epochs: int, max_train_images: int, data_size: int
                  ) -> tuple[int, int, int] | None:
    """(epochs, images, batch) of a preset within the server's caps; None for an unknown preset.
    ``0`` images ("all") becomes the data's size, capped."""
    if preset not in PRESETS or arch not in PRESETS[preset]:
        return None
    epochs, images, batch = PRESETS[preset][arch]
    return min(epochs, max_epochs), min(images or data_size, max_train_images, data_size), batch


def empty_curves() -> pd.DataFrame:
    """A plot value with both curves and no points."""
    # Both categories from the start: Gradio 6.31's LinePlot fixes its colours on the first value.
    return pd.DataFrame({"epoch": [0.0, 0.0], "value": [np.nan, np.nan], "curve": ["train", "validation"]})


def curves(history: list[TrainEvent], metric: str) -> pd.DataFrame:
    """Long-format frame for gr.LinePlot: smoothed per-batch train values and validation points.

    Both categories are always present (a NaN row stands in for a curve with no point yet).
    """
    train = [(e.epoch_position, getattr(e, f"smooth_{metric}")) for e in history
             if e.kind in ("batch", "validation", "epoch") and getattr(e, f"smooth_{metric}") is not None]
    if len(train) > MAX_CURVE_POINTS:
        train = train[:: int(np.ceil(len(train) / MAX_CURVE_POINTS))] + train[-1:]
    val = [(e.epoch_position, getattr(e, f"val_{metric}")) for e in history if e.kind in ("validation", "epoch")]
    rows = [(x, y, "train") for x, y in train] + [(x, y, "validation") for x, y in val]
    if not train:
        rows.append((0.0, np.nan, "train"))
    if not val:
        rows.append((0.0, np.nan, "validation"))
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)


def status_line(event: TrainEvent | None, config: TrainConfig, lang: str) -> str:
    """The status line for the latest event of a running fit."""
    name = model_info(config.model).display_name
    if event is None or event.kind == "prepare":
        return t("train.status.preparing", lang, model=name, data=t(f"data.{config.data}", lang))
    if event.kind == "start":
        return t("train.status.starting", lang, model=name)
    if event.kind == "evaluate":
        return t("train.status.testing", lang, done=event.seen, total=event.total)
    line = t("train.status.progress", lang, epoch=event.epoch, epochs=config.epochs, step=event.step,
             steps=event.steps_per_epoch, rate=event.images_per_s, eta=event.eta_s)
    if event.smooth_loss is not None:
        line += "  \n" + t("train.status.train_figures", lang, loss=event.smooth_loss, accuracy=event.smooth_accuracy)
    if event.val_accuracy is not None:
        line += " · " + t("train.status.val_figures", lang, loss=event.val_loss, accuracy=event.val_accuracy)
    return line


def result_status(result: TrainResult, lang: str) -> str:
    """One line saying how the run ended, with its figures."""
    if result.status == "diverged":
        d = result.divergence or {}
        return t("train.result.diverged", lang, loss=d.get("loss"), epoch=d.get("epoch"), step=d.get("step"),
                 rate=result.config.learning_rate)
    key = "train.result.stopped" if result.status == "stopped" else "train.result.finished"
    return t(key, lang, images=result.images_seen, epochs=result.epochs_completed, seconds=result.train_seconds,
             accuracy=result.test_accuracy or 0.0, loss=result.test_loss or 0.0)


def result_summary(result: TrainResult, shipped_card: dict | None, lang: str) -> str:
    """A Markdown table of the run's figures beside the shipped model's."""
    if result.test_accuracy is None:
        return ""
    info = model_info(result.config.model)
    shipped = (shipped_card or {}).get("test_accuracy")
    rows = [(t("train.summary.test_accuracy", lang, images=len(result.sets.tests["mnist"])),
             f"**{result.test_accuracy:.2%}**")]
    if "pen" in result.tests:
        rows.append((t("train.summary.pen_accuracy", lang), f"**{result.tests['pen'].accuracy:.2%}**"))
    rows += [
        (t("train.summary.test_loss", lang), f"{result.test_loss:.4f}"),
        (t("train.summary.time", lang), f"{result.train_seconds:.0f} s"),
        (t("train.summary.rate", lang), f"{result.images_per_s:,.0f}"),
        (t("train.summary.precision", lang), result.precision),
        (t("train.summary.shipped", lang, model=info.display_name),
         f"{shipped:.2%}" if shipped is not None else t("train.summary.not_available", lang)),
    ]
    header = f"| {t('train.summary.result', lang)} | |\n|---|---|\n"
    return header + "\n".join(f"| {name} | {value} |" for name, value in rows)


@dataclass
class ResultPictures:
    """The pictures of a finished run: the confusion matrix and the course's 3x3 grid."""

    confusion: Image.Image
    samples: Image.Image


def result_pictures(result: TrainResult, lang: str) -> ResultPictures:
    """Confusion matrix and the first nine test digits captioned "predicted (true)" (MNIST test set)."""
    test = result.sets.tests["mnist"]
    matrix = confusion_matrix(test.labels, result.test_predictions)
    first_nine = np.arange(9)
    return ResultPictures(
        confusion=confusion_picture(matrix, predicted_title=t("train.confusion.predicted", lang),
                                    true_title=t("train.confusion.true", lang)),
        samples=prediction_grid(test.images[first_nine], result.test_predictions[first_nine], test.labels[first_nine]),
    )


def confusion_cell(result: TrainResult, x: float, y: float, lang: str, shown: int = 40
                   ) -> tuple[Image.Image | None, str] | None:
    """The test digits of the confusion-matrix cell at pixel (x, y): (picture or None, caption);
    None when the click is outside the cells."""
    cell = confusion_cell_at(x, y)
    if cell is None:
        return None
    true, predicted = cell
    test = result.sets.tests["mnist"]
    chosen = np.flatnonzero((test.labels == true) & (result.test_predictions == predicted))
    if chosen.size == 0:
        return None, t("train.confusion.none", lang, true=true, predicted=predicted)
    first = chosen[:shown]
    picture = prediction_grid(test.images[first], result.test_predictions[first], test.labels[first], columns=8,
                              digit_px=56)
    caption = t("train.confusion.cell", lang, true=true, predicted=predicted, count=chosen.size)
    if chosen.size > first.size:
        caption += " " + t("train.confusion.first_shown", lang, shown=first.size)
    return picture, caption


def saved_models(directory: Path, lang: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of the models saved on this server (``CNNDEMO_USER_WEIGHTS``): which
    model, its figures, who saved it and when. Unreadable cards are left out."""
    from cnndemo.cards import WeightsError, read_card
    from cnndemo.registry import list_models

    headers = [t(f"train.saved_models.{column}", lang) for column in ("model", "mnist", "pen", "by", "when")]
    rows = []
    for name in list_models():
        if not (Path(directory) / f"{name}.json").is_file():
            continue
        try:
            card = read_card(directory, name)
        except WeightsError:
            continue
        pen = card.get("tests", {}).get("pen", {}).get("accuracy")
        accuracy = card.get("test_accuracy")
        rows.append([
            model_info(name).display_name,
            f"{accuracy:.2%}" if accuracy is not None else "",
            f"{pen:.2%}" if pen is not None else "",
            card.get("saved_by") or t("train.saved_models.nobody", lang),
            card.get("saved_at") or str(card.get("trained_at", ""))[:16].replace("T", " "),
        ])
    return headers, rows
