"""The app's public API (``/classify``) through gradio_client, against a running app.py."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

# One worker at a time under xdist: a test here reads the shared server's log for its own refusals.
pytestmark = [pytest.mark.server, pytest.mark.xdist_group("app-log")]
from PIL import Image

DISPLAY_NAMES = ["SimpleCNN", "AlexNet", "VGG16"]  # MODELS.md


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False, analytics_enabled=False, download_files=False)


def top_label(result) -> str:
    """The top digit of a gr.Label value as the client returns it."""
    if isinstance(result, dict) and "label" in result:
        return str(result["label"])
    if isinstance(result, dict):  # {"7": 0.9, ...}
        return max(result, key=result.get)
    raise AssertionError(f"unexpected /classify result: {result!r}")


def confidences(result) -> dict[str, float]:
    if isinstance(result, dict) and "confidences" in result:
        return {str(c["label"]): float(c["confidence"]) for c in result["confidences"]}
    return {str(k): float(v) for k, v in result.items()}


def digit_png(digit: np.ndarray, variant: int, directory: Path, index: int) -> Path:
    """A 28x28 MNIST digit saved as PNG in one of four styles."""
    picture = Image.fromarray(digit)
    if variant == 1:  # dark ink on white paper
        picture = Image.fromarray(255 - digit)
    elif variant == 2:  # upscaled 10x
        picture = picture.resize((280, 280), Image.Resampling.NEAREST)
    elif variant == 3:  # RGB, dark on light, upscaled 6x
        picture = Image.fromarray(255 - digit).resize((168, 168), Image.Resampling.NEAREST).convert("RGB")
    path = directory / f"digit{index}-v{variant}.png"
    picture.save(path)
    return path


def test_view_api_lists_classify(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert "/classify" in api["named_endpoints"]
    parameters = api["named_endpoints"]["/classify"]["parameters"]
    assert len(parameters) == 2


def test_classify_reads_real_mnist_digits(client, mnist, tmp_path):
    right = 0
    wrong = []
    for index in range(20):
        path = digit_png(mnist.x_test[index], index % 4, tmp_path, index)
        result = client.predict(handle_file(str(path)), "SimpleCNN", api_name="/classify")
        scores = confidences(result)
        assert all(0 <= p <= 1 for p in scores.values())
        assert sum(scores.values()) <= 1 + 1e-4
        if top_label(result) == str(mnist.y_test[index]):
            right += 1
        else:
            wrong.append((index, index % 4, top_label(result), int(mnist.y_test[index])))
    assert right >= 19, wrong


def test_model_name_is_case_insensitive(client, mnist, tmp_path):
    path = digit_png(mnist.x_test[0], 2, tmp_path, 0)
    result = client.predict(handle_file(str(path)), "simplecnn", api_name="/classify")
    assert top_label(result) == str(mnist.y_test[0])


def test_unknown_model_is_an_error_naming_the_models_and_the_server_keeps_serving(client, mnist, tmp_path):
    path = digit_png(mnist.x_test[1], 0, tmp_path, 1)
    with pytest.raises(AppError) as error:
        client.predict(handle_file(str(path)), "ResNet50", api_name="/classify")
    message = str(error.value)
    assert "ResNet50" in message
    for name in DISPLAY_NAMES:
        assert name in message
    result = client.predict(handle_file(str(path)), "SimpleCNN", api_name="/classify")
    assert top_label(result) == str(mnist.y_test[1])


def test_blank_picture_is_an_error_asking_for_a_digit(client, tmp_path):
    path = tmp_path / "blank.png"
    Image.new("RGB", (280, 280), (255, 255, 255)).save(path)
    with pytest.raises(AppError) as error:
        client.predict(handle_file(str(path)), "SimpleCNN", api_name="/classify")
    assert "draw a digit" in str(error.value).lower()


def test_non_image_file_is_an_error_and_the_server_keeps_serving(client, mnist, tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("these are not the pixels you are looking for\n" * 20)
    with pytest.raises(AppError, match="not a picture"):
        client.predict(handle_file(str(path)), "SimpleCNN", api_name="/classify")
    good = digit_png(mnist.x_test[2], 2, tmp_path, 2)
    result = client.predict(handle_file(str(good)), "SimpleCNN", api_name="/classify")
    assert top_label(result) == str(mnist.y_test[2])


def test_the_app_starts_without_a_warning_from_tensorflow(app_server):
    # What the teacher sees in the console before the address: TensorFlow's warnings (such as a
    # tf.function "retraced excessively") would read as something gone wrong.
    _, log_path = app_server
    start_up = log_path.read_text(errors="replace").split("Running on local URL")[0]
    assert "WARNING:tensorflow" not in start_up and "WARNING tensorflow" not in start_up, start_up[-3000:]


def test_user_mistakes_are_logged_as_one_line_each_not_a_traceback(app_server, client, tmp_path):
    _, log_path = app_server
    before = log_path.read_text(errors="replace")
    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    mistakes = [(blank, "SimpleCNN"), (text, "SimpleCNN"), (blank, "NoSuchNet")]
    for path, model in mistakes:
        with pytest.raises(AppError):
            client.predict(handle_file(str(path)), model, api_name="/classify")
    time.sleep(0.5)
    new = log_path.read_text(errors="replace")[len(before):]
    assert "Traceback" not in new, new[-3000:]
    refused = [line for line in new.splitlines() if "classify refused" in line]
    assert len(refused) == len(mistakes), new[-3000:]


def in_process_activations(models: str, png: Path):
    """The activations the app computes for an uploaded picture, in this process (same path)."""
    from cnndemo.predictor import Predictor
    from webui import analysis

    predictor = Predictor.load(models=[models], precision="float32")
    result = analysis.analyse_picture(predictor, models, analysis.open_picture(str(png)), None, "en", False)
    return result.drawing.output


def test_explain_returns_the_models_own_number_for_a_cell(client, mnist, tmp_path):
    path = digit_png(mnist.x_test[0], 2, tmp_path, 0)
    api = client.view_api(print_info=False, return_format="dict")
    assert "/explain" in api["named_endpoints"]
    conv = client.predict(handle_file(str(path)), "SimpleCNN", "conv2", 5, 4, 6, api_name="/explain")
    for field in ("value", "pre_activation", "bias", "terms_sum", "receptive_field", "kind"):
        assert field in conv, field
    assert conv["kind"] == "conv2d" and conv["cell"] == [5, 4, 6]
    assert conv["pre_activation"] == pytest.approx(conv["terms_sum"] + conv["bias"], rel=1e-5, abs=1e-6)
    assert conv["value"] == pytest.approx(max(conv["pre_activation"], 0.0), rel=1e-3, abs=1e-4)
    top, left, bottom, right = conv["receptive_field"]
    assert (bottom - top + 1, right - left + 1) == (8, 8)  # 3x3 conv2 on a 2x2 pool of 3x3 conv1: 8x8 pixels
    activations = in_process_activations("simplecnn", path).activations
    assert conv["value"] == pytest.approx(float(activations["conv2"][4, 6, 5]), rel=1e-3, abs=1e-4)
    output = client.predict(handle_file(str(path)), "SimpleCNN", "predictions", 7, 0, 0, api_name="/explain")
    assert output["kind"] == "softmax"
    assert output["value"] == pytest.approx(output["prediction"]["7"] if "7" in output["prediction"]
                                            else output["probabilities"][7], rel=1e-4)


@pytest.mark.parametrize("layer, cell, words", [("no_such_layer", (0, 0, 0), "no_such_layer"),
                                                ("conv1", (0, 40, 0), "outside")])
def test_explain_refuses_bad_requests_with_a_sentence(client, mnist, tmp_path, layer, cell, words):
    path = digit_png(mnist.x_test[0], 0, tmp_path, 0)
    with pytest.raises(AppError) as error:
        client.predict(handle_file(str(path)), "SimpleCNN", layer, *cell, api_name="/explain")
    assert words in str(error.value)
