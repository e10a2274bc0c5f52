"""Both languages at phone and tablet widths, then the language switch, and kiosk mode (a second
app, served in-process, with CNNDEMO_KIOSK=1), in Debian's chromium driven by Playwright."""

from __future__ import annotations

import pytest

from browser import (
    CANVAS, FOUR, MESSAGE, SEVEN, TOP_CLASS, canvas_box, choose, clear_pad, in_viewport, message,
    open_app, pad_state, pointer_types, record_pointer_types, touch_digit, wait_app_ready, wait_strokes, wait_text,
    wait_top_class,
)
from conftest import BUILDS_GRADIO_HERE, app_in_process
from locales import word

pytestmark = [pytest.mark.browser, pytest.mark.server]

WORDS = {  # what a reader of each language sees (locales/*.json)
    "ko": {"title": "CNN 교실", "tab": "그리기", "clear": "지우기", "prompt": "숫자(0–9)를 그려 보세요", "seen": "봅니다"},
    "en": {"title": "CNN classroom", "tab": "Draw", "clear": "Clear", "prompt": "Draw a digit (0–9)", "seen": "sees"},
}
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}  # as the switch shows them
SCREENS = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 768, "height": 1024}}


def page_words(page) -> dict:
    return {
        "title": page.locator("#title").inner_text(),
        "tabs": page.get_by_role("tab").all_inner_texts(),
        "clear": page.locator("#drawpad button.drawpad-clear").inner_text(),
        "message": message(page),
    }


def assert_language(page, lang: str) -> None:
    words = WORDS[lang]
    wait_text(page, MESSAGE, words["prompt"]) if pad_state(page)["strokes"] == 0 else None
    wait_text(page, "#title", words["title"])  # Gradio's own translations follow a moment later
    shown = page_words(page)
    assert words["title"] in shown["title"], shown
    assert words["tab"] in shown["tabs"], shown
    assert shown["clear"] == words["clear"], shown


# Where the canvas was, each time it moved, from the moment the pad was ready and visible (a
# finger can be on it) (runs in every document).
TRACK_CANVAS_JS = """
window.__canvasTops = [];
(function track() {
  if (window.__canvasTracking === false) return;  // checked: stop asking for frames
  const canvas = document.querySelector('#drawpad .drawpad[data-ready="1"] canvas');
  if (canvas && canvas.checkVisibility({visibilityProperty: true})) {
    const top = Math.round(canvas.getBoundingClientRect().top + window.scrollY);
    if (window.__canvasTops[window.__canvasTops.length - 1] !== top) window.__canvasTops.push(top);
  }
  requestAnimationFrame(track);
})();
"""


def assert_pad_stayed(page) -> None:
    """The pad stayed where it first appeared while the page worded itself (a few pixels at most,
    the two languages' line heights): a finger already on it would not find it moved. Needs
    TRACK_CANVAS_JS in the page's context."""
    tops = page.evaluate("() => { window.__canvasTracking = false; return window.__canvasTops; }")
    assert max(tops) - min(tops) <= 8, tops


# English: the browser's language. Korean: a browser in neither language gets the server's
# default, Korean (a Korean browser would get it either way).
@pytest.mark.parametrize("lang, locale", [("ko", "fr-FR"), ("en", "en-US")])
@pytest.mark.timeout(240)
def test_each_language_on_a_phone_then_at_tablet_width(app_url, new_context, lang, locale):
    context = new_context(viewport=SCREENS["phone"], locale=locale, has_touch=True, is_mobile=True,
                          device_scale_factor=2)
    context.add_init_script(TRACK_CANVAS_JS)
    page = context.new_page()
    warnings = []
    page.on("console", lambda entry: warnings.append(entry.text) if entry.type == "warning" else None)
    open_app(page, app_url)
    assert_language(page, lang)
    assert_pad_stayed(page)
    record_pointer_types(page)
    cdp = context.new_cdp_session(page)
    # On the phone a one-stroke 7; then, the same page at tablet width, the pad cleared and a
    # two-stroke 4 (both strokes must arrive).
    for screen, digit, expected in (("phone", SEVEN, "7"), ("tablet", FOUR, "4")):
        page.set_viewport_size(SCREENS[screen])
        page.evaluate("() => window.scrollTo(0, 0)")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
        assert in_viewport(page, CANVAS), (screen, page.locator(CANVAS).bounding_box())
        if screen == "tablet":  # pad and answer on one screen: a student sees the answer while drawing
            assert in_viewport(page, "#prediction"), page.locator("#prediction").bounding_box()
            clear_pad(page, WORDS[lang]["prompt"])
        touch_digit(cdp, canvas_box(page), digit)
        if screen == "phone":
            wait_strokes(page, strokes=1, emitted=1)
        else:
            wait_strokes(page, strokes=2, emitted=4)  # stroke, clear, stroke, stroke
        assert wait_top_class(page, expected) == expected, screen
        assert WORDS[lang]["seen"] in message(page)
        page.locator(TOP_CLASS).scroll_into_view_if_needed()
        assert page.locator(TOP_CLASS).is_visible()
    assert pointer_types(page) == ["touch"] * 3  # touches, not a mouse emulated

    # The switch, tapped, words the page in the other language and keeps the drawing.
    other = "en" if lang == "ko" else "ko"
    page.locator("#language").get_by_text(LANGUAGE_NAMES[other]).tap()
    wait_text(page, MESSAGE, WORDS[other]["seen"])
    page.wait_for_function("want => document.querySelector('#drawpad button.drawpad-clear').innerText === want",
                           arg=WORDS[other]["clear"])
    assert_language(page, other)
    # Every tab's label, not only the selected one's (Gradio re-translates only that one itself).
    tabs = [word(key, lang=other) for key in ("tab.draw", "playground.tab", "tab.train")]
    page.wait_for_function("tabs => JSON.stringify(Array.from(document.querySelectorAll('[role=tab]'))"
                           ".map(t => t.innerText.trim())) === JSON.stringify(tabs)", arg=tabs)
    assert top_class(page) == "4" and pad_state(page)["strokes"] == 2  # nothing was lost
    assert f"lang={other}" in page.url  # so a reload keeps the choice (the address decides on load: the next test)
    # The page was shown as soon as it was drawn in its language, not by the head's 3 s fallback
    # (webui.ui.page_head); this page has been open for longer than that.
    assert not [text for text in warnings if text.startswith("cnndemo:")], warnings


