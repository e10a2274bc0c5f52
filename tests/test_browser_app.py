"""Real-browser tests of the whole app (app.py): Draw tab, model switch, Train tab, tablet.

Playwright (Python) drives Debian's /usr/bin/chromium (headless, a fresh profile per run)
against the session's ``app_url`` server (tests/conftest.py). Strokes are real input: mouse
events, or touch events sent through CDP ``Input.dispatchTouchEvent`` (as in
tests/test_drawpad_browser.py). Timeouts are generous: the test machine may be busy.

Selectors: drawpad ``#drawpad canvas.drawpad-canvas`` / ``button.drawpad-clear`` (see
webui/drawpad.py); top class ``#prediction h2.output-class``; message ``#message``; model
dropdown ``#model`` (options are ``[role=option]`` in the listbox named by the input's
``aria-controls``); Train tab ids ``#train-*``; gr.Error toasts ``.toast-body.error``.

Note: the training test adds a "SimpleCNN · trained here ..." model to the shared server.
It never presses "Save as default" (that would write user_weights/).

Known app bug, checked as xfail in test_train_tiny_run_to_completion: the validation curve
is invisible (no stroke colour, not in the legend) because webui/train_tab.py's
``empty_curves()`` (the plots' first value) has only the "train" category and Gradio 6.31's
LinePlot fixes its colour domain from the value it mounts with. The check becomes a plain
pass once ``empty_curves()`` holds a NaN row for both "train" and "validation".
"""

from __future__ import annotations

import os
import time

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PAGE_LOAD_MS = 60_000
PREDICTION_MS = 30_000
TRAINING_MS = 180_000

CANVAS = "#drawpad canvas.drawpad-canvas"
CLEAR = "#drawpad button.drawpad-clear"
TOP_CLASS = "#prediction h2.output-class"
MESSAGE = "#message"
ERROR_TOAST = ".toast-body.error"

# Digits as strokes (polylines in fractions of the canvas); SimpleCNN recognises these.
ONE = [[(0.5, 0.15), (0.5, 0.85)]]
SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]
FOUR = [[(0.35, 0.15), (0.25, 0.55), (0.7, 0.55)], [(0.6, 0.2), (0.6, 0.85)]]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_context(browser):
    """Factory of browser contexts (each one a separate Gradio session), closed at teardown."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        ctx = browser.new_context(**kwargs)
        ctx.set_default_timeout(PREDICTION_MS)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


# --------------------------------------------------------------------------- helpers


def open_app(page, url: str) -> dict:
    """Load the app, wait for the drawing pad; return the canvas bounding box."""
    page.goto(url, timeout=PAGE_LOAD_MS)
    page.wait_for_selector("#drawpad .drawpad[data-ready='1']", timeout=PAGE_LOAD_MS)
    page.wait_for_selector(MESSAGE, timeout=PAGE_LOAD_MS)
    return canvas_box(page)


def canvas_box(page) -> dict:
    page.locator(CANVAS).scroll_into_view_if_needed()
    return page.locator(CANVAS).bounding_box()


def pad_state(page) -> dict:
    return page.evaluate(
        "() => { const c = document.querySelector('#drawpad canvas.drawpad-canvas');"
        " return {strokes: c.__drawpad.strokes, emitted: c.__drawpad.emitted}; }"
    )


def mouse_digit(page, box: dict, strokes, steps: int = 6) -> None:
    for pts in strokes:
        page.mouse.move(box["x"] + pts[0][0] * box["width"], box["y"] + pts[0][1] * box["height"])
        page.mouse.down()
        for x, y in pts[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=steps)
        page.mouse.up()


def touch_digit(cdp, box: dict, strokes, steps: int = 6) -> None:
    """Real touch strokes (touchStart / touchMove... / touchEnd) through CDP."""

    def point(fx, fy):
        return {"x": box["x"] + fx * box["width"], "y": box["y"] + fy * box["height"], "id": 1}

    for pts in strokes:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point(*pts[0])]})
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            for i in range(1, steps + 1):
                f = i / steps
                cdp.send("Input.dispatchTouchEvent",
                         {"type": "touchMove", "touchPoints": [point(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def wait_strokes(page, strokes: int, emitted: int) -> None:
    """Every stroke is on the pad and was sent to the server."""
    try:
        page.wait_for_function(
            "([s, e]) => { const d = document.querySelector('#drawpad canvas.drawpad-canvas').__drawpad;"
            " return d.strokes === s && d.emitted === e; }",
            arg=[strokes, emitted], timeout=10_000,
        )
    except sync_api.TimeoutError:
        raise AssertionError(f"pad state {pad_state(page)}, expected {strokes} strokes and {emitted} values sent")


def top_class(page) -> str | None:
    loc = page.locator(TOP_CLASS)
    return loc.inner_text().strip() if loc.count() else None


def message(page) -> str:
    return page.locator(MESSAGE).inner_text()


def wait_top_class(page, expected: str | None = None, timeout_ms: int = PREDICTION_MS) -> str:
    """Wait for a top class (the ``expected`` one if given) and return it."""
    try:
        page.wait_for_function(
            "([sel, want]) => { const h = document.querySelector(sel);"
            " return h && h.textContent.trim() !== '' && (want === null || h.textContent.trim() === want); }",
            arg=[TOP_CLASS, expected], timeout=timeout_ms,
        )
    except sync_api.TimeoutError:
        raise AssertionError(f"top class is {top_class(page)!r}, expected {expected or 'a digit'!r}; "
                             f"message: {message(page)!r}")
    return top_class(page)


def clear_pad(page) -> None:
    page.click(CLEAR)
    page.wait_for_function(f"() => !document.querySelector('{TOP_CLASS}')", timeout=PREDICTION_MS)
    page.wait_for_function(
        "() => document.querySelector('#message').innerText.includes('Draw a digit')", timeout=PREDICTION_MS
    )
    assert pad_state(page)["strokes"] == 0


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def dropdown_options(page, elem_id: str) -> list[str]:
    page.locator(f"#{elem_id} input").click()
    listbox = page.locator(f"#{elem_id} input").get_attribute("aria-controls")
    page.wait_for_selector(f"#{listbox} [role=option]", timeout=10_000)
    return page.locator(f"#{listbox} [role=option]").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")


def choose(page, elem_id: str, contains: str) -> str:
    """Open dropdown ``#elem_id`` and click the first option whose label contains ``contains``."""
    labels = dropdown_options(page, elem_id)
    matching = [label for label in labels if contains in label]
    assert matching, f"no option containing {contains!r} in #{elem_id}: {labels}"
    listbox = page.locator(f"#{elem_id} input").get_attribute("aria-controls")
    page.locator(f"#{listbox} [role=option]").nth(labels.index(matching[0])).click()
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel).value === want",
        arg=[f"#{elem_id} input", matching[0]], timeout=10_000,
    )
    return matching[0]


