"""Shared by every benchmark script: the app as a subprocess, headless chromium, one
percentile definition, the machine line under each table, and plain ``model.fit`` runs.

Importing it puts the repository root on ``sys.path`` (the scripts run as
``python benchmarks/<script>.py``, which puts only ``benchmarks/`` there) and sets
``TF_CPP_MIN_LOG_LEVEL=2`` unless it is set already; so import it before ``cnndemo``.
Nothing here imports TensorFlow, Keras, Gradio or Playwright until a function needs it.

- The app: :func:`free_port`, :func:`child_env`, :func:`start_app` (``python app.py`` on a
  free loopback port, waits for ``GET /`` to answer 200), :func:`stop_app`,
  :func:`export_commit` (a commit's tree in a temporary directory, to start the app from).
- The browser: :data:`CHROMIUM` (Debian's, never ``playwright install``),
  :data:`CHROMIUM_ARGS`, :func:`launch_chromium`, :func:`new_page` (``locale="en-US"``: the
  page's language follows the browser's; other context options such as ``has_touch``).
- Statistics: :func:`percentile` (numpy's default, linear interpolation between the two
  nearest ranks: Hyndman & Fan type 7, as in R and Excel's PERCENTILE.INC) and
  :func:`summary` (p50, p95, p99, mean, n). Every script's p50/p95 comes from here.
- Tables and footers: :func:`print_table` (Markdown), :func:`load_average`,
  :func:`machine_line`.
- Training: :func:`plain_fit` (plain ``model.fit`` with the runner's data, model, optimizer
  and pipeline), :func:`epoch_timer`, :func:`images_per_s` (epochs after the first) and
  :func:`timed_fit` (the three together).
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# --- the app as a subprocess ------------------------------------------------------------

APP_START_TIMEOUT_S = 180.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (free when this returns)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a child Python: quiet TensorFlow, no Gradio
    analytics, unbuffered output, then ``overrides`` (a value of None removes the variable)."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in (overrides or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


def log_tail(path: Path, chars: int = 3000) -> str:
    """The last ``chars`` characters of a log file (or why there are none)."""
    try:
        return Path(path).read_text(errors="replace")[-chars:] or "(empty log)"
    except OSError as error:
        return f"(no log: {error})"


def export_commit(commit: str = "HEAD") -> Path:
    """A fresh temporary directory holding ``commit``'s tree (``git archive``: tracked files
    only, as committed), to run the app as committed while the working tree is mid-edit."""
    into = Path(tempfile.mkdtemp(prefix="cnndemo-tree-"))
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def start_app(env_overrides: Mapping[str, str] | None, log_path: Path, timeout: float = APP_START_TIMEOUT_S,
              poll_s: float = 0.1, root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """Start ``python app.py`` in ``root`` (the repository by default; or an
    :func:`export_commit` tree) and wait until ``GET /`` answers 200.

    The app listens on 127.0.0.1 and a free port, and saves models to a fresh, empty
    ``CNNDEMO_USER_WEIGHTS`` directory (never the repository's, and no earlier saved model
    in the dropdown); ``env_overrides`` (e.g. ``{"CNNDEMO_PRECISION": "float32"}``) may set
    any of these or other variables (:mod:`webui.settings`). Its output goes to
    ``log_path``. It runs in a new session, so :func:`stop_app` ends it and its children.

    Returns:
        (process, url): the running app and its base URL (``http://127.0.0.1:PORT/``).

    Raises:
        RuntimeError: the app exited, or gave no 200 within ``timeout`` seconds (then it is
            stopped); the message quotes the end of its log.
    """
    env = {"CNNDEMO_HOST": "127.0.0.1", "CNNDEMO_PORT": str(free_port()),
           "CNNDEMO_USER_WEIGHTS": tempfile.mkdtemp(prefix="cnndemo-bench-weights-")}
    env.update(env_overrides or {})
    url = f"http://{env['CNNDEMO_HOST']}:{env['CNNDEMO_PORT']}/"
    log_path = Path(log_path)
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=child_env(env), stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.perf_counter() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with code {process.returncode} before GET {url} answered 200. "
                               f"End of its log ({log_path}):\n{log_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    response.read()
                    return process, url
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.perf_counter() > deadline:
            stop_app(process)
            raise RuntimeError(f"app.py gave no 200 on GET {url} within {timeout:.0f} s. "
                               f"End of its log ({log_path}):\n{log_tail(log_path)}")
        time.sleep(poll_s)


def stop_app(process: subprocess.Popen) -> None:
    """Terminate the process group of ``process`` (started by :func:`start_app`, in its own
    session), wait up to 15 s, then kill it."""
    try:
        os.killpg(process.pid, signal.SIGTERM)  # only the process group we started
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


# --- headless chromium ------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"  # Debian's package; never `playwright install`
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium, headless, with :data:`CHROMIUM_ARGS` (a fresh profile)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium (not `playwright install`)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_page(browser: Any, width: int = 1280, height: int = 1000, **context_options: Any) -> Any:
    """A page in a new context (its own Gradio session) with ``locale="en-US"``: the app's
    default language follows the browser, and the scripts read English labels.
    ``context_options`` go to ``browser.new_context`` (e.g. ``has_touch=True``)."""
    return browser.new_context(viewport={"width": width, "height": height}, locale="en-US",
                               **context_options).new_page()


# --- statistics -------------------------------------------------------------------------

def percentile(values, q: float) -> float:
    """The ``q``-th percentile (0..100) of ``values`` by numpy's default definition: linear
    interpolation between the two nearest ranks (Hyndman & Fan type 7), so the p50 of an
    even count is the mean of the middle two. NaN for no values."""
    import numpy as np

    values = np.asarray(list(values), dtype=np.float64)
    return float(np.percentile(values, q)) if values.size else float("nan")


def summary(values) -> dict[str, float]:
    """``{"p50", "p95", "p99", "mean", "n"}`` of ``values`` (:func:`percentile`'s definition)."""
    values = [float(v) for v in values]
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99),
            "mean": sum(values) / len(values) if values else float("nan"), "n": len(values)}


