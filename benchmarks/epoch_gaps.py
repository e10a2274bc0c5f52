"""Epoch-boundary stalls: the training pipeline as shipped (tf.data autotuning off) against
the same pipeline with autotuning on (tf.data's default), plain ``model.fit``, same process.

    python benchmarks/epoch_gaps.py [--models alexnet] [--epochs 4] [--images 2560] [--repeats 2]

tf.data's autotuner thread sleeps up to 10 s between rounds; destroying an iterator (which
``model.fit`` does at every epoch end, and once more when it returns) waits for it. The
script times, in each fit, the gaps where no batch runs: from ``on_epoch_begin`` to the
first ``on_train_batch_begin`` of every epoch after the first (the old iterator is freed
and a new one made there) and from ``on_train_end`` until ``fit`` returns; and images/s of
the epochs after the first, gaps included (what a student waits for). Both variants run
alternately, each first in turn; medians are printed. The fits are ``common.plain_fit``
(the runner's images, dataset, model and optimizer) on MNIST's training set.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from common import images_per_s, machine_line, plain_fit  # before cnndemo: puts the repo on sys.path

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from cnndemo.data.sets import mnist_set  # noqa: E402
from cnndemo.precision import choose_precision, configure_devices  # noqa: E402
from cnndemo.registry import list_models  # noqa: E402
from cnndemo.training import TrainConfig  # noqa: E402


class Marks(keras.callbacks.Callback):
    """``time.perf_counter()`` at every epoch's begin, first batch and end, and at train end."""

    def __init__(self):
        super().__init__()
        self.epoch_begin: list[float] = []
        self.first_batch: list[float] = []
        self.epoch_end: list[float] = []
        self.train_end = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_begin.append(time.perf_counter())

    def on_train_batch_begin(self, batch, logs=None):
        if batch == 0:
            self.first_batch.append(time.perf_counter())

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_end.append(time.perf_counter())

    def on_train_end(self, logs=None):
        self.train_end = time.perf_counter()


def fit_once(config: TrainConfig, digits, autotune: bool) -> tuple[float, float]:
    """(images/s of epochs 2.., seconds of gaps) of one plain fit."""
    options = None
    if autotune:
        options = tf.data.Options()
        options.autotune.enabled = True
    marks = Marks()
    images = plain_fit(config, [marks], dataset_options=options, digits=digits)
    returned = time.perf_counter()
    gaps = sum(first - begin for begin, first in zip(marks.epoch_begin[1:], marks.first_batch[1:]))
    gaps += returned - marks.train_end
    return images_per_s(marks.epoch_end, images), gaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["alexnet"], choices=list_models())
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--images", type=int, default=2560, help="training images per epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    device = configure_devices()
    digits = mnist_set("train")  # the first --images of the runner's fixed shuffle
    print(f"device: {device}; precision: {choose_precision(args.precision)}; keras {keras.__version__}; "
          f"tensorflow {tf.__version__}; {args.epochs} epochs of {args.images:,} images\n")
    print("| model | pipeline | img/s, epochs 2.. (median) | idle gaps per fit, s (median) | every fit: img/s (gaps s) |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.models:
        config = TrainConfig(model=name, epochs=args.epochs, batch_size=args.batch_size, train_images=args.images,
                             precision=args.precision, validation_images=0).check()
        fit_once(config, digits, autotune=False)  # warm-up: oneDNN kernels for these shapes
        runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        for repeat in range(args.repeats):
            for autotune in (False, True) if repeat % 2 == 0 else (True, False):
                gc.collect()
                runs[autotune].append(fit_once(config, digits, autotune))
        rates = {}
        for autotune, label in ((True, "tf.data autotune on (default)"), (False, "as shipped: autotune off")):
            rate = statistics.median(r for r, _ in runs[autotune])
            gaps = statistics.median(g for _, g in runs[autotune])
            rates[autotune] = rate
            every = ", ".join(f"{r:,.1f} ({g:.1f})" for r, g in runs[autotune])
            print(f"| {name} | {label} | {rate:,.1f} | {gaps:.1f} | {every} |", flush=True)
        print(f"| {name} | **shipped / default** | **{rates[False] / rates[True]:.2f}x** | | |")
    print(f"\n{machine_line()}")


if __name__ == "__main__":
    main()
