"""Real-browser tests of the whole app (app.py): Draw tab by mouse, model switch, Train tab
(touch, phone and tablet widths: test_language_kiosk_browser.py).

Playwright drives Debian's chromium against the session's ``app_url`` server
(tests/conftest.py); the helpers and selectors are in tests/browser.py. Strokes are real
input: mouse events, or touch events sent through CDP. The training tests add "trained
here" models to the shared server; they never press "Save as default".
"""

from __future__ import annotations

import re
import time

import pytest

from browser import (
    ERROR_TOAST, MESSAGE, ONE, PAGE_LOAD_MS, PREDICTION_MS, SEVEN, TRAINING_MS, canvas_box, choose, clear_pad,
    image_loaded, message, mouse_digit, open_app, open_tab, pad_state, read_dropdown_options, set_number,
    top_class, wait_for_option, wait_image, wait_strokes, wait_text, wait_top_class,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]


def ensure_simplecnn(page) -> None:
    """The shipped SimpleCNN is selected (a model saved from the Train tab would be the default)."""
    if page.locator("#model input").input_value() != "SimpleCNN":
        choose(page, "model", "SimpleCNN")
        wait_text(page, MESSAGE, "Draw a digit")
    page.keyboard.press("Escape")


# --------------------------------------------------------------------------- Draw tab


@pytest.mark.timeout(300)
def test_mouse_draw_clear_draw_again_then_switch_models(app_url, new_context):
    page = new_context().new_page()
    box = open_app(page, app_url)
    ensure_simplecnn(page)
    assert top_class(page) is None
    wait_text(page, MESSAGE, "Draw a digit")  # in the browser's language (en-US here)
    assert page.locator("#resized-input").is_hidden()

    mouse_digit(page, box, ONE)
    wait_strokes(page, strokes=1, emitted=1)
    assert wait_top_class(page) == "1"
    assert "SimpleCNN" in message(page)
    wait_image(page, "model-input")
    wait_image(page, "feature-map")

    clear_pad(page)
    assert not image_loaded(page, "model-input")

    mouse_digit(page, box, SEVEN)
    wait_strokes(page, strokes=1, emitted=3)  # stroke, clear, stroke
    assert wait_top_class(page) == "7"
    assert page.locator("#resized-input").is_hidden()

    # Another model reclassifies the drawing on the pad (no need to draw it again).

    for name in ("AlexNet", "VGG16"):
        choose(page, "model", name)
        wait_text(page, MESSAGE, f"{name} sees")
        assert wait_top_class(page, "7") == "7"
        assert "resized to" in message(page)
        page.locator("#resized-input").wait_for(state="visible", timeout=PREDICTION_MS)
        wait_image(page, "resized-input")
        wait_image(page, "feature-map")
        assert pad_state(page)["strokes"] == 1  # the drawing stays on the pad

    choose(page, "model", "SimpleCNN")
    wait_text(page, MESSAGE, "SimpleCNN sees")
    assert wait_top_class(page, "7") == "7"
    page.locator("#resized-input").wait_for(state="hidden", timeout=PREDICTION_MS)


# --------------------------------------------------------------------------- Train tab


def setup_training(page, epochs: int, images: int, batch: int) -> None:
    open_tab(page, "Train")
    page.wait_for_selector("#train-start", state="visible", timeout=PAGE_LOAD_MS)
    if page.locator("#train-model input").input_value() != "SimpleCNN":
        choose(page, "train-model", "SimpleCNN")
        page.keyboard.press("Escape")
        time.sleep(1.0)  # the model change applies the preset to the number fields: let it land
    set_number(page, "#train-epochs input", epochs)
    set_number(page, "#train-images input[type=number]", images)
    set_number(page, "#train-batch input", batch)


def train_status(page) -> str:
    return page.locator("#train-status").inner_text()


def plot_lines(page) -> list[dict]:
    """Each plot's legend text and the stroke colours of its drawn lines."""
    return page.evaluate(
        "() => ['loss-plot', 'accuracy-plot'].map(id => ({id, legend: document.querySelector('#' + id).innerText,"
        " strokes: Array.from(document.querySelectorAll('#' + id + ' g.mark-line path'))"
        ".filter(p => (p.getAttribute('d') || '').length > 10).map(p => p.getAttribute('stroke'))}))"
    )