# --- tables and footers -----------------------------------------------------------------

def print_table(header: list[str], rows: list[list[str]], numeric: tuple[int, ...] = ()) -> None:
    """A Markdown table: ``header``, then ``rows`` (strings); the columns at the indexes in
    ``numeric`` are right-aligned."""
    print("| " + " | ".join(header) + " |")
    print("|" + "".join("---:|" if i in numeric else "---|" for i in range(len(header))))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def load_average() -> str:
    """``"load average 4.22 / 4.56 / 4.42 (1 / 5 / 15 min) on 2 CPUs"``: above about the CPU
    count, something else was running and the figures are slower than on a quiet machine."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) on {os.cpu_count()} CPUs"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line() -> str:
    """One line for under a table: CPU, Python and the versions of what is loaded, the
    load average, and the time."""
    versions = [f"Python {platform.python_version()}"]
    for module, label in (("tensorflow", "TF"), ("keras", "Keras"), ("gradio", "Gradio")):
        if module in sys.modules:
            versions.append(f"{label} {getattr(sys.modules[module], '__version__', '?')}")
    return (f"machine: {_cpu_model()}, {', '.join(versions)}; {load_average()}; "
            f"{time.strftime('%Y-%m-%d %H:%M')}")


# --- plain model.fit, as the training runner sets it up --------------------------------

def plain_fit(config: Any, callbacks: list, dataset_options: Any = None, digits: Any = None) -> int:
    """Train a fresh ``config.model`` with plain ``model.fit``: the runner's images
    (``digits.take(config.train_images or all, config.seed)``, ``digits`` by default MNIST's
    training set), dataset (:func:`cnndemo.training.make_training_dataset`, so
    ``config.augment`` applies; optionally ``.with_options(dataset_options)``), seed,
    model, precision, optimizer and schedule; no validation, no test. Returns the images
    per epoch; timing is the callbacks' job."""
    import keras

    from cnndemo.data.sets import mnist_set
    from cnndemo.precision import choose_precision
    from cnndemo.registry import create_model
    from cnndemo.training import compile_model, make_training_dataset

    digits = digits if digits is not None else mnist_set("train")
    subset = digits.take(config.train_images or len(digits), seed=config.seed)
    keras.utils.set_random_seed(config.seed)
    steps = -(-len(subset) // config.batch_size)
    model = create_model(config.model, dtype=choose_precision(config.precision))
    compile_model(model, config, steps * config.epochs, steps)
    dataset = make_training_dataset(subset.images, subset.labels, config)
    if dataset_options is not None:
        dataset = dataset.with_options(dataset_options)
    model.fit(dataset, epochs=config.epochs, verbose=0, callbacks=callbacks, shuffle=False)  # as the runner
    return len(subset)


def images_per_s(epoch_ends: list[float], images_per_epoch: int) -> float:
    """Throughput of every epoch after the first (which traces and builds kernels), from
    the epochs' end times: end of epoch 1 to end of the last."""
    if len(epoch_ends) < 2:
        raise ValueError("images_per_s needs at least 2 epochs (the first is not timed)")
    return images_per_epoch * (len(epoch_ends) - 1) / (epoch_ends[-1] - epoch_ends[0])


def epoch_timer() -> Any:
    """A Keras callback recording ``time.perf_counter()`` at the end of every epoch in its
    ``ends`` list (a function, so importing this module does not load Keras)."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ends: list[float] = []

        def on_epoch_end(self, epoch, logs=None):
            self.ends.append(time.perf_counter())

    return EpochTimer()


def timed_fit(config: Any, digits: Any = None) -> float:
    """Images/s of the epochs after the first of one :func:`plain_fit`."""
    timer = epoch_timer()
    images = plain_fit(config, [timer], digits=digits)
    return images_per_s(timer.ends, images)
