"""Shared by the benchmark scripts: stopping the ``app.py`` they started."""

from __future__ import annotations

import os
import signal
import subprocess


def stop_app(child: subprocess.Popen) -> None:
    """Terminate the process group of ``child`` (started with ``start_new_session=True``), then kill."""
    try:
        os.killpg(child.pid, signal.SIGTERM)  # only the process group we started
        child.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()