def ensure_simplecnn(page) -> None:
    """The shipped SimpleCNN is selected (a model saved from the Train tab would be the default)."""
    if page.locator("#model input").input_value() != "SimpleCNN":
        choose(page, "model", "SimpleCNN")
        page.wait_for_function(
            "() => document.querySelector('#message').innerText.includes('Draw a digit')", timeout=PREDICTION_MS
        )
    page.keyboard.press("Escape")


def set_number(page, selector: str, value) -> None:
    loc = page.locator(selector)
    loc.fill(str(value))
    loc.press("Enter")
    loc.blur()
    assert loc.input_value() == str(value)


def train_status(page) -> str:
    return page.locator("#train-status").inner_text()


def record_statuses(page) -> None:
    """Keep every text the training status shows (window.__statuses), however briefly."""
    page.evaluate(
        "() => { const el = document.querySelector('#train-status'); window.__statuses = [el.innerText];"
        " new MutationObserver(() => { const t = el.innerText;"
        " if (t !== window.__statuses[window.__statuses.length - 1]) window.__statuses.push(t); })"
        ".observe(el, {subtree: true, childList: true, characterData: true}); }"
    )


def recorded_statuses(page) -> list[str]:
    return page.evaluate("() => window.__statuses")


def wait_status(page, text: str, timeout_ms: int = TRAINING_MS) -> str:
    try:
        page.wait_for_function(
            "want => document.querySelector('#train-status').innerText.includes(want)", arg=text, timeout=timeout_ms
        )
    except sync_api.TimeoutError:
        raise AssertionError(f"train status never contained {text!r}: {train_status(page)!r}")
    return train_status(page)


def loss_curve(page) -> str:
    """The SVG path data of the loss plot's lines ('' while there is no data)."""
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('#loss-plot g.mark-line path'))"
        ".map(p => p.getAttribute('d') || '').join('|')"
    )


def image_loaded(page, elem_id: str) -> bool:
    return page.evaluate(
        "id => { const i = document.querySelector('#' + id + ' img');"
        " return !!i && i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 0; }",
        elem_id,
    )


def wait_image(page, elem_id: str, timeout_ms: int = PREDICTION_MS) -> None:
    page.wait_for_function(
        "id => { const i = document.querySelector('#' + id + ' img');"
        " return !!i && i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 0; }",
        arg=elem_id, timeout=timeout_ms,
    )


def in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    vp = page.viewport_size
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and \
        box["x"] + box["width"] <= vp["width"] and box["y"] + box["height"] <= vp["height"]


