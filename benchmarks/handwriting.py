"""Held-out handwriting: each shipped model, current vs previous weights, side by side.

The digits are the pen-drawn ones of the 6 writers no model was trained on
(``cnndemo.data.pendigits.writer_split()["test"]``, 1,496 digits), drawn as the drawing pad
draws them (``cnndemo.data.pen_render.render_strokes``: 280-px canvas, round brush, sent
as 112x112) on a grid of brush widths (thin / medium / thick: the pad's three brushes) x
digit sizes (small / large: the digit's longer side as a fraction of the canvas), each at
a random place on the canvas. Every picture then takes the app's path: encoded as the
opaque RGBA PNG data URL the pad sends, ``webui.analysis.decode_data_url``,
``cnndemo.preprocess.preprocess`` (what ``analyse_picture`` runs), then the model
(``Predictor.probabilities``, batched). A picture the app refuses (blank, dot) counts as
misread. Next to it: MNIST test accuracy of the same weights.

"previous" are the weights shipped before (``git show <commit>:weights/...`` into a
temporary directory, loaded with ``Predictor.load``): SimpleCNN and AlexNet from bbb2696,
VGG16 from 328dc96 (``--previous-commit`` overrides). Both are measured in the same run, so
the error ratio (current errors / previous errors, < 1 is better) holds on any machine.

Browser part (``--no-browser`` skips it): ``python app.py`` (``common.start_app``, weights
from ``weights/``) in headless chromium; a sample of held-out digits is drawn on the real
drawing pad, stroke by stroke along the pen's trajectory, with the mouse and then with
touch (a ``has_touch`` context, CDP touch events, which the pad receives as pointer
events), with the cell's brush button pressed, the pad cleared between digits; the top
class the page shows is compared with the label. Next to it: the same digits offline.

    python benchmarks/handwriting.py                          # all held-out digits, 3 models
    python benchmarks/handwriting.py --models simplecnn alexnet --per-class 30 \\
        --mnist-images 2000 --browser-sample 30               # ~10 min on 2 busy cores

Prints, per model, a Markdown table (cell, digits, previous and current accuracy, errors,
error ratio; MNIST last), the commonest misreads, then the browser table and a machine line.
"""

from __future__ import annotations

import argparse
import base64
import io
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, export_commit, launch_chromium, machine_line, new_page, print_table, start_app, stop_app

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from cnndemo.data.pen_render import (  # noqa: E402
    BRUSHES_PX, PAD_SIZE_PX, DrawStyle, digit_rng, random_style, render_strokes,
)
from cnndemo.data.pendigits import indices_of_writers, load_pendigits, writer_split  # noqa: E402

MODELS = ("simplecnn", "alexnet", "vgg16")
PREVIOUS_COMMITS = {"simplecnn": "bbb2696", "alexnet": "bbb2696", "vgg16": "328dc96"}
WIDTHS = {"thin": BRUSHES_PX["small"], "medium": BRUSHES_PX["medium"], "thick": BRUSHES_PX["large"]}
PAD_BRUSH = {"thin": "small", "medium": "medium", "thick": "large"}  # data-brush of the pad's buttons
SIZES = {"small": 0.4, "large": 0.85}  # the digit's longer side, fraction of the canvas
CELLS = [(width, size) for width in WIDTHS for size in SIZES]
BATCH = 128
RESPONSE_MS = 15_000


@dataclass
class PenGrid:
    """Held-out digits drawn in every cell: per cell, the app's 28x28 inputs and whether
    the app refused the picture."""

    indices: np.ndarray
    labels: np.ndarray
    images: dict = field(default_factory=dict)  # cell -> float32 (n, 28, 28, 1)
    refused: dict = field(default_factory=dict)  # cell -> bool (n,)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    ap.add_argument("--per-class", type=int, default=0, help="held-out digits per class (0: all 1,496)")
    ap.add_argument("--mnist-images", type=int, default=10_000, help="MNIST test digits (a fixed shuffle's first N)")
    ap.add_argument("--weights", default=str(ROOT / "weights"), help="directory of the current weights")
    ap.add_argument("--previous-commit", nargs="+", default=[], metavar="MODEL=COMMIT",
                    help="override the previous weights' commit, e.g. vgg16=328dc96 (or one commit for all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--browser-sample", type=int, default=30, help="digits per model and input (mouse, touch)")
    ap.add_argument("--app-timeout", type=float, default=300.0, help="app start timeout, s")
    ap.add_argument("--app-commit", default="", metavar="COMMIT",
                    help="start the app from this commit's tree (git archive), e.g. HEAD while the "
                         "working tree is mid-edit")
    return ap.parse_args(argv)


