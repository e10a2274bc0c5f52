"""webui.memory: the server's glibc malloc settings and the periodic trim that keeps resident
memory near what is alive (benchmarks/classroom_load.py --long measures it under load)."""

from __future__ import annotations

import ctypes
import threading

import psutil
import pytest

from webui.memory import limit_malloc_arenas, start_malloc_trimmer, trim_malloc

pytestmark = pytest.mark.unit


def test_freed_memory_inside_the_heap_goes_back_to_the_system_when_trimmed():
    # 64 KiB blocks come from malloc's heap (under its mmap threshold); freeing every other one
    # leaves 128 MiB of holes that free() alone keeps resident.
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = []
    for _ in range(4096):
        block = libc.malloc(64 * 1024)
        ctypes.memset(block, 1, 64 * 1024)  # touched: resident
        blocks.append(block)
    for block in blocks[::2]:
        libc.free(block)
    process = psutil.Process()
    before = process.memory_info().rss
    assert trim_malloc() is True
    released_mb = (before - process.memory_info().rss) / 2**20
    for block in blocks[1::2]:
        libc.free(block)
    assert released_mb > 100, f"trim released {released_mb:.0f} MiB of 128 MiB of freed blocks"


def test_the_trimmer_trims_every_interval_until_stopped():
    calls = []
    three = threading.Event()

    def trim():
        calls.append(1)
        if len(calls) == 3:
            three.set()

    stop = start_malloc_trimmer(interval_s=0.01, trim=trim)
    assert three.wait(5), calls
    stop.set()
    stopped_at = len(calls)
    threading.Event().wait(0.1)
    assert len(calls) <= stopped_at + 1  # at most the trim already running when stopped


def test_the_arena_limit_is_accepted():
    assert limit_malloc_arenas(2) is True
