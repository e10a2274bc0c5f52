"""Shared helpers of the browser tests: Debian's chromium driven by Playwright (never
``playwright install``), strokes as real mouse or touch input, and waits on the page.

Selectors: drawing pad ``#drawpad canvas.drawpad-canvas`` / ``button.drawpad-clear`` (see
``webui/drawpad.py``); top class ``#prediction h2.output-class``; message ``#message``; model
dropdown ``#model`` (options are ``[role=option]`` in the listbox named by the input's
``aria-controls``); Train tab ids ``#train-*``; ``gr.Error`` toasts ``.toast-body.error``.
Strokes are polylines in fractions of the canvas.
"""

from __future__ import annotations

import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

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

# Digits as strokes; SimpleCNN recognises these.
ONE = [[(0.5, 0.15), (0.5, 0.85)]]
SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]
FOUR = [[(0.35, 0.15), (0.25, 0.55), (0.7, 0.55)], [(0.6, 0.2), (0.6, 0.85)]]


def open_pad(page, url: str) -> dict:
    """Load a page with a drawing pad, wait until it is ready; return the canvas box."""
    page.goto(url, timeout=PAGE_LOAD_MS)
    return wait_pad_ready(page)


def wait_pad_ready(page) -> dict:
    """Wait until the page's drawing pad is ready (a page being loaded); return the canvas box."""
    page.wait_for_selector("#drawpad .drawpad[data-ready='1']", timeout=PAGE_LOAD_MS)
    return settled_canvas_box(page)


def settled_canvas_box(page, timeout_s: float = 10.0) -> dict:
    """The canvas box once the page's layout has stopped moving it (fonts and styles can still
    shift it just after the pad is ready; a stroke drawn at the old place would miss)."""
    box = canvas_box(page)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(150)
        again = canvas_box(page)
        if again == box:
            return box
        box = again
    return box


def open_app(page, url: str) -> dict:
    """Load the app, wait for the pad and the message; return the canvas box."""
    page.goto(url, timeout=PAGE_LOAD_MS)
    return wait_app_ready(page)


def wait_app_ready(page) -> dict:
    """Wait until the app being loaded shows its pad and message; return the canvas box."""
    box = wait_pad_ready(page)
    page.wait_for_selector(MESSAGE, timeout=PAGE_LOAD_MS)
    return box


def canvas_box(page) -> dict:
    page.locator(CANVAS).scroll_into_view_if_needed()
    return page.locator(CANVAS).bounding_box()


def pad_state(page) -> dict:
    """Strokes on the pad and values sent so far (the pad's debugging object)."""
    return page.evaluate(
        "() => { const c = document.querySelector('#drawpad canvas.drawpad-canvas');"
        " return {strokes: c.__drawpad.strokes, emitted: c.__drawpad.emitted,"
        " attr: document.querySelector('#drawpad .drawpad').dataset.strokes}; }"
    )


def record_pointer_types(page) -> None:
    """From now on, note the pointer type ("mouse", "touch", "pen") of every press on the pad;
    :func:`pointer_types` reads them."""
    page.evaluate(
        "canvas => { window.__types = []; document.querySelector(canvas)"
        ".addEventListener('pointerdown', e => window.__types.push(e.pointerType), true); }", CANVAS)


def pointer_types(page) -> list[str]:
    """The pointer types noted by :func:`record_pointer_types`, in order."""
    return page.evaluate("() => window.__types")


def pixel(page, x: int, y: int) -> list[int]:
    """RGBA of the pad's canvas at canvas coordinates (x, y) of its 280-px drawing space."""
    return page.evaluate(
        "([x, y]) => { const c = document.querySelector('#drawpad canvas.drawpad-canvas');"
        " const s = c.width / 280; return Array.from(c.getContext('2d').getImageData(x * s, y * s, 1, 1).data); }",
        [x, y],
    )


def _point(box: dict, fx: float, fy: float) -> tuple[float, float]:
    return box["x"] + fx * box["width"], box["y"] + fy * box["height"]


def mouse_digit(page, box: dict, strokes, steps: int = 6) -> None:
    """Draw ``strokes`` with the mouse: down, moves of ``steps`` steps, up."""
    for points in strokes:
        page.mouse.move(*_point(box, *points[0]))
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(*_point(box, x, y), steps=steps)
        page.mouse.up()


def touch_digit(cdp, box: dict, strokes, steps: int = 6) -> None:
    """Draw ``strokes`` with real touch events (touchStart / touchMove... / touchEnd) through CDP."""

    def point(fx, fy):
        x, y = _point(box, fx, fy)
        return {"x": x, "y": y, "id": 1}

    for points in strokes:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point(*points[0])]})
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
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
    except PlaywrightTimeout:
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
    except PlaywrightTimeout:
        raise AssertionError(f"top class is {top_class(page)!r}, expected {expected or 'a digit'!r}; "
                             f"message: {message(page)!r}")
    return top_class(page)


def wait_text(page, selector: str, text: str, timeout_ms: int = PREDICTION_MS) -> str:
    """Wait until the element's text contains ``text``; return the whole text."""
    try:
        page.wait_for_function("([sel, want]) => { const e = document.querySelector(sel);"
                               " return !!e && e.innerText.includes(want); }",
                               arg=[selector, text], timeout=timeout_ms)
    except PlaywrightTimeout:
        shown = page.locator(selector).inner_text() if page.locator(selector).count() else "(missing)"
        raise AssertionError(f"{selector} never contained {text!r}: {shown!r}")
    return page.locator(selector).inner_text()


def clear_pad(page, prompt: str = "Draw a digit") -> None:
    page.click(CLEAR)
    page.wait_for_function(f"() => !document.querySelector('{TOP_CLASS}')", timeout=PREDICTION_MS)
    wait_text(page, MESSAGE, prompt)
    assert pad_state(page)["strokes"] == 0


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def dropdown_options(page, elem_id: str) -> list[str]:
    page.locator(f"#{elem_id} input").click()
    listbox = page.locator(f"#{elem_id} input").get_attribute("aria-controls")
    page.wait_for_selector(f"#{listbox} [role=option]", timeout=10_000)
    return page.locator(f"#{listbox} [role=option]").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")


def read_dropdown_options(page, elem_id: str) -> list[str]:
    """The labels of dropdown ``#elem_id``'s options, the dropdown closed again afterwards."""
    labels = dropdown_options(page, elem_id)
    page.keyboard.press("Escape")
    page.locator(f"#{elem_id} input").blur()  # a focused dropdown does not open on the next click
    return labels


def wait_for_option(page, elem_id: str, wanted, timeout_ms: int = PREDICTION_MS) -> str:
    """Reopen dropdown ``#elem_id`` until one of its options' labels satisfies ``wanted(label)``
    (the choices may still be on their way from the server); return that label."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        labels = read_dropdown_options(page, elem_id)
        matching = [label for label in labels if wanted(label)]
        if matching:
            return matching[0]
        assert time.monotonic() < deadline, f"no wanted option in #{elem_id}: {labels}"
        time.sleep(0.2)


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


def set_number(page, selector: str, value) -> None:
    loc = page.locator(selector)
    loc.fill(str(value))
    loc.press("Enter")
    loc.blur()
    assert loc.input_value() == str(value)


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
    viewport = page.viewport_size
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and \
        box["x"] + box["width"] <= viewport["width"] and box["y"] + box["height"] <= viewport["height"]