# --------------------------------------------------------------------------- Draw tab


@pytest.mark.timeout(240)
def test_mouse_draw_predict_clear_draw_again(app_url, new_context):
    page = new_context().new_page()
    box = open_app(page, app_url)
    ensure_simplecnn(page)
    assert top_class(page) is None
    assert "Draw a digit" in message(page)

    mouse_digit(page, box, ONE)
    wait_strokes(page, strokes=1, emitted=1)
    assert wait_top_class(page) == "1"
    assert "SimpleCNN" in message(page)
    wait_image(page, "model-input")
    wait_image(page, "feature-map")

    clear_pad(page)
    assert "Draw a digit" in message(page)
    assert not image_loaded(page, "model-input")

    mouse_digit(page, box, SEVEN)
    wait_strokes(page, strokes=1, emitted=3)  # stroke, clear, stroke
    assert wait_top_class(page) == "7"
    assert "SimpleCNN" in message(page)


@pytest.mark.timeout(240)
def test_touch_draw_predict_clear_draw_again(app_url, new_context):
    ctx = new_context(has_touch=True)
    page = ctx.new_page()
    box = open_app(page, app_url)
    ensure_simplecnn(page)
    page.evaluate(
        "() => { window.__types = []; document.querySelector('#drawpad canvas.drawpad-canvas')"
        ".addEventListener('pointerdown', e => window.__types.push(e.pointerType), true); }"
    )
    cdp = ctx.new_cdp_session(page)

    touch_digit(cdp, box, SEVEN)
    wait_strokes(page, strokes=1, emitted=1)
    assert wait_top_class(page) == "7"

    clear_pad(page)

    touch_digit(cdp, box, FOUR)  # two strokes: both must arrive
    wait_strokes(page, strokes=2, emitted=4)
    assert wait_top_class(page, "4") == "4"
    assert page.evaluate("() => window.__types") == ["touch"] * 3


@pytest.mark.timeout(300)
def test_model_switch_reclassifies_current_drawing(app_url, new_context):
    page = new_context().new_page()
    box = open_app(page, app_url)
    ensure_simplecnn(page)
    assert page.locator("#resized-input").is_hidden()

    mouse_digit(page, box, SEVEN)
    wait_strokes(page, strokes=1, emitted=1)
    assert wait_top_class(page) == "7"
    assert page.locator("#resized-input").is_hidden()

    for name in ("AlexNet", "VGG16"):
        choose(page, "model", name)
        page.wait_for_function(
            "want => document.querySelector('#message').innerText.includes(want)", arg=f"{name} sees",
            timeout=PREDICTION_MS,
        )
        assert wait_top_class(page) in list("0123456789")  # untrained models may guess anything
        assert "resized to" in message(page)
        page.locator("#resized-input").wait_for(state="visible", timeout=PREDICTION_MS)
        wait_image(page, "resized-input")
        wait_image(page, "feature-map")
        assert pad_state(page)["strokes"] == 1  # the drawing stays on the pad

    choose(page, "model", "SimpleCNN")
    page.wait_for_function(
        "() => document.querySelector('#message').innerText.includes('SimpleCNN sees')", timeout=PREDICTION_MS
    )
    assert wait_top_class(page, "7") == "7"
    page.locator("#resized-input").wait_for(state="hidden", timeout=PREDICTION_MS)


