"""Keep a long-running server's resident memory near what it really holds (glibc only).

Under a class's load, request threads allocate and free many large numpy arrays (a VGG16
drawing's activations are 14.5 MB in ~30 arrays). glibc's malloc keeps freed memory in its
arenas for reuse, and by default has up to 8 arenas per core and returns little to the
system, so resident memory climbs long after what is alive stops growing
(``benchmarks/classroom_load.py --long``). Two measures, both no-ops without glibc:

- :func:`limit_malloc_arenas`: at most 2 arenas (call before any thread starts);
- :func:`start_malloc_trimmer`: a daemon thread calling ``malloc_trim(0)`` every
  ``interval_s`` seconds, which hands the free pages inside the arenas back to the system.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Callable

M_ARENA_MAX = -8


def _load_libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


_LIBC = _load_libc()  # loaded once; None where there is no glibc


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """At most ``arenas`` glibc malloc arenas; True if set. Call before any thread starts."""
    try:
        return bool(_LIBC is not None and _LIBC.mallopt(M_ARENA_MAX, arenas))
    except AttributeError:  # a libc without mallopt
        return False


def trim_malloc() -> bool:
    """Give free heap pages back to the system now (``malloc_trim(0)``); True if any were."""
    try:
        return bool(_LIBC is not None and _LIBC.malloc_trim(0))
    except AttributeError:  # a libc without malloc_trim
        return False


def start_malloc_trimmer(interval_s: float = 30.0, trim: Callable[[], object] = trim_malloc) -> threading.Event:
    """Call ``trim`` every ``interval_s`` seconds in a daemon thread; set the returned event
    to stop it. A trim takes a few milliseconds."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval_s):
            trim()

    threading.Thread(target=loop, name="malloc-trim", daemon=True).start()
    return stop