def top_class(page):
    locator = page.locator(TOP_CLASS)
    return locator.inner_text().strip() if locator.count() else None


@pytest.mark.timeout(120)
def test_the_address_chooses_over_the_browser(app_url, new_context):
    context = new_context(viewport=SCREENS["phone"], locale="ko-KR")
    context.add_init_script(TRACK_CANVAS_JS)
    page = context.new_page()
    open_app(page, app_url + "?lang=en")
    assert_language(page, "en")
    assert_pad_stayed(page)  # drawn in English from the start, not in Korean first


# --------------------------------------------------------------------------- kiosk mode

IDLE_S = 10


@pytest.fixture(scope="module")
def kiosk_url(tmp_path_factory, shipped_predictor):
    with app_in_process(tmp_path_factory.mktemp("kiosk"), shipped_predictor, CNNDEMO_KIOSK="1",
                        CNNDEMO_KIOSK_IDLE_S=str(IDLE_S)) as url:
        yield url


@pytest.mark.timeout(300)
@BUILDS_GRADIO_HERE  # the kiosk app is served from this process
def test_kiosk_hides_the_teachers_parts_and_resets_after_idle_time(kiosk_url, new_context):
    # A Korean browser: under Playwright's installed clock, Gradio's own translations (the title)
    # never switch from the browser's language to another one (seen with fr-FR).
    context = new_context(viewport=SCREENS["tablet"], locale="ko-KR", has_touch=True, is_mobile=True)
    # The page's clock is Playwright's: it runs on by itself, and the test moves it past the idle time.
    context.clock.install()
    page = context.new_page()
    box = open_app(page, kiosk_url)
    assert_language(page, "ko")
    # The operator's parts are not there: no Train tab, no upload, no API page or settings in the footer.
    # The students' tabs stay (Draw, the Conv2D playground); the Train tab is not built.
    assert page.get_by_role("tab").all_inner_texts() == [WORDS["ko"]["tab"], word("playground.tab", lang="ko")]
    assert page.locator("#upload").count() == 0 or not page.locator("#upload").is_visible()
    assert page.locator("footer a, footer button").count() == 0
    # Touch-first: large targets.
    for selector in ("#drawpad button.drawpad-clear", "#drawpad button.drawpad-undo"):
        assert page.locator(selector).bounding_box()["height"] >= 48, selector

    # A student draws, changes the model and the language, and walks away.
    touch_digit(context.new_cdp_session(page), box, SEVEN)
    wait_strokes(page, strokes=1, emitted=1)
    wait_top_class(page)
    choose(page, "model", "AlexNet")
    wait_text(page, MESSAGE, "AlexNet")
    page.evaluate("() => window.addEventListener('pointerdown', () => { window.__touched = Date.now(); }, true)")
    page.locator("#language").get_by_text("English").click()  # the last touch
    wait_text(page, MESSAGE, "sees")
    page.evaluate("() => { window.__before_reset = true; window.scrollTo(0, 400); }")
    # Stop the page's clock, then move it on by hand (the kiosk looks once a second): nothing
    # happens until the idle time since the last touch has passed, then the page loads afresh.
    page.clock.pause_at(page.evaluate("() => Date.now()") / 1000 + 0.25)  # Unix time in seconds
    idle_so_far_ms = page.evaluate("() => Date.now() - window.__touched")
    assert idle_so_far_ms < (IDLE_S - 2) * 1000
    page.clock.run_for((IDLE_S - 1) * 1000 - idle_so_far_ms)
    assert page.evaluate("() => window.__before_reset") is True
    page.clock.run_for(2000)
    page.wait_for_function("() => window.__before_reset === undefined", timeout=10_000)
    page.clock.resume()
    wait_app_ready(page)
    # The next student finds a clean pad, the default model and the default language.
    assert_language(page, "ko")
    assert pad_state(page)["strokes"] == 0 and top_class(page) is None
    assert page.locator("#model input").input_value() == "SimpleCNN"
    assert "lang=" not in page.url
    touch_digit(context.new_cdp_session(page), canvas_box(page), SEVEN)
    assert wait_top_class(page, "7") == "7"
