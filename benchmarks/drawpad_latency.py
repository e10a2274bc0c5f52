"""Pointer-up -> label-updated latency: webui.drawpad vs gr.Sketchpad.

Launches two Gradio apps in this process on loopback (our drawpad demo and an
equivalent gr.Sketchpad demo, both with a Python .change handler that counts
ink pixels and returns a gr.Label), then in headless Debian chromium draws N
short mouse strokes on each and measures, inside the page, the time from the
pointerup event (a capturing window listener, performance.now()) to the moment
the label's text changes (MutationObserver on #out). Chromium and the free ports come from
``common``; percentiles are ``common.summary``'s (numpy's linear interpolation; this
script used nearest rank before).

    python benchmarks/drawpad_latency.py            # 25 strokes each
    python benchmarks/drawpad_latency.py --strokes 40 --skip-sketchpad
"""

from __future__ import annotations

import argparse
import math
import sys
import time

# common first: it puts the repository on sys.path
from common import free_port, launch_chromium, machine_line, new_page, summary

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402

from webui.demo_drawpad import build_demo as build_drawpad_demo  # noqa: E402

# Installed in the page: records pointerup time and the first label change after it.
PROBE_JS = """
() => {
  const out = document.querySelector('#out');
  const text = () => {
    const h = out.querySelector('h2.output-class');
    return h ? h.textContent : '';
  };
  const lat = { t_up: null, prev: null, results: [] };
  window.__lat = lat;
  window.addEventListener('pointerup', () => {
    lat.prev = text();
    lat.t_up = performance.now();
  }, true);
  new MutationObserver(() => {
    if (lat.t_up === null) return;
    const t = text();
    if (t !== lat.prev && t !== '') {
      lat.results.push(performance.now() - lat.t_up);
      lat.t_up = null;
    }
  }).observe(out, { subtree: true, childList: true, characterData: true });
}
"""


def build_sketchpad_demo() -> gr.Blocks:
    def handler(value):
        comp = None if value is None else value.get("composite")
        if comp is None:
            return {"empty canvas": 1.0}
        ink = int((np.asarray(comp)[..., :3].mean(axis=-1) < 128).sum())
        return {f"ink pixels: {ink}": 1.0}

    with gr.Blocks(title="sketchpad baseline") as demo:
        pad = gr.Sketchpad(
            elem_id="sketch",
            type="numpy",
            canvas_size=(280, 280),
            brush=gr.Brush(default_size=9, colors=["#000000"], color_mode="fixed"),
        )
        out = gr.Label(elem_id="out", label="Result")
        pad.change(handler, inputs=pad, outputs=out, show_progress="hidden")
    return demo


def stroke_points(k: int, n: int, w: float, h: float) -> list[tuple[float, float]]:
    """Short diagonal stroke k of n on a g x g grid (g = ceil(sqrt(n))): every
    stroke adds new ink, so the label text changes after every stroke."""
    g = max(1, math.ceil(math.sqrt(n)))
    cell = 0.9 / g
    col, row = k % g, k // g
    x0 = w * (0.05 + cell * col + cell * 0.2)
    y0 = h * (0.05 + cell * row + cell * 0.2)
    d = cell * 0.5
    return [(x0, y0), (x0 + w * d, y0 + h * d)]


def centered_square(box: dict, side: float) -> dict:
    """The square of the given side centred in box (Sketchpad's image area)."""
    side = min(side, box["width"], box["height"])
    return {
        "x": box["x"] + (box["width"] - side) / 2,
        "y": box["y"] + (box["height"] - side) / 2,
        "width": side,
        "height": side,
    }


def measure(page, url: str, canvas_sel: str, n: int, prepare=None, timeout_s: float = 10.0,
            region=None):
    page.goto(url)
    page.wait_for_selector(canvas_sel, state="visible", timeout=60_000)
    page.wait_for_selector("#out", timeout=60_000)
    if prepare:
        prepare(page)
    page.evaluate(PROBE_JS)
    canvas = page.locator(canvas_sel).first
    box = canvas.bounding_box()
    if region:
        box = region(box)
    misses = 0
    for k in range(n):
        before = page.evaluate("() => window.__lat.results.length")
        (x0, y0), (x1, y1) = stroke_points(k, n, box["width"], box["height"])
        page.mouse.move(box["x"] + x0, box["y"] + y0)
        page.mouse.down()
        page.mouse.move(box["x"] + x1, box["y"] + y1, steps=6)
        page.mouse.up()
        try:
            page.wait_for_function(
                "(n) => window.__lat.results.length > n", arg=before, timeout=timeout_s * 1000
            )
        except Exception:
            misses += 1
            page.evaluate("() => { window.__lat.t_up = null; }")
        time.sleep(0.05)
    return page.evaluate("() => window.__lat.results"), misses


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strokes", type=int, default=25)
    ap.add_argument("--skip-sketchpad", action="store_true")
    args = ap.parse_args(argv)

    ours = build_drawpad_demo()
    p1 = free_port()
    ours.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=p1, quiet=True)
    demos = [ours]
    rows = []
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = new_page(browser, 1280, 900)
            # Warm-up page load (first load compiles JS), then measure.
            res, miss = measure(page, f"http://127.0.0.1:{p1}/", "#drawpad canvas", 2)
            res, miss = measure(page, f"http://127.0.0.1:{p1}/", "#drawpad canvas", args.strokes)
            rows.append(("webui.drawpad (gr.HTML)", res, miss))

            if not args.skip_sketchpad:
                sk = build_sketchpad_demo()
                p2 = free_port()
                sk.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=p2, quiet=True)
                demos.append(sk)

                def prep(pg):
                    pg.locator('#sketch button[aria-label="Brush"]').first.click()
                    time.sleep(0.3)

                res, miss = measure(
                    page, f"http://127.0.0.1:{p2}/", "#sketch .pixi-target canvas",
                    args.strokes, prepare=prep,
                    # the pixi canvas spans the whole editor; the 280x280 image is centred
                    region=lambda b: centered_square(b, 250),
                )
                rows.append(("gr.Sketchpad", res, miss))
            browser.close()
    finally:
        for d in demos:
            d.close()

    stats = [(name, summary(res), res, miss) for name, res, miss in rows]
    print()
    print(f"Pointer-up -> label updated, {args.strokes} mouse strokes each, headless chromium, loopback")
    print()
    print("| pad | strokes measured | no update within 10 s | p50 ms | p95 ms | mean ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for name, st, res, miss in stats:
        print(f"| {name} | {st['n']} | {miss} | {st['p50']:.0f} | {st['p95']:.0f} | {st['mean']:.0f} "
              f"| {max(res, default=float('nan')):.0f} |")
    if len(stats) == 2 and stats[0][1]["n"] and stats[1][1]["n"]:
        ours, sketchpad = stats[0][1], stats[1][1]
        print()
        print(f"Sketchpad / drawpad ratio: p50 {sketchpad['p50'] / ours['p50']:.1f}x, "
              f"p95 {sketchpad['p95'] / ours['p95']:.1f}x")
    ok = stats[0][1]["n"] > 0 and stats[0][1]["p50"] <= 200 and stats[0][3] == 0
    print()
    print("drawpad p50 <= 200 ms and no lost strokes:", "PASS" if ok else "FAIL")
    print(f"\n{machine_line()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
