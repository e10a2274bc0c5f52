"""Where training time goes: each layer's forward + backward time, float32 against what
automatic precision picks here, in the same process.

    python benchmarks/layer_times.py [--models alexnet vgg16] [--batch-size 64] [--repeats 5]

For each layer of a registered model (freshly built, real input shapes, ``training=True``)
one compiled ``tf.function`` runs the layer forward and takes the gradients a training
step needs: its weights' gradients, and its input's gradient only when an earlier layer has
weights (as in ``model.fit``, where nothing before the first convolution is trained). Best
of ``--repeats`` after one warm-up call, float32 and bf16 interleaved. The sum is not a
full training step (no optimizer update, no loss, no data pipeline) but shows which layers
gain from bf16 and by how much, which explains the training speed-up that
``train_throughput.py`` measures. For
convolutions and dense layers it also gives the arithmetic rate (GFLOP/s: forward, weight
gradient and input gradient, 2 FLOPs per multiply-add), next to the ceiling: a large
``tf.matmul`` in each precision, whose bf16 / float32 ratio is about the most any
compute-bound layer can gain on this CPU.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from typing import Callable

from common import machine_line  # before cnndemo: puts the repo on sys.path

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from cnndemo.precision import choose_precision, configure_devices  # noqa: E402
from cnndemo.models import INPUT_SHAPE  # noqa: E402
from cnndemo.registry import create_model, list_models  # noqa: E402

MATMUL_SIZE = 2048


def best_times(calls: list[Callable[[], object]], repeats: int) -> list[float]:
    """Best wall time of each call over ``repeats`` rounds, the calls interleaved in every
    round (so a slow spell of this shared machine hits both precisions alike)."""
    best = [float("inf")] * len(calls)
    for _ in range(repeats):
        for i, call in enumerate(calls):
            start = time.perf_counter()
            call()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def matmul_call(dtype: str, size: int = MATMUL_SIZE) -> Callable[[], object]:
    """A warmed-up ``size`` x ``size`` matrix product in ``dtype`` that waits for its result."""
    a = tf.cast(tf.random.uniform((size, size)), dtype)
    b = tf.cast(tf.random.uniform((size, size)), dtype)
    product = tf.function(tf.matmul)
    product(a, b).numpy()
    return lambda: product(a, b).numpy()


def step_flops(layer: keras.layers.Layer, input_shape: tuple, output_shape: tuple, input_grad: bool) -> int:
    """FLOPs of one training step of a Conv2D or Dense layer on a batch (0 for other layers):
    forward, weight gradient and (when needed) input gradient, 2 per multiply-add."""
    if isinstance(layer, keras.layers.Conv2D):
        kernel_h, kernel_w = layer.kernel_size
        macs = math.prod(output_shape) * kernel_h * kernel_w * input_shape[-1]
    elif isinstance(layer, keras.layers.Dense):
        macs = math.prod(output_shape) * input_shape[-1]
    else:
        return 0
    return 2 * macs * (3 if input_grad else 2)


@dataclass
class LayerStep:
    name: str
    output_shape: tuple  # one image's
    flops: int  # per batch
    call: Callable[[], object]  # one warmed-up forward + backward, waits for its result


def layer_steps(name: str, precision: str, batch_size: int) -> list[LayerStep]:
    """One :class:`LayerStep` per layer of a freshly built model, fed the previous layer's output."""
    keras.utils.set_random_seed(0)
    model = create_model(name, dtype=precision)
    x = tf.random.uniform((batch_size, *INPUT_SHAPE))
    earlier_weights = False
    steps = []
    for layer in model.layers[1:]:  # after the Input
        need_input_grad = earlier_weights

        @tf.function
        def step(inputs, layer=layer, need_input_grad=need_input_grad):
            with tf.GradientTape() as tape:
                tape.watch(inputs)
                outputs = layer(inputs, training=True)
                total = tf.reduce_sum(tf.cast(outputs, "float32"))
            sources = ([inputs] if need_input_grad else []) + layer.trainable_weights
            return outputs, tape.gradient(total, sources) if sources else []

        outputs, _ = step(x)  # traces; oneDNN builds its kernels

        def call(step=step, inputs=x):
            _, grads = step(inputs)
            return [grad.numpy() for grad in grads]

        steps.append(LayerStep(layer.name, tuple(outputs.shape[1:]),
                               step_flops(layer, tuple(x.shape), tuple(outputs.shape), need_input_grad), call))
        earlier_weights = earlier_weights or bool(layer.trainable_weights)
        x = outputs
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["alexnet", "vgg16"], choices=list_models())
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    device = configure_devices()
    auto = choose_precision("auto")
    print(f"device: {device}; auto precision: {auto}; keras {keras.__version__}; batch {args.batch_size}")
    dtype = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}.get(auto, "float32")
    base, fast = best_times([matmul_call("float32"), matmul_call(dtype)], args.repeats)
    flops = 2 * MATMUL_SIZE**3
    print(f"\nceiling, {MATMUL_SIZE}x{MATMUL_SIZE} matmul: float32 {flops / base / 1e9:,.0f} GFLOP/s, "
          f"{dtype} {flops / fast / 1e9:,.0f} GFLOP/s, {base / fast:.2f}x")
    for name in args.models:
        base_steps, fast_steps = layer_steps(name, "float32", args.batch_size), layer_steps(name, auto, args.batch_size)
        times = best_times([step.call for pair in zip(base_steps, fast_steps) for step in pair], args.repeats)
        print(f"\n| {name} layer | output | float32 ms | {auto} ms | speed-up | share of float32 "
              f"| float32 GFLOP/s | {auto} GFLOP/s |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        total_base, total_fast = sum(times[0::2]), sum(times[1::2])
        for step, seconds, fast_seconds in zip(base_steps, times[0::2], times[1::2]):
            rates = f"{step.flops / seconds / 1e9:,.0f} | {step.flops / fast_seconds / 1e9:,.0f}" if step.flops else " | "
            print(f"| {step.name} | {'x'.join(map(str, step.output_shape))} | {seconds * 1e3:,.1f} "
                  f"| {fast_seconds * 1e3:,.1f} | {seconds / fast_seconds:.2f}x | {seconds / total_base:.0%} | {rates} |")
        print(f"| **sum** | | {total_base * 1e3:,.1f} | {total_fast * 1e3:,.1f} | {total_base / total_fast:.2f}x "
              "| | | |")
    print(f"\n{machine_line()}")


if __name__ == "__main__":
    main()
