"""Make the README screenshots: docs/screenshot-draw.png and docs/screenshot-train.png.

Run from anywhere: ``python docs/make_screenshots.py [--port N] [--images 10000]``.

Starts ``app.py`` in a subprocess on a free port (user-saved weights are ignored: they go to
a temporary ``CNNDEMO_USER_WEIGHTS``), opens it in headless Debian chromium (Playwright,
fresh profile), draws a "7" with the mouse, waits for the prediction and the feature maps
and saves the Draw tab (1280 px wide, full page); then trains SimpleCNN for one epoch in
the Train tab, waits for the curves, the confusion matrix and the predicted (true) grid,
and saves the Train tab. Never runs ``playwright install``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SEVEN = [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]  # one polyline, in fractions of the canvas
WIDTH = 1280


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(port: int, log_path: Path, user_weights: Path) -> subprocess.Popen:
    env = {**os.environ, "CNNDEMO_PORT": str(port), "CNNDEMO_HOST": "127.0.0.1", "TF_CPP_MIN_LOG_LEVEL": "2",
           "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1", "CNNDEMO_USER_WEIGHTS": str(user_weights)}
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"app.py exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"app.py did not start within 120 s:\n{log_path.read_text()[-3000:]}")


def wait_images(page, *elem_ids: str, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        "ids => ids.every(id => { const i = document.querySelector('#' + id + ' img');"
        " return !!i && i.complete && i.naturalWidth > 0; })",
        arg=list(elem_ids), timeout=timeout_ms,
    )


def draw_tab(page, url: str, out: Path) -> str:
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
    page.mouse.move(0, 0)  # no hover effects in the picture
    time.sleep(1.0)
    top = page.locator("#prediction h2.output-class").inner_text().strip()
    page.screenshot(path=str(out), full_page=True)
    return top


def train_tab(page, out: Path, images: int) -> str:
    page.get_by_role("tab", name="Train").click()
    page.wait_for_selector("#train-start", state="visible", timeout=60_000)
    field = page.locator("#train-images input[type=number]")
    field.fill(str(images))
    field.press("Enter")
    field.blur()
    time.sleep(0.5)
    page.click("#train-start")
    page.wait_for_function("() => document.querySelector('#train-status').innerText.includes('Finished')",
                           timeout=600_000)
    wait_images(page, "confusion", "samples")
    page.wait_for_function(
        "() => document.querySelectorAll('#accuracy-plot g.mark-line path').length > 0"
        " && Array.from(document.querySelectorAll('#loss-plot g.mark-line path'))"
        ".some(p => (p.getAttribute('d') || '').length > 10)", timeout=30_000,
    )
    page.mouse.move(0, 0)
    time.sleep(1.5)  # let the plots finish their transitions
    status = page.locator("#train-status").inner_text()
    page.screenshot(path=str(out), full_page=True)
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port for app.py (default: a free one)")
    parser.add_argument("--images", type=int, default=10_000, help="training images for the Train tab run")
    args = parser.parse_args()
    port = args.port or free_port()
    with tempfile.TemporaryDirectory(prefix="cnndemo-shots-") as tmp:
        process = start_app(port, Path(tmp) / "app.log", Path(tmp) / "user_weights")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": WIDTH, "height": 900}).new_page()
                top = draw_tab(page, f"http://127.0.0.1:{port}/", DOCS / "screenshot-draw.png")
                print(f"docs/screenshot-draw.png: drew a 7, the model says {top}")
                if top != "7":
                    print("warning: the drawn 7 was not recognised as 7", file=sys.stderr)
                status = train_tab(page, DOCS / "screenshot-train.png", args.images)
                print("docs/screenshot-train.png:", status.splitlines()[0])
                browser.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