@pytest.mark.timeout(240)
def test_tablet_width_pad_and_prediction_visible(app_url, new_context):
    ctx = new_context(viewport={"width": 768, "height": 1024}, has_touch=True, is_mobile=True,
                      device_scale_factor=2)
    page = ctx.new_page()
    page.goto(app_url, timeout=PAGE_LOAD_MS)
    page.wait_for_selector("#drawpad .drawpad[data-ready='1']", timeout=PAGE_LOAD_MS)
    ensure_simplecnn(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator("#prediction").wait_for(state="visible", timeout=PREDICTION_MS)  # settles after load events
    assert page.locator(CANVAS).is_visible() and page.locator("#prediction").is_visible()
    # Both fit on one tablet screen, so a student sees the answer while drawing.
    assert in_viewport(page, CANVAS), page.locator(CANVAS).bounding_box()
    assert in_viewport(page, "#prediction"), page.locator("#prediction").bounding_box()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")

    box = page.locator(CANVAS).bounding_box()
    touch_digit(ctx.new_cdp_session(page), box, ONE)
    wait_strokes(page, strokes=1, emitted=1)
    assert wait_top_class(page) == "1"
    assert page.locator(TOP_CLASS).is_visible() and in_viewport(page, TOP_CLASS)

    clear_pad(page)
    mouse_digit(page, box, SEVEN)
    wait_strokes(page, strokes=1, emitted=3)
    assert wait_top_class(page) == "7"


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
    time.sleep(0.5)


@pytest.mark.timeout(420)
def test_train_tiny_run_to_completion(app_url, new_context):
    page = new_context().new_page()
    open_app(page, app_url)
    setup_training(page, epochs=1, images=3000, batch=32)
    assert loss_curve(page).strip("|") == ""
    record_statuses(page)

    page.click("#train-start")
    status = wait_status(page, "Finished")
    seen = recorded_statuses(page)
    assert any("Epoch 1 / 1" in s for s in seen), seen  # progress was shown on the way
    assert "3,000 images" in status and "trained here" in status, status
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#loss-plot g.mark-line path'))"
        ".some(p => (p.getAttribute('d') || '').length > 10)", timeout=PREDICTION_MS,
    )
    summary = page.locator("#train-summary").inner_text()
    assert "test accuracy" in summary, summary
    wait_image(page, "confusion")
    wait_image(page, "samples")
    assert page.locator("#train-save button, button#train-save").first.is_enabled()

    # Both curves (train and validation) are drawn in colour and named in the legend.
    time.sleep(1.0)
    plots = page.evaluate(
        "() => ['loss-plot', 'accuracy-plot'].map(id => ({id, legend: document.querySelector('#' + id).innerText,"
        " strokes: Array.from(document.querySelectorAll('#' + id + ' g.mark-line path'))"
        ".filter(p => (p.getAttribute('d') || '').length > 0).map(p => p.getAttribute('stroke'))}))"
    )
    broken = [p for p in plots if "validation" not in p["legend"] or len(p["strokes"]) < 2 or None in p["strokes"]]
    if broken:
        # Known app bug (webui/train_tab.py empty_curves): Gradio builds the plot's colour scale
        # from the first value, which has only "train", so the validation line gets no colour.
        pytest.xfail(f"validation curve not drawn (app bug, see module docstring): {broken}")


@pytest.mark.timeout(600)
def test_train_busy_stop_then_draw_with_trained_model(app_url, new_context):
    page = new_context().new_page()
    other = new_context().new_page()
    open_app(page, app_url)
    open_app(other, app_url)
    open_tab(other, "Train")
    other.wait_for_selector("#train-start", state="visible", timeout=PAGE_LOAD_MS)
    # Enough work (7,500 steps) to press Stop long before the end.
    setup_training(page, epochs=2, images=60000, batch=16)

    page.click("#train-start")
    first = wait_status(page, "Epoch")
    wait_status(page, "train loss")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#loss-plot g.mark-line path'))"
        ".some(p => (p.getAttribute('d') || '').length > 0)", timeout=TRAINING_MS,
    )

    # A second session cannot start a run while this one trains, nor stop it.
    other.click("#train-start")
    toast = other.locator(ERROR_TOAST).filter(has_text="Another training is running")
    toast.first.wait_for(state="visible", timeout=PREDICTION_MS)
    other.click("#train-stop")
    other.wait_for_function(
        "() => document.querySelector('#train-status').innerText.includes(\"Another user's training\")",
        timeout=PREDICTION_MS,
    )

    # The run goes on: the status and the loss curve move.
    curve = loss_curve(page)
    page.wait_for_function(
        "old => document.querySelector('#train-status').innerText !== old"
        " && document.querySelector('#train-status').innerText.includes('Epoch')",
        arg=train_status(page), timeout=TRAINING_MS,
    )
    assert train_status(page) != first
    page.wait_for_function(
        "old => Array.from(document.querySelectorAll('#loss-plot g.mark-line path'))"
        ".map(p => p.getAttribute('d') || '').join('|') !== old",
        arg=curve, timeout=TRAINING_MS,
    )
    assert "Finished" not in train_status(page), "the run ended before Stop could be pressed"

    started = time.monotonic()
    page.click("#train-stop")
    status = wait_status(page, "Stopped", timeout_ms=120_000)
    stop_s = time.monotonic() - started
    assert stop_s < 60, f"Stop took {stop_s:.1f} s"
    assert "trained here" in status, status
    assert "Stopped" in page.locator("#train-summary").inner_text()

    # The stopped model is offered in the Draw tab and classifies a drawing.
    open_tab(page, "Draw")
    box = canvas_box(page)
    label = choose(page, "model", "trained here")
    page.keyboard.press("Escape")
    mouse_digit(page, box, ONE)
    wait_strokes(page, strokes=1, emitted=1)
    assert wait_top_class(page) in list("0123456789")
    page.wait_for_function(
        "want => document.querySelector('#message').innerText.includes(want)", arg=label.split(" (")[0],
        timeout=PREDICTION_MS,
    )
    assert "trained here" in message(page)
