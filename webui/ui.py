"""The Gradio Blocks of the app: layout and event wiring only.

Handlers translate Gradio values to :mod:`webui.analysis` calls and back; the models live
in one read-only :class:`cnndemo.predictor.Predictor` built at start-up; per-user values
(the last digit) live in ``gr.State``.
"""

from __future__ import annotations

import gradio as gr
from PIL import Image

from cnndemo.jobs import TrainingManager
from cnndemo.predictor import Predictor
from webui import analysis
from webui.drawpad import drawpad
from webui.train_tab import build_train_tab

CSS = """
#prediction .output-class { font-size: 2.6rem; }
.cnndemo-small img, #feature-map img { image-rendering: pixelated; }
#feature-map img { width: 100%; height: 100%; object-fit: contain; }
@media (max-width: 600px) { .cnndemo-row { flex-direction: column !important; } }
"""


def model_choices(predictor: Predictor) -> list[tuple[str, str]]:
    """(label, key) pairs for the model dropdown."""
    return [(predictor.get(key).label, key) for key in predictor.keys()]


def default_model_key(predictor: Predictor) -> str:
    """The model selected when a page opens: a model saved from the Train tab, else SimpleCNN."""
    saved = [key for key in predictor.keys() if key.endswith(":saved")]
    return saved[-1] if saved else predictor.keys()[0]


def build_draw_tab(predictor: Predictor) -> gr.Dropdown:
    """Add the Draw tab's components and events to the current Blocks; return its model dropdown."""
    first = default_model_key(predictor)
    digit_state = gr.State(None)  # float32 (28, 28, 1) of the last drawing, per session

    with gr.Row(elem_classes="cnndemo-row"):
        with gr.Column(scale=4, min_width=300):
            pad = drawpad(elem_id="drawpad", label="Draw a digit · 숫자를 그려 보세요")
            model = gr.Dropdown(model_choices(predictor), value=first, label="Model · 모델", elem_id="model")
            with gr.Accordion("…or upload a picture · 이미지 올리기", open=False):
                upload = gr.Image(type="pil", sources=["upload", "clipboard"], label="Picture of a digit",
                                  elem_id="upload", height=200)
        with gr.Column(scale=5, min_width=300):
            label = gr.Label(num_top_classes=analysis.TOP_K, label="Prediction · 예측", elem_id="prediction")
            message = gr.Markdown(analysis.DRAW_A_DIGIT, elem_id="message")
            with gr.Row():
                model_input = gr.Image(label="What the model receives: 28×28", elem_id="model-input",
                                       elem_classes="cnndemo-small", height=180, format="png",
                                       interactive=False, buttons=[])
                resized_input = gr.Image(label="…resized for the first layer", elem_id="resized-input",
                                         elem_classes="cnndemo-small", height=180, format="png",
                                         interactive=False, buttons=[], visible=False)
    with gr.Row(elem_classes="cnndemo-row"):
        with gr.Column(scale=2, min_width=220):
            layer = gr.Dropdown(analysis.layer_choices(predictor, first), value=analysis.default_layer(predictor, first),
                                label="Layer · 층", elem_id="layer")
            gr.Markdown("Bright = strong response. Each square is one filter's feature map.\n\n"
                        "밝을수록 강하게 반응한 곳입니다. 사각형 하나가 필터 하나의 특징 맵입니다.")
        with gr.Column(scale=5):
            feature_map = gr.Image(label="Feature maps", elem_id="feature-map", format="png", height=420,
                                   interactive=False, buttons=["fullscreen"])
    with gr.Accordion("How the drawing becomes MNIST's 28×28 format · 전처리 과정", open=False):
        steps = gr.Image(label="crop to the ink → fit into 20×20 keeping the aspect ratio → centre of mass at the "
                         "centre of 28×28 (MNIST's own recipe)", elem_id="steps", format="png", interactive=False,
                         buttons=[], height=150)
    with gr.Accordion("Architecture · 구조", open=False):
        architecture = gr.Dataframe(analysis.architecture_rows(predictor, first), headers=analysis.ARCHITECTURE_HEADERS,
                                    interactive=False, wrap=True, elem_id="architecture")

    outputs = [label, model_input, resized_input, feature_map, message, digit_state, steps]

    def show(result: analysis.Analysis):
        return (
            result.top_k,
            result.model_input,
            gr.Image(value=result.resized_input, visible=result.resized_input is not None),
            gr.Image(value=result.feature_map, label=result.feature_caption),
            result.message,
            result.digit,
            result.steps if result.digit is None or result.steps is not None else gr.skip(),
        )

    def on_draw(value: str, key: str, layer_name: str):
        try:
            picture = analysis.decode_data_url(value)
        except analysis.BadPictureError as error:
            return show(analysis.empty_analysis(f"⚠️ {error}"))
        return show(analysis.analyse_picture(predictor, key, picture, layer_name))

    def on_upload(picture: Image.Image | None, key: str, layer_name: str):
        return show(analysis.analyse_picture(predictor, key, picture, layer_name))

    def on_layer(digit, key: str, layer_name: str):
        if digit is None:
            return gr.skip()
        result = analysis.analyse_digit(predictor, key, digit, layer_name)
        return gr.Image(value=result.feature_map, label=result.feature_caption)

    def on_model(digit, key: str):
        layer_name = analysis.default_layer(predictor, key)
        layer_update = gr.Dropdown(choices=analysis.layer_choices(predictor, key), value=layer_name)
        table = analysis.architecture_rows(predictor, key)
        if digit is None:
            return (layer_update, table, *show(analysis.empty_analysis()))
        return (layer_update, table, *show(analysis.analyse_digit(predictor, key, digit, layer_name)))

    pad.change(on_draw, [pad, model, layer], outputs, api_visibility="private", trigger_mode="always_last",
               show_progress="hidden")
    upload.change(on_upload, [upload, model, layer], outputs, api_visibility="private", show_progress="hidden")
    layer.input(on_layer, [digit_state, model, layer], feature_map, api_visibility="private", show_progress="hidden")
    model.input(on_model, [digit_state, model], [layer, architecture, *outputs], api_visibility="private",
                show_progress="hidden")
    return model


