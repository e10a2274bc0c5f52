"""Process-wide choices made once at start-up: which device, which precision.

Model code stays pure (nanoGPT's rule); the app, the CLI and the benchmarks call
:func:`configure_devices` once and pass :func:`choose_precision`'s answer to the builders.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")


@dataclass(frozen=True)
class Device:
    """The machine the models run on.

    Attributes:
        kind: "GPU" or "CPU".
        name: the GPU's name, or "" for a CPU.
        cores: CPU cores.
        bf16_units: "AMX", "AVX-512 BF16" or "" (none) on a CPU; "" on a GPU.
    """

    kind: str
    name: str = ""
    cores: int = 0
    bf16_units: str = ""

    def __str__(self) -> str:  # a technical label, the same in every language
        if self.kind == "GPU":
            return f"GPU {self.name} (TensorFlow)"
        return f"CPU ×{self.cores}, {self.bf16_units or 'no bf16'} (TensorFlow)"


@functools.lru_cache(maxsize=1)
def configure_devices() -> Device:
    """Turn on GPU memory growth (before any model is built) and describe the device."""
    import os

    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: growth cannot change any more
            pass
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return Device("GPU", name=str(details.get("device_name", gpus[0].name)))
    flags = _cpu_flags()
    units = "AMX" if "amx_bf16" in flags else "AVX-512 BF16" if "avx512_bf16" in flags else ""
    return Device("CPU", cores=os.cpu_count() or 0, bf16_units=units)


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


@functools.lru_cache(maxsize=None)
def choose_precision(requested: str = "auto") -> str:
    """Resolve a precision request to a Keras dtype policy name.

    ``"auto"`` picks ``"mixed_bfloat16"`` on GPUs of compute capability 8.0 or newer and on
    CPUs with bf16 units (AMX or AVX-512 BF16), ``"mixed_float16"`` on older GPUs and
    ``"float32"`` elsewhere. Any other value is returned unchanged after a check.

    Raises:
        ValueError: for an unknown precision name.
    """
    if requested not in PRECISIONS:
        raise ValueError(f"Unknown precision. Received: precision={requested!r}. Available: {list(PRECISIONS)}")
    if requested != "auto":
        return requested
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0))
        return "mixed_bfloat16" if tuple(capability) >= (8, 0) else "mixed_float16"
    flags = _cpu_flags()
    return "mixed_bfloat16" if {"amx_bf16", "avx512_bf16"} & flags else "float32"
