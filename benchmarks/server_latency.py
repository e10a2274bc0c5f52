"""Server-side draw -> result latency per model, against "the tutorial path".

Drawings: real MNIST test digits (``cnndemo.data.load_mnist()``), each placed at a random
size and position on a 112x112 black canvas and encoded as an opaque RGBA PNG data URL,
the same format ``webui.drawpad`` sends once per stroke.

"ours" (what the app runs per stroke: the Draw tab's ``on_draw`` in ``webui/draw_tab.py``):
    the app's own ``webui.analysis.decode_data_url`` + ``webui.analysis.analyse_picture``
    (language "en") with the model's default layer (``webui.analysis.default_layer``):
    preprocess, one compiled forward pass with every activation, the feature-map grid, the
    preview pictures and the preprocessing-steps strip. Timed as called, not re-implemented.
"ours+png": the same plus the PNG encoding of the returned pictures (model input, resized
    input, feature maps, steps) that Gradio does when it sends them to the browser
    (``format="png"`` on the gr.Image outputs).
"tutorial" (what peer demos do): the same decode + preprocess, then ``model.predict(x)``
    for the probabilities, ``keras.Model(inputs, layer.output).predict(x)`` for the same
    layer's activations (extractor built once, outside the timing: a generous baseline),
    and a pyplot figure (``plt.subplots`` grid, ``imshow`` per map, ``fig.savefig`` to a
    BytesIO PNG, ``plt.close``).

Both paths use the same model objects, the same precision (the app's default: "auto"),
the same drawings, and are warmed up first. A second table splits "ours" into stages by
calling the package functions ``analyse_picture`` calls, one at a time, plus the PNG
encoding (so its sum should be close to "ours+png"), next to ``Predictor.probabilities``
(the compiled probabilities-only pass) to show what returning every activation costs.
Percentiles: ``common.percentile`` (numpy's linear interpolation).

    python benchmarks/server_latency.py                      # all models, 60 drawings
    python benchmarks/server_latency.py --models simplecnn --n 100
    python benchmarks/server_latency.py --precision float32 --baseline-n 20
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import sys
import time

import numpy as np
from PIL import Image

from common import machine_line, percentile, print_table

TARGET_P50_MS = {"simplecnn": 5.0, "alexnet": 15.0, "vgg16": 25.0}
TARGET_SPEEDUP = 20.0
CANVAS = 112  # side of the PNG the drawpad sends


def make_drawings(n: int, seed: int) -> list[tuple[str, int]]:
    """n (PNG data URL, true digit) pairs from MNIST test digits, drawpad-like."""
    from cnndemo.data import load_mnist

    mnist = load_mnist()
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(mnist.x_test), size=n, replace=False)
    drawings = []
    for index in picks:
        digit = Image.fromarray(mnist.x_test[index], mode="L")
        side = int(rng.integers(int(CANVAS * 0.6), CANVAS + 1))  # the 28x28 field, scaled up
        digit = digit.resize((side, side), Image.Resampling.BICUBIC)
        canvas = Image.new("L", (CANVAS, CANVAS), 0)
        x, y = (int(rng.integers(0, CANVAS - side + 1)) for _ in range(2))
        canvas.paste(digit, (x, y))
        rgba = Image.merge("RGBA", (canvas, canvas, canvas, Image.new("L", canvas.size, 255)))
        buffer = io.BytesIO()
        rgba.save(buffer, format="PNG")
        url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
        drawings.append((url, int(mnist.y_test[index])))
    return drawings


def png_bytes(picture: Image.Image | None) -> int:
    if picture is None:
        return 0
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.tell()


def time_calls(fn, items, warmup: int) -> list[float]:
    for item in items[:warmup]:
        fn(item)
    times = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=None, help="registry or display names (default: all)")
    parser.add_argument("--n", type=int, default=60, help="drawings per model for ours (>= 50 for the report)")
    parser.add_argument("--baseline-n", type=int, default=None, help="drawings for the tutorial path (default: --n)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--precision", default=os.environ.get("CNNDEMO_PRECISION", "auto"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import keras
    import matplotlib.pyplot as plt

    from cnndemo.predictor import Predictor
    from cnndemo.preprocess import preprocess
    from cnndemo.registry import list_models, model_info, resolve_name
    from cnndemo.render import digit_picture, steps_strip
    from webui import analysis

    lang = "en"
    names = [resolve_name(m) for m in (args.models or list_models())]
    started = time.perf_counter()
    predictor = Predictor.load(models=names, precision=args.precision, allow_untrained=True)
    precisions = ", ".join(f"{k} {predictor.get(k).precision}" for k in predictor.keys())
    print(f"loaded {names} in {time.perf_counter() - started:.1f} s; precision {precisions}; {predictor.device}",
          file=sys.stderr)

    drawings = make_drawings(max(args.n, args.baseline_n or 0), args.seed)
    ours_items = drawings[: args.n]
    base_items = drawings[: args.baseline_n or args.n]

    rows, stage_rows = [], []
    for name in names:
        entry = predictor.get(name)
        label = model_info(entry.arch).display_name
        layer = analysis.default_layer(predictor, name)
        untrained = "" if entry.trained else " (untrained)"

        # --- ours: the app's own functions, as on_draw calls them ----------------------
        def ours(item, name=name, layer=layer):
            picture = analysis.decode_data_url(item[0])
            return analysis.analyse_picture(predictor, name, picture, layer, lang)

        def ours_png(item):
            result = ours(item)
            return sum(png_bytes(p) for p in (result.model_input, result.resized_input, result.feature_map,
                                              result.steps))

        tops = [ours(item).top_k for item in ours_items[:20]]
        correct = sum(bool(top) and next(iter(top)) == str(item[1]) for top, item in zip(tops, ours_items))
        ours_ms = time_calls(ours, ours_items, args.warmup)
        ours_png_ms = time_calls(ours_png, ours_items, args.warmup)

        # --- ours, stage by stage: the package functions analyse_picture calls ---------
        stages: dict[str, list[float]] = {k: [] for k in ("decode", "preprocess", "forward", "feature grid",
                                                          "previews", "steps strip", "png encode")}
        resize = model_info(entry.arch).resize
        for i, item in enumerate(ours_items[: args.warmup] + ours_items):
            t0 = time.perf_counter()
            picture = analysis.decode_data_url(item[0])
            t1 = time.perf_counter()
            prepared = preprocess(picture)
            t2 = time.perf_counter()
            output = predictor.run(name, prepared.image)
            output.top_k(analysis.TOP_K)
            t3 = time.perf_counter()
            drawing = analysis.Drawing(name, prepared.image, output, prepared.steps)
            grid, _, _ = analysis.show_layer(predictor, drawing, layer, lang)
            t4 = time.perf_counter()
            resized = output.activations.get(resize) if resize else None
            previews = [digit_picture(prepared.image, 224)]
            if resized is not None:
                previews.append(digit_picture(resized, 224))
            t5 = time.perf_counter()
            strip = steps_strip(prepared.steps, analysis.step_captions(lang))
            t6 = time.perf_counter()
            for picture_out in [grid, *previews, strip]:
                png_bytes(picture_out)
            t7 = time.perf_counter()
            if i >= args.warmup:
                for key, value in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6)):
                    stages[key].append(value * 1000)

        # probabilities only (the predictor's compiled pass): what "every activation" costs
        digit = preprocess(analysis.decode_data_url(ours_items[0][0])).image[None]
        probs_ms = time_calls(lambda _: predictor.probabilities(name, digit), list(range(args.n)), args.warmup)

        # --- tutorial path -----------------------------------------------------------
        model = entry.model
        extractor = keras.Model(model.inputs, model.get_layer(layer).output)  # built once (generous)

        def tutorial(item, model=model, extractor=extractor):
            picture = analysis.decode_data_url(item[0])
            x = preprocess(picture).image[None]
            probabilities = model.predict(x, verbose=0)[0]
            top = np.argsort(probabilities)[::-1][: analysis.TOP_K]
            maps = np.asarray(extractor.predict(x, verbose=0)[0], dtype=np.float32)[:, :, :64]
            count = maps.shape[-1]
            columns = 8
            rows_ = int(np.ceil(count / columns))
            fig, axes = plt.subplots(rows_, columns, figsize=(columns * 1.2, rows_ * 1.2))
            for i, ax in enumerate(np.ravel(axes)):
                if i < count:
                    ax.imshow(maps[:, :, i], cmap="viridis")
                ax.axis("off")
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
            plt.close(fig)
            return top, buffer.tell()

        tutorial_ms = time_calls(tutorial, base_items, min(args.warmup, 3))

        p50, tutorial_p50 = percentile(ours_ms, 50), percentile(tutorial_ms, 50)
        speedup = tutorial_p50 / p50
        target = TARGET_P50_MS.get(name)
        verdict = ("ok" if p50 <= target and speedup >= TARGET_SPEEDUP else "MISSED") if target else ""
        rows.append([
            f"{label}{untrained}", layer,
            f"{p50:.1f}", f"{percentile(ours_ms, 95):.1f}", f"{percentile(ours_png_ms, 50):.1f}",
            f"{tutorial_p50:.0f}", f"{percentile(tutorial_ms, 95):.0f}", f"{speedup:.0f}x",
            f"≤ {target:g} ms, ≥ {TARGET_SPEEDUP:g}x: {verdict}" if target else "",
        ])
        medians = [percentile(v, 50) for v in stages.values()]
        stage_rows.append([label] + [f"{m:.2f}" for m in medians]
                          + [f"{sum(medians):.1f}", f"{percentile(probs_ms, 50):.2f}", f"{correct}/{len(tops)}"])
        print(f"{label}: done", file=sys.stderr)

    print(f"\n### Server draw→result latency (ms), {len(ours_items)} drawings "
          f"({len(base_items)} for the tutorial path), precision {precisions}\n")
    print_table(["model", "layer shown", "ours p50", "ours p95", "ours+png p50", "tutorial p50", "tutorial p95",
                 "speed-up (×)", "target"], rows, numeric=tuple(range(2, 8)))
    print("\n### Where the time goes in ours (median ms per stage)\n")
    print_table(["model", "decode", "preprocess", "forward (all activations)", "feature grid", "previews",
                 "steps strip", "png encode", "sum (≈ ours+png)", "forward, probabilities only",
                 "top-1 correct (first 20)"], stage_rows, numeric=tuple(range(1, 11)))
    print(f"\n{machine_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
