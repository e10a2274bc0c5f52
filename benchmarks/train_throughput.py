"""Training throughput: the Train tab's runner against plain ``model.fit``, same settings,
same process; and the speed-up that automatic precision gives over float32.

    python benchmarks/train_throughput.py [--models simplecnn alexnet vgg16]

For each model and precision (float32, and what "auto" picks here) it trains ``--epochs``
short epochs both ways on the same images and times everything after the first epoch
(which includes tracing), from the end of epoch 1 to the end of the last, measured the same
way for both: at ``on_epoch_end``. After one warm-up fit per model, plain and runner
alternate ``--repeats`` times (each going first in turn, garbage collected before each
fit); the table gives the best of each (the usual guard against a busy moment on a shared
machine) and the ratio of the medians (steadier here, where single fits vary by +-20-30 %).
Both train on the same images: the first ``--images`` of MNIST's training set in the
runner's fixed shuffle (``training_sets("mnist").train.take(n, seed)``). Plain fit
(``common.plain_fit``: the runner's dataset, model, optimizer and precision) gets only an
epoch timer (on_epoch hooks do not slow Keras' loop); the runner reports progress every
0.25 s and checks its stop flag every batch, as in the tab. Validation and the final test
evaluation are off in both, so only fitting is timed.
Targets: runner / plain >= 0.95 at equal precision; auto / float32 >= 3 for AlexNet, VGG16.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from common import images_per_s, machine_line, timed_fit  # before cnndemo: puts the repo on sys.path

import keras  # noqa: E402

from cnndemo.data import training_sets  # noqa: E402
from cnndemo.precision import choose_precision, configure_devices  # noqa: E402
from cnndemo.registry import list_models  # noqa: E402
from cnndemo.training import TrainConfig, train  # noqa: E402

# Images per epoch: enough batches for a stable figure, few enough for float32 VGG16.
IMAGES = {"simplecnn": 25_600, "alexnet": 2_560, "vgg16": 320}
BATCH = {"simplecnn": 64, "alexnet": 64, "vgg16": 32}


def plain_fit(config: TrainConfig, sets) -> float:
    """images/s after the first epoch of plain model.fit with the runner's images, dataset and optimizer."""
    return timed_fit(config, digits=sets.train)


def runner_fit(config: TrainConfig, sets) -> float:
    """images/s after the first epoch of cnndemo.training.train, timed from its "epoch"
    events (emitted in its on_epoch_end)."""
    ends = []
    train(config, on_event=lambda e: ends.append(time.perf_counter()) if e.kind == "epoch" else None,
          sets=sets, event_interval_s=0.25, evaluate=False)
    return images_per_s(ends, config.train_images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list_models(), choices=list_models())
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per fit; all but the first are timed")
    parser.add_argument("--batch-size", type=int, help="instead of each model's default (%s)" % BATCH)
    parser.add_argument("--images", type=int, help="training images per epoch instead of each model's default (%s)" % IMAGES)
    parser.add_argument("--precision", choices=["both", "float32", "auto"], default="both",
                        help="only one side of the speed-up (default: both)")
    args = parser.parse_args()
    device = configure_devices()
    auto = choose_precision("auto")
    sets = training_sets("mnist", validation_images=0)  # the runner's default data; no validation
    print(f"device: {device}; auto precision: {auto}; keras {keras.__version__}\n")
    print("| model | precision | plain fit img/s (best) | runner img/s (best) | runner / plain (best) "
          "| runner / plain (medians) | every fit (img/s) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    speeds = {}
    precisions = list(dict.fromkeys(["float32", auto])) if args.precision == "both" else [choose_precision(args.precision)]
    for name in args.models:
        for index, precision in enumerate(precisions):
            config = TrainConfig(model=name, epochs=args.epochs, batch_size=args.batch_size or BATCH[name],
                                 train_images=args.images or IMAGES[name],
                                 precision=precision, validation_images=0).check()
            if index == 0:  # warm-up: oneDNN builds its kernels for these shapes once
                plain_fit(config, sets)
            runs = {plain_fit: [], runner_fit: []}
            for repeat in range(args.repeats):  # alternate which goes first
                for fit in (plain_fit, runner_fit) if repeat % 2 == 0 else (runner_fit, plain_fit):
                    gc.collect()  # the previous model's garbage is not collected during this fit
                    runs[fit].append(fit(config, sets))
            plain, runner = max(runs[plain_fit]), max(runs[runner_fit])
            plain_median, runner_median = statistics.median(runs[plain_fit]), statistics.median(runs[runner_fit])
            speeds[name, precision] = runner, runner_median
            every = "; ".join(f"{label} " + ", ".join(f"{v:,.0f}" if v >= 100 else f"{v:.1f}" for v in runs[fit])
                              for label, fit in (("plain", plain_fit), ("runner", runner_fit)))
            print(f"| {name} | {precision} | {plain:,.1f} | {runner:,.1f} | {runner / plain:.2f}x | {runner_median / plain_median:.2f}x "
                  f"| {every} |", flush=True)
    if len(precisions) == 2:
        print(f"\n| model | runner float32 img/s (best) | runner {auto} img/s (best) | speed-up (best) "
              "| speed-up (medians) |")
        print("| --- | --- | --- | --- | --- |")
        for name in args.models:
            (fp32, fp32_median), (fast, fast_median) = speeds[name, "float32"], speeds[name, auto]
            print(f"| {name} | {fp32:,.1f} | {fast:,.1f} | {fast / fp32:.2f}x | {fast_median / fp32_median:.2f}x |")
    print(f"\n{machine_line()}")


if __name__ == "__main__":
    main()