def previous_commits(overrides: list[str]) -> dict[str, str]:
    commits = dict(PREVIOUS_COMMITS)
    for item in overrides:
        name, _, commit = item.rpartition("=")
        commits.update({name: commit} if name else dict.fromkeys(commits, commit))
    return commits


# --- the held-out digits, drawn as the pad draws them, through the app's path ---------

def held_out(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and labels of the held-out writers' digits (``per_class`` of each, 0: all)."""
    pen = load_pendigits()
    indices = indices_of_writers(pen, writer_split()["test"])
    if per_class:
        rng = np.random.default_rng(seed)
        picked = [rng.permutation(indices[pen.labels[indices] == d])[:per_class] for d in range(10)]
        indices = np.sort(np.concatenate(picked))
    return indices, pen.labels[indices].astype(np.int64)


def pad_data_url(picture: np.ndarray) -> str:
    """uint8 (112, 112) ink -> the pad's value: an opaque RGBA PNG data URL, R == G == B."""
    buffer = io.BytesIO()
    Image.fromarray(picture).convert("RGBA").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def app_input(picture: np.ndarray) -> np.ndarray | None:
    """What the Draw tab feeds the model for this pad picture (None: the app refuses it)."""
    from cnndemo.messages import CnnDemoError
    from cnndemo.preprocess import preprocess
    from webui.analysis import decode_data_url

    try:
        return preprocess(decode_data_url(pad_data_url(picture))).image
    except CnnDemoError:
        return None


def cell_style(seed: int, index: int, cell: int) -> DrawStyle:
    """Digit ``index`` in cell number ``cell``: fixed brush and size, a random place."""
    width, size = CELLS[cell]
    return random_style(digit_rng(seed, index, cell), brush_px=WIDTHS[width], size=SIZES[size])


def draw_grid(indices: np.ndarray, labels: np.ndarray, seed: int) -> PenGrid:
    """Every digit in every cell of the grid, through :func:`app_input`."""
    strokes = load_pendigits().strokes
    grid = PenGrid(indices, labels)
    for number, cell in enumerate(CELLS):
        inputs = [app_input(render_strokes(strokes[i], cell_style(seed, int(i), number))) for i in indices]
        grid.refused[cell] = np.array([x is None for x in inputs])
        grid.images[cell] = np.stack([np.zeros((28, 28, 1), np.float32) if x is None else x for x in inputs])
    return grid


# --- weights: current and previous ----------------------------------------------------

def extract_weights(commit: str, name: str, into: Path) -> Path:
    """``name``'s card and weight files as of ``commit`` (``git show``) in ``into``."""
    listing = subprocess.run(["git", "ls-tree", "-r", "--name-only", commit, "weights/"], cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout.split()
    files = [p for p in listing if Path(p).name == f"{name}.json" or Path(p).name.startswith(f"{name}-")]
    if not files:
        raise SystemExit(f"commit {commit} has no weights/{name}.json: {listing}")
    into.mkdir(parents=True, exist_ok=True)
    for path in files:
        blob = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, check=True, capture_output=True).stdout
        (into / Path(path).name).write_bytes(blob)
    return into


def predict(predictor, key: str, images: np.ndarray) -> np.ndarray:
    """Top class of each float32 (n, 28, 28, 1) image, in batches of :data:`BATCH`."""
    out = [predictor.probabilities(key, images[i:i + BATCH]).argmax(axis=1) for i in range(0, len(images), BATCH)]
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def evaluate(weights_dir: Path, name: str, grid: PenGrid, mnist) -> dict:
    """Top classes of weights ``weights_dir`` on every cell (refused: -1) and on MNIST."""
    from cnndemo.predictor import Predictor

    predictor = Predictor.load(weights_dir, models=[name])
    result = {"card": predictor.get(name).card}
    for cell in CELLS:
        result[cell] = np.where(grid.refused[cell], -1, predict(predictor, name, grid.images[cell]))
    result["mnist"] = predict(predictor, name, (mnist.images / 255.0).astype(np.float32)[..., None])
    return result


# --- tables ---------------------------------------------------------------------------

def ratio(current: int, previous: int) -> str:
    return f"{current / previous:.2f}" if previous else ("1.00" if current == 0 else "inf (previous: 0)")


def accuracy_row(label: str, truth: np.ndarray, previous: np.ndarray, current: np.ndarray) -> list[str]:
    wrong_p, wrong_c = int((previous != truth).sum()), int((current != truth).sum())
    n = len(truth)
    return [label, str(n), f"{100 * (1 - wrong_p / n):.2f} %", f"{100 * (1 - wrong_c / n):.2f} %",
            f"{wrong_p} → {wrong_c}", ratio(wrong_c, wrong_p)]


def misreads(truth: np.ndarray, predicted: np.ndarray, top: int = 6) -> str:
    """``"4→9 ×7, 7→1 ×5"``: the commonest (label → read) pairs ("-" = refused)."""
    pairs = Counter((int(t), int(p)) for t, p in zip(truth, predicted) if t != p)
    return ", ".join(f"{t}→{'-' if p < 0 else p} ×{k}" for (t, p), k in pairs.most_common(top)) or "none"


def model_table(name: str, grid: PenGrid, mnist, previous: dict, current: dict, commit: str) -> None:
    same = previous["card"].get("weights_sha256") == current["card"].get("weights_sha256")
    print(f"\n### {name}: previous ({commit}) vs current weights" + (" (the SAME files)" if same else "") + "\n")
    rows = [accuracy_row(f"{w} brush, {s}", grid.labels, previous[(w, s)], current[(w, s)]) for w, s in CELLS]
    truth = np.tile(grid.labels, len(CELLS))
    every = [np.concatenate([result[c] for c in CELLS]) for result in (previous, current)]
    rows.append(accuracy_row("**all cells**", truth, *every))
    rows.append(accuracy_row("MNIST test", mnist.labels.astype(np.int64), previous["mnist"], current["mnist"]))
    print_table(["held-out pen digits", "n", "previous", "current", "errors prev → cur", "error ratio cur/prev"],
                rows, numeric=(1, 2, 3, 5))
    print()
    for tag, reads in zip(("previous", "current"), every):
        print(f"commonest misreads, {tag} (label→read): {misreads(truth, reads)}")
    refused = sum(int(grid.refused[c].sum()) for c in CELLS)
    print(f"pictures the app refused (counted as misread): {refused}")


# --- the browser: held-out digits drawn on the running app's pad ----------------------

# The answer on the page: the message's Markdown (not its status line, which changes as
# soon as a request is queued), the model-input picture and the top class.
SIGNATURE_JS = """() => { const q = (s) => document.querySelector(s); const img = q('#model-input img');
  const top = q('#prediction h2.output-class'); const message = q('#message [data-testid=markdown]');
  return [message ? message.innerText : '', img ? img.getAttribute('src') : '', top ? top.textContent.trim() : '']
    .join('|'); }"""
IDLE_JS = "() => !document.querySelector('#message [data-testid=status-tracker] .progress-text')"
TOP_JS = ("() => { const h = document.querySelector('#prediction h2.output-class');"
          " return h ? h.textContent.trim() : ''; }")


@dataclass
class Replay:
    """One held-out digit to draw on the pad."""

    index: int
    label: int
    cell: int
    style: DrawStyle


def browser_sample(grid: PenGrid, n: int, seed: int) -> list[Replay]:
    """``n`` held-out digits, cycling through the grid's cells, each at its own place."""
    chosen = np.random.default_rng(seed + 1).choice(len(grid.indices), size=min(n, len(grid.indices)), replace=False)
    return [Replay(int(grid.indices[j]), int(grid.labels[j]), k % len(CELLS),
                   cell_style(seed + 1, int(grid.indices[j]), k % len(CELLS))) for k, j in enumerate(chosen)]


def page_strokes(strokes, style: DrawStyle, box: dict) -> list[list[tuple[float, float]]]:
    """The pen's strokes as page coordinates on the canvas ``box``, placed as
    ``render_strokes`` places them (y flipped, scaled to ``style.size``, centred at ``style.center``)."""
    arrays = [np.asarray(s, np.float64) * (1, -1) for s in strokes]
    everything = np.concatenate(arrays)
    low, high = everything.min(axis=0), everything.max(axis=0)
    scale = style.size * PAD_SIZE_PX / max(float((high - low).max()), 1e-6)
    offset = np.asarray(style.center) * PAD_SIZE_PX - (low + high) / 2 * scale
    origin, per_px = np.array([box["x"], box["y"]]), box["width"] / PAD_SIZE_PX
    return [[(float(x), float(y)) for x, y in (a * scale + offset) * per_px + origin] for a in arrays]


def mouse_stroker(page):
    def stroke(points):
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x, y)
        page.mouse.up()

    return stroke


