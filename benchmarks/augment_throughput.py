"""Training throughput with on-the-fly augmentation: ``augment="handwriting"`` (and
``"affine"``) against ``augment="none"``, same process, same data, model and precision.

    python benchmarks/augment_throughput.py                        # SimpleCNN, ~1-2 min on 2 cores
    python benchmarks/augment_throughput.py --models simplecnn alexnet vgg16 --repeats 3
    python benchmarks/augment_throughput.py --repeats 1 --epochs 2 --images 2560   # a quick check

Every fit is ``common.plain_fit``: plain ``model.fit`` on the runner's dataset
(``cnndemo.training.make_training_dataset``, where the augmentation runs: batched tensor
operations in the tf.data pipeline, ``cnndemo.training.augment``), the runner's model,
optimizer and precision, on the same images for every mode: the first ``--images`` of
``training_sets("mnist").train`` in the runner's fixed shuffle. Only the augmentation mode
differs. It trains ``--epochs`` short epochs and times the epochs after the first (which
includes tracing), from the end of epoch 1 to the end of the last (an ``on_epoch_end``
time stamp, ``common.epoch_timer``, as ``train_throughput.py`` does). After one untimed
warm-up fit per model, the modes are interleaved ``--repeats`` times (none, handwriting,
affine, none, handwriting, affine, ...; garbage collected before each fit), so a busy
moment of a shared machine hits every mode alike. The table gives each mode's median and
every fit; the verdict is on the ratio of the medians.

Target: handwriting / none >= 0.90 (the augmentation costs at most 10 % of training speed).
"affine" (the first shipped weights' recipe, Keras' random-transform layers) has no target;
it is there for comparison (``--modes none handwriting`` leaves it out).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys

from common import machine_line, print_table, timed_fit  # before cnndemo: puts the repo on sys.path

import keras  # noqa: E402

from cnndemo.data import training_sets  # noqa: E402
from cnndemo.precision import choose_precision, configure_devices  # noqa: E402
from cnndemo.registry import list_models  # noqa: E402
from cnndemo.training import AUGMENTATIONS, TrainConfig  # noqa: E402

TARGET_RATIO = 0.90
# Images per epoch (default): SimpleCNN's run (3 modes x 2 repeats + a warm-up, 3 epochs
# each) takes ~1-2 min on 2 cores; AlexNet's and VGG16's a few minutes each.
IMAGES = {"simplecnn": 12_800, "alexnet": 2_560, "vgg16": 320}
BATCH = {"simplecnn": 64, "alexnet": 64, "vgg16": 32}


def rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["simplecnn"], choices=list_models(),
                        help="default: simplecnn only (alexnet and vgg16 take minutes each)")
    parser.add_argument("--images", type=int, help=f"training images per epoch instead of each model's default ({IMAGES})")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per fit; all but the first are timed (>= 2)")
    parser.add_argument("--batch-size", type=int, help=f"instead of each model's default ({BATCH})")
    parser.add_argument("--repeats", type=int, default=2, help="timed fits per mode")
    parser.add_argument("--modes", nargs="+", default=["none", "handwriting", "affine"], choices=AUGMENTATIONS,
                        help="augmentation modes, in the order they alternate; the first is the baseline")
    parser.add_argument("--precision", default="auto", help="training precision (default: auto, as the Train tab)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch is not timed")
    modes = list(dict.fromkeys(args.modes))
    base = modes[0]

    device = configure_devices()
    precision = choose_precision(args.precision)
    digits = training_sets("mnist", seed=args.seed, validation_images=0).train
    print(f"device: {device}; precision: {precision}; keras {keras.__version__}; {args.epochs} epochs per fit, "
          f"all but the first timed; {args.repeats} fits per mode, interleaved {', '.join(modes)}",
          file=sys.stderr)

    rows = []
    for name in args.models:
        images = args.images or IMAGES[name]
        configs = {mode: TrainConfig(model=name, epochs=args.epochs, batch_size=args.batch_size or BATCH[name],
                                     train_images=images, precision=precision, augment=mode,
                                     validation_images=0, seed=args.seed).check() for mode in modes}
        timed_fit(configs[base], digits)  # warm-up, untimed: oneDNN builds its kernels for these shapes
        runs: dict[str, list[float]] = {mode: [] for mode in modes}
        for repeat in range(args.repeats):
            for mode in modes:
                gc.collect()  # the previous model's garbage is not collected during this fit
                runs[mode].append(timed_fit(configs[mode], digits))
                print(f"{name} {mode} fit {repeat + 1}: {rate(runs[mode][-1])} img/s", file=sys.stderr, flush=True)
        medians = {mode: statistics.median(values) for mode, values in runs.items()}
        ratios = {mode: medians[mode] / medians[base] for mode in modes[1:]}
        verdict = ""
        if base == "none" and "handwriting" in ratios:
            verdict = f"≥ {TARGET_RATIO:.2f}: {'ok' if ratios['handwriting'] >= TARGET_RATIO else 'MISSED'}"
        rows.append([name, f"{images:,} × {args.epochs - 1}", *(rate(medians[mode]) for mode in modes),
                     *(f"{ratio:.2f}" for ratio in ratios.values()), verdict,
                     "; ".join(f"{mode} " + ", ".join(rate(v) for v in runs[mode]) for mode in modes)])

    print(f"\n### Training images/s with augmentation (plain fit, {precision}, medians of {args.repeats} "
          f"interleaved fits)\n")
    header = ["model", "images timed per fit", *(f"{mode} img/s" for mode in modes),
              *(f"{mode} / {base}" for mode in modes[1:]), "target (handwriting / none)", "every fit (img/s)"]
    print_table(header, rows, numeric=tuple(range(2, 2 * len(modes) + 1)))
    print(f"\n{machine_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
