"""The "how was this number computed" panel in a real browser: draw, tap or type a cell,
read the number in the panel, and check it against the model run in this process on the
same 28x28 input (read back from the page)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from browser import (
    CANVAS, SEVEN, canvas_box, open_app, open_tab, set_number, touch_digit, wait_image, wait_text, wait_top_class,
)
from test_browser_app import ensure_simplecnn

pytestmark = [pytest.mark.browser, pytest.mark.server]

PANEL = "#xp-panel .xp"


def wait_panel(page, cell: str | None = None) -> dict:
    """The panel's data once it shows a cell (``cell`` = "c,r,col" to wait for that one)."""
    test = f"el.dataset.cell === '{cell}'" if cell else "true"
    page.wait_for_function(f"() => {{ const el = document.querySelector('{PANEL}'); return el && {test}; }}")
    return page.evaluate(f"() => ({{...document.querySelector('{PANEL}').dataset,"
                         f" text: document.querySelector('{PANEL}').innerText}})")


def model_input(page) -> np.ndarray:
    """Float32 (28, 28, 1): the model's input as the page shows it (8-bit PNG)."""
    source = page.locator("#model-input img").get_attribute("src")
    picture = Image.open(io.BytesIO(page.request.get(source).body())).convert("L")
    assert picture.size == (28, 28)
    return (np.asarray(picture, np.float32) / 255.0)[..., None]


def point_in_picture(picture, fx: float, fy: float) -> dict:
    """A point at fractions (fx, fy) of the picture itself, inside its box: the picture is
    enlarged to fit the box and centred (object-fit: contain), with margins around it."""
    box = picture.bounding_box()
    width, height = picture.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    scale = min(box["width"] / width, box["height"] / height)
    left, top = (box["width"] - width * scale) / 2, (box["height"] - height * scale) / 2
    return {"x": left + fx * width * scale, "y": top + fy * height * scale}


def expected(predictor, digit: np.ndarray, layer: str, cell: str) -> float:
    index = tuple(int(v) for v in cell.split(","))
    activation = np.asarray(predictor.run("simplecnn", digit).activations[layer], np.float32)
    return float(activation[index[1], index[2], index[0]] if len(index) == 3 else activation[index[0]])


@pytest.mark.timeout(300)
def test_tap_a_cell_at_tablet_width_type_one_then_the_playground_on_the_drawing(app_url, new_context, simplecnn_predictor):
    context = new_context(has_touch=True, viewport={"width": 820, "height": 1180})
    page = context.new_page()
    box = open_app(page, app_url)
    ensure_simplecnn(page)
    touch_digit(context.new_cdp_session(page), box, SEVEN)
    assert wait_top_class(page) == "7"
    wait_image(page, "feature-map")
    digit = model_input(page)
    digit_source = page.locator("#model-input img").get_attribute("src")

    picture = page.locator("#feature-map img")
    picture.scroll_into_view_if_needed()
    picture.tap(position=point_in_picture(picture, 0.06, 0.1))  # inside the first map
    tapped = wait_panel(page)
    assert tapped["kind"] == "conv2d" and tapped["layer"] == "conv1", tapped
    assert tapped["cell"].startswith("0,"), tapped  # the first map
    assert float(tapped["value"]) == pytest.approx(expected(simplecnn_predictor, digit, "conv1", tapped["cell"]),
                                                   rel=2e-2, abs=1e-2)
    assert "ReLU" in tapped["text"] and "bias" in tapped["text"]
    wait_image(page, "xp-field")  # the receptive field on the model's input

    set_number(page, "#xp-channel input", 3)
    set_number(page, "#xp-row input", 12)
    set_number(page, "#xp-col input", 14)
    page.locator("#xp-explain").tap()
    typed = wait_panel(page, "3,12,14")
    assert float(typed["value"]) == pytest.approx(expected(simplecnn_predictor, digit, "conv1", "3,12,14"),
                                                  rel=2e-2, abs=1e-2)

    # Another stroke: the same cell is explained again on the new drawing, still the model's number.
    page.locator(CANVAS).scroll_into_view_if_needed()
    touch_digit(context.new_cdp_session(page), canvas_box(page), [[(0.3, 0.55), (0.7, 0.55)]])
    page.wait_for_function("d => document.querySelector('#model-input img').src !== d", arg=digit_source)
    page.wait_for_function(f"() => document.querySelector('{PANEL}').dataset.value !== '{typed['value']}'")
    again = wait_panel(page, "3,12,14")
    digit = model_input(page)
    assert float(again["value"]) == pytest.approx(expected(simplecnn_predictor, digit, "conv1", "3,12,14"),
                                                  rel=2e-2, abs=1e-2)

    # The Conv2D playground works on the same drawing and works out the output size.
    open_tab(page, "Conv2D playground")
    wait_text(page, "#pg-source", "your drawing")  # not the sample digit shown before the drawing
    wait_text(page, "#pg-formula", "26×26×4")  # 3x3 kernels, stride 1, valid: (28 − 3)/1 + 1 = 26
    wait_image(page, "pg-maps")
    page.locator("#pg-padding label", has_text="same").click()
    wait_text(page, "#pg-formula", "28×28×4")
    set_number(page, "#pg-stride input[type=number]", 3)
    wait_text(page, "#pg-formula", "10×10×4")  # ceil(28 / 3)
