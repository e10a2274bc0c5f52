"""Server time of "how was this number computed" (a cell choice) and of the Conv2D
playground, per model, against draw -> result in the same run.

For each model, drawings (``server_latency.make_drawings``: MNIST test digits on the pad's
canvas, as PNG data URLs) are analysed as the Draw tab does per stroke ("draw -> result":
``webui.analysis.analyse_picture``). Then, on each drawing's kept activations (no new forward
pass, as in the app), cells are chosen at random in every layer that has values (conv,
pool, resize, dense, output; channel, row, column uniform) and explained as the panel's
handler does: ``webui.explain_view.explain_drawing`` (the arithmetic recomputed from the
layer's weights, the HTML, the receptive-field picture, the feature maps with the cell
outlined, the kernel slices), "+png" adding the PNG encoding of its pictures that Gradio
does before sending. Weights are read once per layer and kept (``explain_view.layer_weights``,
as in the app); the first choice of each layer (that read) is reported apart as "first".
The playground (``webui.playground_view.playground``) runs with random settings (filters
1..16, kernel 1..9, stride 1..4, valid/same, edge or random kernels) on the drawings.

    python benchmarks/explain_latency.py                  # all models, 20 drawings x 40 cells
    python benchmarks/explain_latency.py --models simplecnn --drawings 10 --cells 20

Target: a cell choice <= 20 ms p50 for every model (server time, "+png" included).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from common import load_average, machine_line, print_table, summary
from server_latency import make_drawings, png_bytes

TARGET_P50_MS = 20.0


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def random_cell(activation: np.ndarray, rng: np.random.Generator) -> tuple[int, ...]:
    """A uniform random cell of an (H, W, C) or (C,) activation, as (channel, row, col) or (unit,)."""
    if activation.ndim == 1:
        return (int(rng.integers(activation.shape[0])),)
    height, width, channels = activation.shape
    return int(rng.integers(channels)), int(rng.integers(height)), int(rng.integers(width))


def draw_all(predictor, key: str, drawings: list) -> tuple[list[float], list]:
    """Draw -> result times (ms) and the kept drawings (analysis.Drawing)."""
    from webui import analysis

    times, kept = [], []
    analysis.analyse_picture(predictor, key, analysis.decode_data_url(drawings[0][0]), None, "en")  # warm-up
    for url, _ in drawings:
        ms, result = timed(lambda: analysis.analyse_picture(predictor, key, analysis.decode_data_url(url), None, "en"))
        times.append(ms)
        kept.append(result.drawing)
    return times, kept


def choose_cells(predictor, key: str, kept: list, cells: int, rng) -> dict[str, list[float]]:
    """Explain ``cells`` random cells per drawing; times (ms) by "explain", "png", "first"."""
    from webui import explain_view

    layers = list(predictor.get(key).layer_names)
    times: dict[str, list[float]] = {"explain": [], "total": [], "first": []}
    seen: set[str] = set()
    for drawing in kept:
        for _ in range(cells):
            layer = layers[int(rng.integers(len(layers)))]
            cell = random_cell(drawing.output.activations[layer], rng)
            ms, view = timed(explain_view.explain_drawing, predictor, drawing, layer, cell, "en")
            png_ms, _ = timed(lambda: [png_bytes(p) for p in (view.field, view.feature_map, view.slices)])
            if layer not in seen:  # its weights were read from the model: once per layer
                seen.add(layer)
                times["first"].append(ms + png_ms)
                continue
            times["explain"].append(ms)
            times["total"].append(ms + png_ms)
    return times


def playground_times(kept: list, runs: int, rng) -> list[float]:
    from webui import playground_view

    times = []
    for index in range(runs):
        drawing = kept[index % len(kept)]
        settings = (int(rng.integers(1, 17)), int(rng.integers(1, 10)), int(rng.integers(1, 5)),
                    str(rng.choice(["valid", "same"])), str(rng.choice(["edges", "random"])), int(rng.integers(100)))
        ms, view = timed(playground_view.playground, drawing, *settings, "en")
        png_ms, _ = timed(lambda: [png_bytes(p) for p in (view.kernels, view.maps)])
        times.append(ms + png_ms)
    return times


def fmt(value: float) -> str:
    return f"{value:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["simplecnn", "alexnet", "vgg16"])
    parser.add_argument("--drawings", type=int, default=20)
    parser.add_argument("--cells", type=int, default=40, help="cells chosen per drawing")
    parser.add_argument("--playground", type=int, default=100, help="playground runs per model")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from cnndemo.predictor import Predictor

    predictor = Predictor.load(models=args.models)
    drawings = make_drawings(args.drawings, args.seed)
    rng = np.random.default_rng(args.seed)
    rows = []
    for key in args.models:
        draw_ms, kept = draw_all(predictor, key, drawings)
        cells = choose_cells(predictor, key, kept, args.cells, rng)
        play = summary(playground_times(kept, args.playground, rng))
        draw, explain, total = summary(draw_ms), summary(cells["explain"]), summary(cells["total"])
        verdict = "ok" if total["p50"] <= TARGET_P50_MS else "MISSED"
        rows.append([key, predictor.get(key).precision, fmt(draw["p50"]), fmt(draw["p95"]), str(total["n"]),
                     fmt(explain["p50"]), fmt(total["p50"]), fmt(total["p95"]), fmt(max(cells["first"])),
                     f"{total['p50'] / draw['p50']:.2f}", fmt(play["p50"]), fmt(play["p95"]),
                     f"≤ {TARGET_P50_MS:.0f} ms: {verdict}"])
    print_table(["model", "precision", "draw→result p50", "p95", "cells", "cell choice p50", "+png p50", "+png p95",
                 "first of a layer, max", "cell / draw (p50)", "playground p50", "playground p95", "target"],
                rows, numeric=tuple(range(2, 12)))
    print(f"\nms, server side; {args.drawings} drawings, {args.cells} cells each over all layers with values. "
          f"{machine_line()}; load average {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
