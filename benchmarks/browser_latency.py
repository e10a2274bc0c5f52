"""Browser pointer-up -> prediction latency of the full app, per model.

Starts ``python app.py`` as a subprocess on a free loopback port (``common.start_app``:
``CNNDEMO_PORT``, an empty ``CNNDEMO_USER_WEIGHTS``), opens it in headless Debian chromium
(``common.launch_chromium``: Playwright, fresh profile; ``locale="en-US"``, so the page is
in English), picks each model through the ``#model`` dropdown, and draws digit-like single
strokes with the mouse on ``#drawpad canvas.drawpad-canvas``, pressing the pad's Clear button before each stroke and
waiting until the prediction is blank again, so every stroke takes the label from blank
to a digit: one stroke, one clean sample.

Measured inside the page: ``performance.now()`` in a capture-phase ``pointerup`` listener
on the canvas (it runs before the pad's own listener sends the value), and a
``MutationObserver`` on ``#prediction`` that records the first moment after it that the
top class (``#prediction h2.output-class``) is non-empty and the label's text differs
from its text at pointer-up. So the figure covers canvas export + PNG encode in the page,
the Gradio queue round trip, the Python handler and the DOM update. Percentiles:
``common.summary`` (numpy's linear interpolation).

    python benchmarks/browser_latency.py                       # 3 models x 24 strokes
    python benchmarks/browser_latency.py --models SimpleCNN --strokes 40
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import launch_chromium, machine_line, new_page, print_table, start_app, stop_app, summary

TARGET_P50_MS = 200.0
DEFAULT_MODELS = ["SimpleCNN", "AlexNet", "VGG16"]

PROBE_JS = """
() => {
  const canvas = document.querySelector('#drawpad canvas.drawpad-canvas');
  const out = document.querySelector('#prediction');
  const top = () => { const h = out.querySelector('h2.output-class'); return h ? h.textContent.trim() : ''; };
  const lat = { t_up: null, before: null, results: [], labels: [] };
  window.__lat = lat;
  window.__top = top;
  canvas.addEventListener('pointerup', () => {
    lat.before = out.textContent;
    lat.t_up = performance.now();
  }, true);
  new MutationObserver(() => {
    if (lat.t_up === null) return;
    const t = top();
    if (t !== '' && out.textContent !== lat.before) {
      lat.results.push(performance.now() - lat.t_up);
      lat.labels.push(t);
      lat.t_up = null;
    }
  }).observe(out, { subtree: true, childList: true, characterData: true, attributes: true });
}
"""

# Single-stroke digit paths in unit coordinates (0..1, y down).
def _arc(cx, cy, rx, ry, a0, a1, n=16):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(a0, a1, n)]


DIGITS = {
    "0": _arc(0.5, 0.5, 0.28, 0.4, -90, 275, 24),
    "1": [(0.42, 0.22), (0.55, 0.1), (0.55, 0.5), (0.55, 0.9)],
    "2": _arc(0.5, 0.32, 0.25, 0.22, 200, 360 + 30, 12) + [(0.5, 0.6), (0.22, 0.9), (0.5, 0.9), (0.8, 0.9)],
    "3": _arc(0.48, 0.3, 0.24, 0.2, 200, 450, 12) + _arc(0.48, 0.7, 0.27, 0.21, -90, 160, 12),
    "4": [(0.6, 0.1), (0.2, 0.62), (0.82, 0.62), (0.62, 0.62), (0.62, 0.35), (0.62, 0.92)],
    "5": [(0.75, 0.1), (0.32, 0.1), (0.28, 0.45)] + _arc(0.5, 0.67, 0.27, 0.23, -120, 160, 12),
    "6": [(0.68, 0.1), (0.45, 0.3)] + _arc(0.5, 0.68, 0.25, 0.22, 200, 560, 20),
    "7": [(0.2, 0.12), (0.8, 0.12), (0.6, 0.5), (0.45, 0.9)],
    "8": _arc(0.5, 0.3, 0.2, 0.19, 90, 450, 14) + _arc(0.5, 0.7, 0.25, 0.21, -90, 270, 16),
    "9": _arc(0.5, 0.32, 0.23, 0.22, 0, 360, 16) + [(0.73, 0.32), (0.7, 0.65), (0.62, 0.92)],
}


def select_model(page, name: str) -> str:
    """Pick the ``#model`` option labelled ``name`` (or, failing that, the first one starting
    with it, e.g. "VGG16 (untrained)"); return the label chosen."""
    box = page.locator("#model input").first
    if box.input_value() == name:
        return name
    box.click()
    options = page.locator(f"#{box.get_attribute('aria-controls')} [role=option]")
    options.first.wait_for(timeout=10_000)
    labels = options.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    matching = [label for label in labels if label == name] or [label for label in labels if label.startswith(name)]
    if not matching:
        raise RuntimeError(f"no #model option {name!r}; the options are {labels}")
    label = matching[0]
    options.nth(labels.index(label)).click()
    page.wait_for_function("want => document.querySelector('#model input').value === want", arg=label)
    page.wait_for_timeout(300)  # let on_model (layer list, architecture table) finish
    page.wait_for_function("!document.querySelector('.progress-text, .eta-bar')", timeout=30_000)
    return label


def clear_pad(page, timeout_ms: int) -> None:
    page.locator("#drawpad button.drawpad-clear").click()
    page.wait_for_function("window.__top() === ''", timeout=timeout_ms)
    page.wait_for_timeout(150)  # let the clear event's response settle before the next stroke


def draw(page, points, box, rng: random.Random) -> None:
    scale = rng.uniform(0.6, 0.85)
    side = box["width"] * scale
    left = box["x"] + rng.uniform(0.05, 0.95 - scale) * box["width"]
    top = box["y"] + rng.uniform(0.05, 0.95 - scale) * box["height"]
    xy = [(left + x * side + rng.uniform(-1.5, 1.5), top + y * side + rng.uniform(-1.5, 1.5)) for x, y in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=3)
    page.mouse.up()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS,
                        help="dropdown labels (an option starting with the name counts, e.g. \"VGG16 (untrained)\")")
    parser.add_argument("--strokes", type=int, default=24, help="measured strokes per model (>= 20 for the report)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured strokes per model first")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=180.0, help="app start timeout, s")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="cnndemo-browser-"))
    t0 = time.perf_counter()
    child, url = start_app({}, work / "app.log", timeout=args.timeout)
    print(f"app up at {url} after {time.perf_counter() - t0:.1f} s (log {work / 'app.log'})", file=sys.stderr)
    rng = random.Random(args.seed)
    rows = []
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                page = new_page(browser)
                page.goto(url, wait_until="load")
                page.wait_for_selector("#drawpad .drawpad[data-ready='1'] canvas.drawpad-canvas", timeout=60_000)
                page.wait_for_selector("#model input", timeout=60_000)
                page.evaluate(PROBE_JS)
                canvas = page.locator("#drawpad canvas.drawpad-canvas")
                for name in args.models:
                    label = select_model(page, name)
                    canvas.scroll_into_view_if_needed()
                    box = canvas.bounding_box()
                    digits = list(DIGITS)
                    misses, timings, tops = 0, [], []
                    for i in range(args.warmup + args.strokes):
                        clear_pad(page, 30_000)
                        before = page.evaluate("window.__lat.results.length")
                        digit = digits[i % len(digits)]
                        draw(page, DIGITS[digit], box, rng)
                        try:
                            page.wait_for_function(f"window.__lat.results.length > {before}", timeout=30_000)
                        except Exception:  # noqa: BLE001 - a lost sample is reported, not fatal
                            misses += 1
                            page.evaluate("window.__lat.t_up = null")
                            continue
                        ms, shown = page.evaluate("[window.__lat.results.at(-1), window.__lat.labels.at(-1)]")
                        if i >= args.warmup:
                            timings.append(ms)
                            tops.append(shown == digit)
                    stats = summary(timings)
                    rows.append([
                        label, str(stats["n"]), f"{stats['p50']:.0f}", f"{stats['p95']:.0f}",
                        f"{min(timings, default=float('nan')):.0f}", f"{max(timings, default=float('nan')):.0f}",
                        str(misses), f"{sum(tops)}/{len(tops)}",
                        f"≤ {TARGET_P50_MS:g} ms: {'ok' if stats['p50'] <= TARGET_P50_MS else 'MISSED'}",
                    ])
                    print(f"{label}: {stats['n']} strokes, p50 {stats['p50']:.0f} ms", file=sys.stderr)
            finally:
                browser.close()
    finally:
        stop_app(child)

    print(f"\n### Browser pointer-up → prediction label updated (ms), headless chromium, "
          f"{args.strokes} strokes per model after {args.warmup} warm-up strokes\n")
    print_table(["model", "strokes", "p50", "p95", "min", "max", "lost", "drawn digit recognised", "target"], rows,
                numeric=(1, 2, 3, 4, 5, 6, 7))
    print(f"\n{machine_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