def touch_stroker(page):
    """Strokes as CDP touch events (touchStart, touchMove per point, touchEnd)."""
    cdp = page.context.new_cdp_session(page)

    def stroke(points):
        def event(kind, at):
            points = [{"x": at[0], "y": at[1], "id": 1}] if at else []
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        event("touchStart", points[0])
        for point in points[1:]:
            event("touchMove", point)
        event("touchEnd", None)

    return stroke


def open_app(page, url: str):
    page.goto(url, wait_until="load")
    page.wait_for_selector("#drawpad .drawpad[data-ready='1'] canvas.drawpad-canvas", timeout=60_000)
    page.wait_for_selector("#model input", timeout=60_000)
    page.evaluate("() => { window.__types = {}; document.querySelector('#drawpad canvas.drawpad-canvas')"
                  ".addEventListener('pointerdown', (e) => { window.__types[e.pointerType] = 1; }, true); }")
    return page


def clear_pad(page) -> None:
    page.click("#drawpad button.drawpad-clear")
    page.wait_for_timeout(150)  # the clear's request is queued
    page.wait_for_function(f"() => !document.querySelector('#prediction h2.output-class') && ({IDLE_JS})()"
                           " && (document.querySelector('#message') || {}).innerText.includes('Draw a digit')",
                           timeout=RESPONSE_MS)


