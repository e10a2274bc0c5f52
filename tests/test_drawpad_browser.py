"""Browser tests for webui.drawpad (Playwright + Debian chromium, headless).

The demo (webui/demo_drawpad.py) runs in this process, so the tests can see
exactly which values its Python handler received (demo_drawpad.RECEIVED).
Gradio is imported by the tests, not by this module (conftest: BUILDS_GRADIO_HERE).
"""

from __future__ import annotations

import time

import pytest

from browser import (
    canvas_box, mouse_digit, open_pad, pad_state, pixel, pointer_types, record_pointer_types, settled_canvas_box, touch_digit,
)
from conftest import BUILDS_GRADIO_HERE, free_port
from webui.pad_value import DATA_URL_PREFIX, decode_value

pytestmark = BUILDS_GRADIO_HERE  # the pad's demo is served from this process, and once

LABEL = "#out h2.output-class"


def _launch(demo) -> str:
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    return f"http://127.0.0.1:{port}/"


def _received() -> list[dict]:
    """What the demo's Python handler received, oldest first (demo_drawpad.RECEIVED)."""
    from webui import demo_drawpad

    return demo_drawpad.RECEIVED


def _n() -> int:
    return len(_received())


def _wait_received(n: int, timeout: float = 20.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if _n() >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"handler got {_n()} values, expected {n}")


def _label(page) -> str:
    loc = page.locator(LABEL)
    return loc.text_content() if loc.count() else ""


def _wait_label_change(page, old: str, timeout_ms: int = 20_000) -> str:
    page.wait_for_function(
        "([sel, old]) => { const h = document.querySelector(sel);"
        " return h && h.textContent !== old; }",
        arg=[LABEL, old],
        timeout=timeout_ms,
    )
    return _label(page)


def _stroke(page, box, x0, y0, x1, y1, steps=8):
    mouse_digit(page, box, [[(x0, y0), (x1, y1)]], steps=steps)


@pytest.fixture(scope="module")
def pad_url():
    """The pad's own demo (webui/demo_drawpad.py), served from this process."""
    from webui import demo_drawpad

    demo = demo_drawpad.build_demo()
    url = _launch(demo)
    yield url
    demo.close()


# --------------------------------------------------------------------------- python-only


@pytest.mark.unit
def test_factory_returns_configured_html():
    import gradio as gr

    from webui.drawpad import drawpad

    pad = drawpad(elem_id="pad1", texts={"ko": {"undo": "되돌리기", "clear": "지우기"}, "en": {}}, lang="en")
    assert isinstance(pad, gr.HTML)
    assert pad.elem_id == "pad1"
    assert pad.value == ""
    assert "${value}" not in pad.html_template  # template must not re-render on value
    assert 'data-ko-text="되돌리기"' in pad.html_template and 'data-ko-text="지우기"' in pad.html_template
    assert ">Undo</button>" in pad.html_template  # shown in English until the page says otherwise
    assert 'class="drawpad-undo"' in pad.html_template
    assert 'class="drawpad-clear"' in pad.html_template
    assert pad.html_template.count('class="drawpad-brush"') == 3
    assert "touch-action: none" in pad.css_template


@pytest.mark.unit
def test_lit_escapes_template_syntax():
    from webui.drawpad import _lit

    s = _lit("a${b}`c\\<d>&{{e}}")
    for bad in ("${", "`", "\\", "<", "{{", "}}"):
        assert bad not in s