@pytest.mark.slow
@pytest.mark.timeout(420)
@pytest.mark.xdist_group("training")  # one training at a time on the shared server
def test_a_tiny_run_shows_progress_both_curves_and_the_results(app_url, new_context):
    page = new_context().new_page()
    open_app(page, app_url)
    setup_training(page, epochs=1, images=1000, batch=32)
    # The page's loader worded the saved-models table (its headers come from the server).
    page.locator("#saved-models-list .label-wrap").click()
    wait_text(page, "#saved-models", "saved by", timeout_ms=PAGE_LOAD_MS)
    page.evaluate(
        "() => { const el = document.querySelector('#train-status'); window.__statuses = [el.innerText];"
        " new MutationObserver(() => { const t = el.innerText;"
        " if (t !== window.__statuses[window.__statuses.length - 1]) window.__statuses.push(t); })"
        ".observe(el, {subtree: true, childList: true, characterData: true}); }"
    )

    page.click("#train-start")
    status = wait_text(page, "#train-status", "Finished", timeout_ms=TRAINING_MS)
    seen = page.evaluate("() => window.__statuses")
    assert any("Epoch 1 / 1" in s for s in seen), seen  # progress was shown on the way
    assert "1,000 images" in status and "trained here" in status, status
    summary = page.locator("#train-summary").inner_text()
    assert "test accuracy" in summary, summary
    wait_image(page, "confusion")
    wait_image(page, "samples")
    assert page.locator("button#train-save").is_enabled()
    # Both curves (train and validation) are drawn, each in its own colour, and named in the legend.
    page.wait_for_function(
        "() => ['loss-plot', 'accuracy-plot'].every(id => Array.from(document.querySelectorAll("
        "'#' + id + ' g.mark-line path')).filter(p => (p.getAttribute('d') || '').length > 10).length >= 2)",
        timeout=PREDICTION_MS,
    )
    for plot in plot_lines(page):
        assert "train" in plot["legend"] and "validation" in plot["legend"], plot
        assert len(set(plot["strokes"])) >= 2 and None not in plot["strokes"], plot


@pytest.mark.slow
@pytest.mark.timeout(420)
@pytest.mark.xdist_group("training")  # one training at a time on the shared server
def test_stop_ends_a_run_only_for_its_owner_and_the_model_is_drawn_on(app_url, new_context):
    page, other = new_context().new_page(), new_context().new_page()
    open_app(page, app_url)
    models_before = read_dropdown_options(page, "model")  # a model trained earlier on this server may be here
    open_app(other, app_url)
    open_tab(other, "Train")
    other.wait_for_selector("#train-start", state="visible", timeout=PAGE_LOAD_MS)
    setup_training(page, epochs=1, images=60000, batch=16)  # 3,750 steps: long enough to stop

    page.click("#train-start")
    wait_text(page, "#train-status", "train loss", timeout_ms=TRAINING_MS)
    # A second session can neither start a run nor stop this one.
    other.click("#train-start")
    other.locator(ERROR_TOAST).filter(has_text="Another training is running").first.wait_for(
        state="visible", timeout=PREDICTION_MS)
    other.click("#train-stop")
    wait_text(other, "#train-status", "Another user's training")

    started = time.monotonic()
    page.click("#train-stop")
    status = wait_text(page, "#train-status", "Stopped", timeout_ms=120_000)
    assert time.monotonic() - started < 60
    assert "trained here" in status
    summary = page.locator("#train-summary").inner_text()
    accuracy = float(re.search(r"test accuracy[^\n]*?([\d.]+)%", summary, re.IGNORECASE).group(1))

    # The stopped model is offered in the Draw tab of the page opened before it was trained,
    # labelled with its test accuracy, and classifies a drawing.
    open_tab(page, "Draw")
    box = canvas_box(page)

    def has_this_runs_accuracy(label: str) -> bool:
        shown = re.search(r"trained here \(.*, ([\d.]+)%\)", label)
        return shown is not None and abs(float(shown.group(1)) - accuracy) < 0.051

    # An earlier run's entry could read the same (same minute, same accuracy to 0.1 %): then only
    # its presence can be checked.
    looks_like_before = any(has_this_runs_accuracy(label) for label in models_before)

    def is_this_run(label: str) -> bool:
        return has_this_runs_accuracy(label) and (looks_like_before or label not in models_before)

    choose(page, "model", wait_for_option(page, "model", is_this_run))
    page.keyboard.press("Escape")
    mouse_digit(page, box, ONE)
    wait_strokes(page, strokes=1, emitted=1)
    assert wait_top_class(page) in list("0123456789")
    assert "SimpleCNN sees" in message(page)
