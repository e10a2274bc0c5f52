"""Cold start of the app: process start -> first HTTP 200 on ``/``, and resident memory.

Each run starts ``python app.py`` (all three models load before the server listens) with
``common.start_app``: a free loopback port (``CNNDEMO_PORT``), an empty
``CNNDEMO_USER_WEIGHTS`` (no saved model adds to the load), ``GET /`` polled every 20 ms
until it answers 200; then it sums the resident set size (psutil) of the process and all
its children, at that moment and one second later. Baseline,
measured in the same run: ``python -c "import gradio, tensorflow"``, i.e. how much of the
cold start is only the imports. Medians over ``--runs`` (default 3).

    python benchmarks/cold_start.py
    python benchmarks/cold_start.py --runs 5 --precision float32
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from common import ROOT, child_env, machine_line, start_app, stop_app

TARGET_SECONDS = 15.0
TARGET_MB = 1536.0  # 1.5 GB
POLL_S = 0.02


def time_imports() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import gradio, tensorflow"], cwd=ROOT, env=child_env(),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def tree_rss_mb(process: psutil.Process) -> float:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def cold_start(timeout: float, precision: str | None, log_path: Path) -> tuple[float, float, float]:
    """(seconds to first 200, RSS MB at that moment, RSS MB after one more second)."""
    overrides = {"CNNDEMO_PRECISION": precision} if precision else {}
    started = time.perf_counter()
    child, _ = start_app(overrides, log_path, timeout=timeout, poll_s=POLL_S)
    try:
        seconds = time.perf_counter() - started
        process = psutil.Process(child.pid)
        rss = tree_rss_mb(process)
        time.sleep(1.0)
        rss_later = tree_rss_mb(process)
        return seconds, rss, rss_later
    finally:
        stop_app(child)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--precision", default=None, help="CNNDEMO_PRECISION for the app (default: the app's own)")
    parser.add_argument("--log-dir", default=None, help="where app.py's output goes (default: a temp dir)")
    args = parser.parse_args()

    log_dir = Path(args.log_dir or tempfile.mkdtemp(prefix="cnndemo-coldstart-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    time_imports()  # untimed: fill the OS file cache the same way for both measurements
    imports, starts, rss, rss_later = [], [], [], []
    for run in range(args.runs):
        imports.append(time_imports())
        seconds, mb, mb_later = cold_start(args.timeout, args.precision, log_dir / f"app-{run}.log")
        starts.append(seconds)
        rss.append(mb)
        rss_later.append(mb_later)
        print(f"run {run + 1}: imports {imports[-1]:.2f} s, first 200 after {seconds:.2f} s, "
              f"RSS {mb:.0f} MB (+1 s: {mb_later:.0f} MB)", file=sys.stderr)

    start_med, import_med = statistics.median(starts), statistics.median(imports)
    rss_med = statistics.median(rss)
    print(f"\n### Cold start of `python app.py` (median of {args.runs} runs; all three models loaded)\n")
    print("| measure | median | runs | target |")
    print("|---|---:|---|---|")
    print(f"| process start → first HTTP 200 on / | {start_med:.2f} s | "
          f"{', '.join(f'{s:.2f}' for s in starts)} | ≤ {TARGET_SECONDS:g} s: "
          f"{'ok' if start_med <= TARGET_SECONDS else 'MISSED'} |")
    print(f"| baseline: `python -c \"import gradio, tensorflow\"` | {import_med:.2f} s | "
          f"{', '.join(f'{s:.2f}' for s in imports)} | |")
    print(f"| cold start / import baseline | {start_med / import_med:.2f}× | | |")
    print(f"| cold start beyond the imports | {start_med - import_med:.2f} s | | |")
    print(f"| resident memory (process + children) at first 200 | {rss_med:.0f} MB | "
          f"{', '.join(f'{m:.0f}' for m in rss)} | ≤ {TARGET_MB:g} MB: {'ok' if rss_med <= TARGET_MB else 'MISSED'} |")
    print(f"| resident memory 1 s later | {statistics.median(rss_later):.0f} MB | "
          f"{', '.join(f'{m:.0f}' for m in rss_later)} | |")
    print(f"\napp logs in {log_dir}\n{machine_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