@pytest.mark.unit
def test_decode_value_roundtrip():
    import base64
    import io

    from PIL import Image

    assert decode_value("") is None and decode_value(None) is None
    img = Image.new("RGBA", (112, 112), (0, 0, 0, 255))
    img.putpixel((5, 5), (255, 255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    url = DATA_URL_PREFIX + base64.b64encode(buf.getvalue()).decode()
    out = decode_value(url)
    assert out.mode == "L" and out.size == (112, 112)
    assert out.getpixel((5, 5)) == 255 and out.getpixel((0, 0)) == 0


# --------------------------------------------------------------------------- browser


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_mouse_stroke_undo_clear_then_a_narrow_window(pad_url, browser):
    """One page: a mouse stroke sends one value; undo and clear; then the window made narrow
    (a tablet turned, a window resized) and a stroke at the shrunken pad's centre; then the
    pad cleared from Python."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        box = open_pad(page, pad_url)
        n0 = _n()
        old = _label(page)

        # During a stroke nothing is sent. The pad counts each value it sends as it sends it
        # (pad_state "emitted"), so its count is exact at once; what reached the handler is
        # counted once a later value has arrived behind it (the pad's events are handled in order).
        page.mouse.move(box["x"] + 60, box["y"] + 60)
        page.mouse.down()
        page.mouse.move(box["x"] + 200, box["y"] + 120, steps=10)
        assert pad_state(page)["emitted"] == 0, "a value was sent during the stroke"
        page.mouse.up()

        text = _wait_label_change(page, old)
        assert text.startswith("ink pixels: ")
        assert int(text.split(":")[1]) > 50
        rec = _received()[-1]
        assert rec["prefix"] == DATA_URL_PREFIX
        assert rec["size"] == (112, 112)
        assert rec["ink"] == int(text.split(":")[1])
        assert pad_state(page) == {"strokes": 1, "emitted": 1, "attr": "1"}
        # White ink on black: a pixel on the stroke is white, a corner is black.
        assert pixel(page, 60, 60)[:3] == [255, 255, 255]
        assert pixel(page, 270, 270)[:3] == [0, 0, 0]

        page.click("#drawpad button.drawpad-clear")
        _wait_label_change(page, text)
        _wait_received(n0 + 2)
        # Exactly one value per stroke: the stroke's, then the clear's (nothing sent during the
        # stroke, nothing after it).
        assert [r["empty"] for r in _received()[n0:]] == [False, True]

        # Undo and clear.
        label = _label(page)
        _stroke(page, box, 0.2, 0.2, 0.8, 0.3)
        label = _wait_label_change(page, label)
        ink1 = int(label.split(":")[1])
        _stroke(page, box, 0.2, 0.7, 0.8, 0.8)
        label = _wait_label_change(page, label)
        ink2 = int(label.split(":")[1])
        assert ink2 > ink1 * 1.5

        n0 = _n()
        page.click("#drawpad button.drawpad-undo")
        label = _wait_label_change(page, label)
        ink_undo = int(label.split(":")[1])
        assert abs(ink_undo - ink1) <= 0.05 * ink1, (ink1, ink_undo)
        assert pad_state(page)["strokes"] == 1
        assert pixel(page, int(0.5 * 280), int(0.75 * 280))[:3] == [0, 0, 0]

        page.click("#drawpad button.drawpad-clear")
        label = _wait_label_change(page, label)
        assert label == "empty canvas"
        _wait_received(n0 + 2)
        assert _received()[-1]["empty"] is True  # value == ""
        assert pad_state(page)["strokes"] == 0

        # Clear a second time on an empty pad: still one event, value "".
        emitted = pad_state(page)["emitted"]
        page.click("#drawpad button.drawpad-clear")
        _wait_received(n0 + 3)
        assert _received()[-1]["empty"] is True
        assert _label(page) == "empty canvas"

        # Undo on an empty pad does nothing.
        page.click("#drawpad button.drawpad-undo")
        assert pad_state(page)["emitted"] == emitted + 1  # the clear's value only

        # Drawing still works after clearing.
        _stroke(page, box, 0.3, 0.5, 0.7, 0.5)
        label = _wait_label_change(page, label)
        assert label.startswith("ink pixels: ")
        # The handler got one value for the second clear and none for the undo: the next one
        # is the stroke's.
        assert [r["empty"] for r in _received()[n0 + 2:]] == [True, False]

        # Undo every stroke -> "" again.
        page.click("#drawpad button.drawpad-undo")
        label = _wait_label_change(page, label)
        assert label == "empty canvas"
        assert _received()[-1]["empty"] is True

        # The same page in a narrow window: the pad shrinks (CSS max-width) and a stroke lands
        # where it is drawn.
        page.set_viewport_size({"width": 260, "height": 700})
        page.wait_for_function("() => document.querySelector('#drawpad canvas.drawpad-canvas')"
                               ".getBoundingClientRect().width < 250")
        box = settled_canvas_box(page)
        assert abs(box["width"] - box["height"]) < 1.5
        label = _label(page)
        # Thin brush, short stroke around the displayed centre.
        page.click("#drawpad button.drawpad-brush[data-brush='small']")
        assert page.get_attribute("#drawpad button.drawpad-brush[data-brush='small']",
                                  "aria-pressed") == "true"
        _stroke(page, box, 0.48, 0.5, 0.52, 0.5, steps=3)
        _wait_label_change(page, label)
        # In canvas coordinates (280 px) the ink is at the centre, not offset.
        assert pixel(page, 140, 140)[:3] == [255, 255, 255]
        for x, y in ((140, 120), (140, 160), (100, 140), (180, 140)):
            assert pixel(page, x, y)[:3] == [0, 0, 0], (x, y)

        # Python can clear the pad (a handler returns "" to it), and it still draws afterwards.
        emitted = pad_state(page)["emitted"]
        page.click("#clear-from-python")
        page.wait_for_function("() => document.querySelector('#drawpad .drawpad').dataset.strokes === '0'",
                               timeout=20_000)
        assert pixel(page, 140, 140)[:3] == [0, 0, 0]
        _stroke(page, box, 0.2, 0.3, 0.8, 0.3)
        page.wait_for_function("n => document.querySelector('#drawpad canvas').__drawpad.emitted === n",
                               arg=emitted + 1)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_six_touch_strokes_all_arrive(pad_url, browser):
    # Tablet-sized and short, so the page could scroll if the pad let it.
    ctx = browser.new_context(
        viewport={"width": 768, "height": 420}, has_touch=True, is_mobile=True,
        device_scale_factor=2,
    )
    page = ctx.new_page()
    try:
        open_pad(page, pad_url)
        box = canvas_box(page)
        scroll0 = page.evaluate("() => window.scrollY")
        record_pointer_types(page)
        cdp = ctx.new_cdp_session(page)
        n0 = _n()
        inks = []
        label = _label(page)
        for k in range(6):
            y = 0.12 + 0.15 * k
            touch_digit(cdp, box, [[(0.15, y), (0.85, y + 0.05)]], steps=8)
            label = _wait_label_change(page, label)
            inks.append(int(label.split(":")[1]))
        # One value per stroke: sent by the pad, and received by the handler (in order, so the
        # last stroke's label means every earlier value has been handled).
        assert pad_state(page) == {"strokes": 6, "emitted": 6, "attr": "6"}
        assert _n() == n0 + 6, f"handler got {_n() - n0} values for 6 touch strokes"
        assert inks == sorted(inks) and len(set(inks)) == 6, inks
        assert pointer_types(page) == ["touch"] * 6
        assert page.evaluate("() => window.scrollY") == scroll0, "touch scrolled the page"
        # On this 2x screen the bitmap has twice the pixels (sharp ink); the value sent does not change size.
        bitmap = page.evaluate("() => { const c = document.querySelector('#drawpad canvas'); return [c.width, c.height]; }")
        assert bitmap == [2 * 280, 2 * 280]
        assert _received()[-1]["size"] == (112, 112)
    finally:
        ctx.close()
