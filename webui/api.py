"""Named endpoints for scripts (``gradio_client``): ``/classify``, ``/explain`` (and, from the Train tab,
``/train`` and ``/stop_training``). A user mistake is answered with ``gr.Error`` and a
sentence, and logged as one line."""

from __future__ import annotations

import logging

import gradio as gr

from cnndemo.messages import CnnDemoError
from cnndemo.predictor import Predictor
from webui import analysis, explain_view
from webui.i18n import say, t, user_error
from webui.language import request_language
from webui.settings import Settings

log = logging.getLogger("cnndemo.api")


def build_api(predictor: Predictor, settings: Settings) -> None:
    """Add the hidden components and named endpoints of the API to the current Blocks."""

    def classify(image: str | None, model: str, request: gr.Request) -> dict[str, float]:
        """Classify a picture of a handwritten digit.

        Args:
            image: an image file (PNG, JPEG, ...) of one digit, any size; dark-on-light or light-on-dark.
            model: "SimpleCNN", "AlexNet" or "VGG16" (or a key shown in the Draw tab).

        Returns:
            The top-5 digits and their probabilities.
        """
        lang = request_language(request, "en")  # scripts that name no language get English
        if not image:
            log.info("classify refused: no image")
            raise user_error(t("upload.nothing", lang))
        try:
            key = predictor.get(model).key
            picture = analysis.open_picture(image)
        except CnnDemoError as error:
            log.info("classify refused: %s", error)
            raise user_error(say(error, lang)) from None
        result = analysis.analyse_picture(predictor, key, picture, None, lang)
        if result.top_k is None:
            log.info("classify refused: no digit in the picture")
            raise user_error(result.message.replace("*", ""))
        return result.top_k

    def explain(image: str | None, model: str, layer: str, channel: float, row: float, col: float,
                request: gr.Request) -> dict:
        """How the model computed one number of one layer on a picture of a digit.

        Args:
            image: an image file of one digit, as for ``/classify``.
            model: "SimpleCNN", "AlexNet" or "VGG16" (or a key shown in the Draw tab).
            layer: a layer name as in the Draw tab's layer list ("conv1", "pool1", "fc6", "output", ...).
            channel: the channel of a feature map (for a dense layer: the unit).
            row, col: the cell of the map (ignored for a dense layer).

        Returns:
            The cell's arithmetic: ``kind`` ("conv2d", "maxpool", "dense", "softmax",
            "global_average", "resize"), ``value`` (the activation the model computed),
            ``pre_activation``, ``bias``, ``terms_sum`` (sum of the products),
            ``receptive_field`` ([top, left, bottom, right] in the model's input image), and the
            terms themselves; plus ``model`` and ``prediction`` (the top-5 digits).
        """
        lang = request_language(request, "en")
        if not image:
            log.info("explain refused: no image")
            raise user_error(t("upload.nothing", lang))
        try:
            key = predictor.get(model).key
            result = analysis.analyse_picture(predictor, key, analysis.open_picture(image), None, lang, False)
            if result.drawing is None:
                raise user_error(result.message.replace("*", ""))
            cell = explain_view.cell_of(result.drawing, layer, channel, row, col)
            explanation, _ = explain_view.explanation_of(predictor, result.drawing, layer, cell)
        except CnnDemoError as error:
            log.info("explain refused: %s", error)
            raise user_error(say(error, lang)) from None
        return explanation | {"model": key, "prediction": result.top_k}

    with gr.Row(visible=False):
        api_image = gr.File(type="filepath", label="image")
        api_model = gr.Textbox(label="model", value="SimpleCNN")
        api_label = gr.Label(label="prediction")
        api_button = gr.Button("classify")
    api_button.click(classify, [api_image, api_model], api_label, api_name="classify")

    with gr.Row(visible=False):
        explain_image = gr.File(type="filepath", label="image")
        explain_model = gr.Textbox(label="model", value="SimpleCNN")
        explain_layer = gr.Textbox(label="layer", value="conv1")
        explain_cell = [gr.Number(0, label=name, precision=0) for name in ("channel", "row", "col")]
        explain_json = gr.JSON(label="explanation")
        explain_button = gr.Button("explain")
    explain_button.click(explain, [explain_image, explain_model, explain_layer, *explain_cell], explain_json,
                         api_name="explain")