def build_api(predictor: Predictor) -> None:
    """The named endpoint ``/classify``: image file + model name -> top-k (gr.Label format)."""

    def classify(image: str | None, model: str) -> dict[str, float]:
        """Classify a picture of a handwritten digit.

        Args:
            image: an image file (PNG, JPEG, ...) of one digit, any size; dark-on-light or light-on-dark.
            model: "SimpleCNN", "AlexNet" or "VGG16" (or a key shown in the Draw tab).

        Returns:
            The top-5 digits and their probabilities.
        """
        if not image:
            raise gr.Error("No image was sent. Send a picture of a digit.")
        try:
            key = predictor.get(model).key
        except ValueError as error:
            raise gr.Error(str(error)) from error
        try:
            picture = analysis.open_picture(image)
        except analysis.BadPictureError as error:
            raise gr.Error(str(error)) from error
        result = analysis.analyse_picture(predictor, key, picture, None)
        if result.top_k is None:
            raise gr.Error(result.message.replace("*", ""))
        return result.top_k

    with gr.Row(visible=False):
        api_image = gr.File(type="filepath", label="image")
        api_model = gr.Textbox(label="model", value="SimpleCNN")
        api_label = gr.Label(label="prediction")
        api_button = gr.Button("classify")
    api_button.click(classify, [api_image, api_model], api_label, api_name="classify")


def build_demo(predictor: Predictor, manager: TrainingManager) -> gr.Blocks:
    """The whole app around an already-loaded predictor and a training manager."""
    with gr.Blocks(title="cnndemo · CNN classroom") as demo:
        gr.Markdown(
            "# cnndemo · CNN classroom\n"
            "Draw a digit, pick a network, and see what it predicts and what every layer computed. "
            "· 숫자를 그리고 모델을 고르면 예측과 각 층의 특징 맵을 볼 수 있습니다.  \n"
            f"Running on **{predictor.device}**; precision "
            + ", ".join(f"{predictor.get(key).label} **{predictor.get(key).precision}**" for key in predictor.keys())
            + "."
            + "".join(f"\n\n⚠️ **{predictor.get(key).label} runs with random weights**: {problem}"
                      for key, problem in predictor.problems.items())
        )
        with gr.Tabs():
            with gr.Tab("Draw · 그리기", id="draw"):
                draw_model = build_draw_tab(predictor)
            with gr.Tab("Train · 학습", id="train"):
                build_train_tab(predictor, manager, draw_model)
        build_api(predictor)
        # Models trained since start-up are not in the choices the page was built with.
        demo.load(lambda: gr.Dropdown(choices=model_choices(predictor)), None, draw_model, api_visibility="private")
    return demo
