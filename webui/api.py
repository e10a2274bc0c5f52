"""Named endpoints for scripts (``gradio_client``): ``/classify`` (and, from the Train tab,
``/train`` and ``/stop_training``). A user mistake is answered with ``gr.Error`` and a
sentence, and logged as one line."""

from __future__ import annotations

import logging

import gradio as gr

from cnndemo.messages import CnnDemoError
from cnndemo.predictor import Predictor
from webui import analysis
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

    with gr.Row(visible=False):
        api_image = gr.File(type="filepath", label="image")
        api_model = gr.Textbox(label="model", value="SimpleCNN")
        api_label = gr.Label(label="prediction")
        api_button = gr.Button("classify")
    api_button.click(classify, [api_image, api_model], api_label, api_name="classify")