def draw_digit(page, strokes, stroke) -> tuple[int, int]:
    """Draw stroke by stroke, waiting for the app's answer to each (a new answer on the page
    and no request pending, so ``always_last`` skips none); return (the top class shown,
    -1 for none; strokes with no answer within :data:`RESPONSE_MS`)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    silent = 0
    for points in strokes:
        before = page.evaluate(SIGNATURE_JS)
        stroke(points)
        try:
            page.wait_for_function(f"(before) => ({SIGNATURE_JS})() !== before && ({IDLE_JS})()", arg=before,
                                   timeout=RESPONSE_MS)
        except PlaywrightTimeout:
            silent += 1
    try:
        page.wait_for_function(f"() => ({TOP_JS})() !== ''", timeout=3_000)
    except PlaywrightTimeout:
        pass
    top = page.evaluate(TOP_JS)
    return (int(top) if top.isdigit() else -1), silent


def replay(page, stroke, sample: list[Replay]) -> dict:
    """Draw every sample digit (clear, brush button, strokes); the top classes read."""
    pen = load_pendigits()
    reads, silent, seconds = [], 0, []
    for item in sample:
        started = time.perf_counter()
        clear_pad(page)
        page.click(f"#drawpad button.drawpad-brush[data-brush='{PAD_BRUSH[CELLS[item.cell][0]]}']")
        canvas = page.locator("#drawpad canvas.drawpad-canvas")
        canvas.scroll_into_view_if_needed()
        read, lost = draw_digit(page, page_strokes(pen.strokes[item.index], item.style, canvas.bounding_box()), stroke)
        reads.append(read)
        silent += lost
        seconds.append(time.perf_counter() - started)
    return {"read": np.array(reads), "silent": silent, "seconds": float(np.mean(seconds)) if seconds else float("nan"),
            "pointers": "+".join(sorted(page.evaluate("() => Object.keys(window.__types)")))}


def browser_part(models: list[str], sample: list[Replay], app_timeout: float, app_commit: str = "") -> dict:
    """Start the app (from ``app_commit``'s tree if given), open a mouse page and a touch
    page, replay ``sample`` on each model."""
    from playwright.sync_api import sync_playwright

    from browser_latency import select_model
    from cnndemo.registry import model_info

    work = Path(tempfile.mkdtemp(prefix="cnndemo-handwriting-"))
    root = export_commit(app_commit) if app_commit else ROOT
    child, url = start_app({}, work / "app.log", timeout=app_timeout, root=root)
    results: dict = {}
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                mouse_page = open_app(new_page(browser), url)
                touch_page = open_app(new_page(browser, has_touch=True), url)
                inputs = {"mouse": (mouse_page, mouse_stroker(mouse_page)),
                          "touch": (touch_page, touch_stroker(touch_page))}
                for name in models:
                    for kind, (page, stroke) in inputs.items():
                        select_model(page, model_info(name).display_name)
                        results[(name, kind)] = replay(page, stroke, sample)
                        print(f"browser {name} {kind}: done", file=sys.stderr)
            finally:
                browser.close()
    finally:
        stop_app(child)
        if app_commit:
            shutil.rmtree(root, ignore_errors=True)
    return results


def browser_table(results: dict, sample: list[Replay], offline: dict, weights_note: str) -> None:
    truth = np.array([item.label for item in sample])
    print(f"\n### Browser: held-out digits drawn on the app's pad ({len(sample)} per model and input, "
          f"cells cycled; app weights: weights/{weights_note})\n")
    rows = []
    for (name, kind), result in results.items():
        right = int((result["read"] == truth).sum())
        same = int((offline[name] == truth).sum())
        rows.append([name, f"{kind} ({result['pointers']} pointer events)", str(len(truth)), f"{right}/{len(truth)}",
                     f"{100 * right / len(truth):.1f} %",
                     f"{100 * same / len(truth):.1f} %", str(int((result["read"] < 0).sum())), str(result["silent"]),
                     f"{result['seconds']:.1f}", misreads(truth, result["read"], top=4)])
    print_table(["model", "input", "digits", "read right", "accuracy", "same digits offline", "no prediction",
                 "strokes unanswered", "s / digit", "misreads (label→read)"], rows, numeric=(2, 3, 4, 5, 6, 7, 8))


# --- main -----------------------------------------------------------------------------

def sample_inputs(sample: list[Replay]) -> np.ndarray:
    """The browser sample through the offline path (refused: a blank image)."""
    strokes = load_pendigits().strokes
    inputs = [app_input(render_strokes(strokes[item.index], item.style)) for item in sample]
    return np.stack([np.zeros((28, 28, 1), np.float32) if x is None else x for x in inputs])


def compare_models(args, grid: PenGrid, mnist, sample_images: np.ndarray) -> dict:
    """Previous and current weights of each model (previous weights with the same files as
    the current ones are not run twice): tables printed as they finish; returns the
    current weights' reads of the browser sample, per model."""
    from cnndemo.cards import read_card

    commits, offline = previous_commits(args.previous_commit), {}
    with tempfile.TemporaryDirectory(prefix="cnndemo-previous-") as tmp:
        for name in args.models:
            started = time.perf_counter()
            previous_dir = extract_weights(commits[name], name, Path(tmp) / name)
            current = evaluate(Path(args.weights), name, grid, mnist)
            same = read_card(previous_dir, name).get("weights_sha256") == current["card"].get("weights_sha256")
            previous = current if same else evaluate(previous_dir, name, grid, mnist)  # same files: same reads
            model_table(name, grid, mnist, previous, current, commits[name])
            if len(sample_images):
                offline[name] = _sample_reads(Path(args.weights), name, sample_images)
            print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
    return offline


def _sample_reads(weights_dir: Path, name: str, images: np.ndarray) -> np.ndarray:
    from cnndemo.predictor import Predictor

    return predict(Predictor.load(weights_dir, models=[name]), name, images)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from cnndemo.data.sets import mnist_set

    started = time.perf_counter()
    indices, labels = held_out(args.per_class, args.seed)
    grid = draw_grid(indices, labels, args.seed)
    mnist = mnist_set("test")
    mnist = mnist.take(args.mnist_images, args.seed) if args.mnist_images < len(mnist) else mnist
    sample = [] if args.no_browser else browser_sample(grid, args.browser_sample, args.seed)
    drawn = time.perf_counter() - started
    print(f"Held-out pen writers {writer_split()['test']}: {len(indices)} digits x {len(CELLS)} cells "
          f"(brush {', '.join(f'{w} {px:g} px' for w, px in WIDTHS.items())}; size "
          f"{', '.join(f'{s} {f:.0%}' for s, f in SIZES.items())} of the canvas; random place), "
          f"drawn and preprocessed in {drawn:.0f} s; MNIST test: {len(mnist)} digits; seed {args.seed}")
    offline = compare_models(args, grid, mnist, sample_inputs(sample) if sample else np.zeros((0, 28, 28, 1)))
    if sample:
        browser_started = time.perf_counter()
        results = browser_part(args.models, sample, args.app_timeout, args.app_commit)
        note = f" of {args.app_commit}" if args.app_commit else ""
        if Path(args.weights).resolve() != (ROOT / "weights").resolve():
            note += f" (offline: {args.weights})"
        browser_table(results, sample, offline, note)
        print(f"\n(browser part: {time.perf_counter() - browser_started:.0f} s)")
    print(f"\ntotal {time.perf_counter() - started:.0f} s; {machine_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
