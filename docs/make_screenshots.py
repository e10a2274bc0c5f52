"""Make the README screenshots in docs/: the Draw tab with a cell explained, in Korean and
in English (screenshot-draw-ko.png, screenshot-draw.png), kiosk mode (screenshot-kiosk.png)
and, with --train, the Train tab after a short run (screenshot-train.png).

Run from the repository root: ``python docs/make_screenshots.py [--train] [--images 10000]``.

Starts ``app.py`` (benchmarks/common.py: free port, fresh user-weights folder; a second one
with CNNDEMO_KIOSK=1 for the kiosk picture), opens it in headless Debian chromium (Playwright,
fresh profile; never ``playwright install``), draws a "7" with the mouse, clicks a cell of
conv1's feature maps and saves the page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import launch_chromium, start_app, stop_app  # noqa: E402

DOCS = ROOT / "docs"
SEVEN = [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]  # one polyline, in fractions of the canvas


def wait_images(page, *elem_ids: str, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        "ids => ids.every(id => { const i = document.querySelector('#' + id + ' img');"
        " return !!i && i.complete && i.naturalWidth > 0; })",
        arg=list(elem_ids), timeout=timeout_ms,
    )


def draw_seven(page, url: str) -> str:
    page.goto(url, timeout=60_000)
    page.wait_for_selector("#drawpad .drawpad[data-ready='1']", timeout=60_000)
    box = page.locator("#drawpad canvas.drawpad-canvas").bounding_box()
    page.mouse.move(box["x"] + SEVEN[0][0] * box["width"], box["y"] + SEVEN[0][1] * box["height"])
    page.mouse.down()
    for x, y in SEVEN[1:]:
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=8)
    page.mouse.up()
    page.wait_for_selector("#prediction h2.output-class", timeout=30_000)
    wait_images(page, "model-input", "feature-map")
    return page.locator("#prediction h2.output-class").inner_text().strip()


def explain_a_cell(page) -> None:
    """Click a cell in the first feature map (where the 7's top bar is) and wait for the panel."""
    picture = page.locator("#feature-map img")
    box = picture.bounding_box()
    width, height = picture.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    scale = min(box["width"] / width, box["height"] / height)  # enlarged to fit, centred
    picture.click(position={"x": (box["width"] - width * scale) / 2 + 0.06 * width * scale,
                            "y": (box["height"] - height * scale) / 2 + 0.08 * height * scale})
    page.wait_for_selector("#xp-panel .xp", timeout=30_000)
    wait_images(page, "xp-field")


def shoot(page, out: Path) -> None:
    page.mouse.move(0, 0)  # no hover effects in the picture
    time.sleep(1.0)
    page.screenshot(path=str(out), full_page=True)
    print(f"{out.relative_to(ROOT)}")


def train_tab(page, out: Path, images: int) -> None:
    page.get_by_role("tab", name="Train").click()
    page.wait_for_selector("#train-start", state="visible", timeout=60_000)
    field = page.locator("#train-images input[type=number]")
    field.fill(str(images))
    field.press("Enter")
    time.sleep(0.5)
    page.click("#train-start")
    page.wait_for_function("() => document.querySelector('#train-status').innerText.includes('Finished')",
                           timeout=900_000)
    wait_images(page, "confusion", "samples")
    time.sleep(1.5)  # let the plots finish their transitions
    shoot(page, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="also the Train tab (a one-epoch run)")
    parser.add_argument("--images", type=int, default=10_000, help="training images for the Train tab run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnndemo-shots-") as tmp, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        app, url = start_app({}, Path(tmp) / "app.log")
        try:
            for locale, lang, name in (("ko-KR", "ko", "screenshot-draw-ko.png"), ("en-US", "en", "screenshot-draw.png")):
                page = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale).new_page()
                top = draw_seven(page, f"{url}?lang={lang}")
                explain_a_cell(page)
                shoot(page, DOCS / name)
                if top != "7":
                    print(f"warning: the drawn 7 was read as {top}", file=sys.stderr)
            if args.train:
                train_tab(page, DOCS / "screenshot-train.png", args.images)
        finally:
            stop_app(app)
        kiosk, kiosk_url = start_app({"CNNDEMO_KIOSK": "1"}, Path(tmp) / "kiosk.log")
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ko-KR",
                                       has_touch=True).new_page()
            draw_seven(page, kiosk_url)
            shoot(page, DOCS / "screenshot-kiosk.png")
        finally:
            stop_app(kiosk)
        browser.close()


if __name__ == "__main__":
    main()
