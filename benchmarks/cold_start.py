"""Cold start of the app: process start -> first HTTP 200 on ``/``, and resident memory.

Each run starts ``python app.py`` (all three models load before the server listens) on a
free loopback port (``CNNDEMO_PORT``), polls ``GET /`` every 20 ms until it answers 200,
then sums the resident set size (psutil) of the process and all its children. Baseline,
measured in the same run: ``python -c "import gradio, tensorflow"``, i.e. how much of the
cold start is only the imports. Medians over ``--runs`` (default 3).

    python benchmarks/cold_start.py
    python benchmarks/cold_start.py --runs 5 --precision float32
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

from apputil import stop_app
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 15.0
TARGET_MB = 1536.0  # 1.5 GB


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(port: int | None = None, precision: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    env["PYTHONUNBUFFERED"] = "1"
    if port is not None:
        env["CNNDEMO_PORT"] = str(port)
        env["CNNDEMO_HOST"] = "127.0.0.1"
    if precision:
        env["CNNDEMO_PRECISION"] = precision
    return env


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
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "w") as log:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=child_env(port, precision),
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while True:
                if child.poll() is not None:
                    raise RuntimeError(f"app.py exited with {child.returncode}; see {log_path}")
                if time.perf_counter() - started > timeout:
                    raise RuntimeError(f"no HTTP 200 on {url} within {timeout:.0f} s; see {log_path}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            response.read()
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    pass
                time.sleep(0.02)
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

    import tempfile

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
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; app logs in {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
