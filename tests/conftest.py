"""Shared fixtures of the test suite.

Fixtures
--------
``mnist`` (session)
    ``cnndemo.data.load_mnist()``: the bundled MNIST, uint8 arrays.
``tmp_mnist_dir`` (function)
    A fresh copy of ``data/mnist/`` (the four IDX ``.gz`` files and ``SHA256SUMS``) in
    ``tmp_path``; returns its ``Path``. Tests may delete or damage files in it freely.
``simplecnn_predictor`` (session)
    ``Predictor.load(models=["simplecnn"])`` with the shipped weights.
``shipped_predictor`` (session)
    ``Predictor.load(allow_untrained=True)``: all three shipped models, for in-process apps.
``browser`` (session)
    Debian's chromium launched by Playwright (``tests/browser.py`` holds the flags and the
    page helpers); ``new_context`` (function) makes browser contexts (one Gradio session
    each) and closes them at teardown.
``app_url`` (session)
    Launches ``python app.py`` as a subprocess on 127.0.0.1 with a free port (env
    ``CNNDEMO_PORT``), waits until ``GET /`` answers 200 (up to ``CNNDEMO_TEST_APP_START_S``
    seconds, default 90), yields the base URL (``"http://127.0.0.1:PORT/"``) and terminates
    the server at teardown. Browser tests and API tests share this one server; the app's
    output is in ``app.log`` under pytest's temporary directory and is quoted if start-up
    fails. Under pytest-xdist (``-n N``) the controller starts this server once for every
    worker (see ``pytest_configure`` below).
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data" / "mnist"
WEIGHTS_DIR = REPO_ROOT / "weights"
APP_START_S = float(os.environ.get("CNNDEMO_TEST_APP_START_S", "90"))


@pytest.fixture(scope="session")
def mnist():
    """The bundled MNIST (``cnndemo.data.Mnist``), loaded once."""
    from cnndemo.data import load_mnist

    return load_mnist()


@pytest.fixture
def tmp_mnist_dir(tmp_path: Path) -> Path:
    """A private copy of ``data/mnist`` (IDX .gz files + SHA256SUMS) to damage in a test."""
    target = tmp_path / "mnist"
    target.mkdir()
    for path in DATA_DIR.iterdir():
        if path.name == "SHA256SUMS" or path.name.endswith(".gz"):
            shutil.copy2(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def simplecnn_predictor():
    """A predictor holding only SimpleCNN with the shipped (trained) weights."""
    from cnndemo.predictor import Predictor

    return Predictor.load(models=["simplecnn"])


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (..., 28, 28) -> float32 (..., 28, 28, 1) in [0, 1] (test-side, from MNIST's definition)."""
    return (np.asarray(images, np.float32) / 255.0)[..., None]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def app_environment(port: int, directory: Path, **env_overrides: str) -> dict[str, str]:
    """The environment a test app runs with: this one, on 127.0.0.1:``port``, quiet, with its
    saved models under ``directory`` (never the repo's ``user_weights/``), then ``env_overrides``."""
    return {
        **os.environ,
        "CNNDEMO_PORT": str(port),
        "CNNDEMO_HOST": "127.0.0.1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
        "CNNDEMO_USER_WEIGHTS": str(directory / "user_weights"),
        **env_overrides,
    }


def start_app(log_dir: Path, **env_overrides: str) -> tuple[subprocess.Popen, str, Path]:
    """Start ``python app.py`` on a free loopback port with ``env_overrides`` (not waiting for
    it): (process, base URL, log file). Its output goes to ``log_dir/app.log``."""
    port = free_port()
    log_path = log_dir / "app.log"
    env = app_environment(port, log_dir, **env_overrides)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return process, f"http://127.0.0.1:{port}/", log_path


def wait_until_serving(url: str, log_path: Path, process: subprocess.Popen | None = None) -> None:
    """Return once ``GET url`` answers 200; fail the test (quoting the log) if ``process`` exits
    first or nothing answers within ``CNNDEMO_TEST_APP_START_S`` seconds."""
    deadline = time.monotonic() + APP_START_S
    while True:
        if process is not None and process.poll() is not None:
            pytest.fail(f"app.py exited with code {process.returncode} before serving:\n{_log_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"app.py did not answer GET / with 200 within {APP_START_S:.0f} s:\n{_log_tail(log_path)}")
        time.sleep(0.5)


def stop_app(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@contextlib.contextmanager
def running_app(log_dir: Path, **env_overrides: str):
    """``python app.py`` on a free loopback port with ``env_overrides``; yields its base URL
    once ``GET /`` answers 200 and stops it afterwards. Its output goes to ``log_dir/app.log``
    and is quoted if start-up fails."""
    process, url, log_path = start_app(log_dir, **env_overrides)
    try:
        wait_until_serving(url, log_path, process)
        yield url
    finally:
        stop_app(process)


@pytest.fixture(scope="session")
def shipped_predictor():
    """``Predictor.load(allow_untrained=True)``: the three shipped models, as app.py loads them
    (default precision), shared by the apps that tests serve in-process."""
    from cnndemo.predictor import Predictor

    return Predictor.load(allow_untrained=True)


@contextlib.contextmanager
def app_in_process(directory: Path, predictor, **env_overrides: str):
    """The app as ``python app.py`` builds it (``webui.ui.create_app``) for the settings that
    ``env_overrides`` give, around ``predictor`` (the ``shipped_predictor`` fixture), served from
    this process on a free loopback port: yields its base URL, closes it afterwards. Cheaper than
    :func:`running_app` (no second TensorFlow and Gradio to import, the models loaded once) for
    variants such as the kiosk or a Space; the shared server is still a real ``app.py`` process."""
    from webui.settings import Settings
    from webui.ui import create_app, launch_options

    port = free_port()
    settings = Settings.from_env(app_environment(port, directory, **env_overrides))
    assert settings.precision == predictor.requested_precision, "a predictor loaded with another precision"
    demo = create_app(settings, predictor)
    demo.launch(**launch_options(settings), prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


# ------------------------------------------------------------------ Gradio in one worker
# Importing Gradio costs a process about 3 CPU-s, on a 2-core machine. Collecting the suite
# imports none of it: the translation layers (webui.analysis, the *_view modules) are
# Gradio-free, and test modules import the Gradio-built parts (webui.ui, webui.drawpad) inside
# their tests. The tests that build a Gradio app in the test process carry this mark, so under
# xdist they run on one worker and only that worker imports Gradio.
BUILDS_GRADIO_HERE = pytest.mark.xdist_group("gradio-in-process")

GRADIO_AT_COLLECTION: list[bool] = []  # per test process: was Gradio imported once collection ended?


def pytest_collection_finish(session):
    GRADIO_AT_COLLECTION.append("gradio" in sys.modules)


# ------------------------------------------------------------------ order of work
# Under xdist (`.ci/run`: --dist loadgroup --no-loadscope-reorder) each worker takes the next
# unit of work (a test, or a whole xdist_group) in collection order whenever it is about to run
# dry. The order, set here: first the modules that compute for seconds in the test process and
# need no server (trainings, the models' own numbers, killed saves), which keep both cores busy
# while the shared app.py is still loading its models, where tests that need it would wait; then
# the largest groups first (xdist's own reordering, which would otherwise put the server's
# groups first), so that no long group is left for the end.
COMPUTE_FIRST = ("test_training.py", "test_augment.py", "test_checkpoint.py", "test_explain_steps.py")


def _xdist_unit(item) -> str:
    group = item.get_closest_marker("xdist_group")
    return (group.args[0] if group.args else group.kwargs["name"]) if group else item.nodeid


def pytest_collection_modifyitems(config, items):
    unit_sizes = collections.Counter(_xdist_unit(item) for item in items)
    items.sort(key=lambda item: (item.path.name not in COMPUTE_FIRST, -unit_sizes[_xdist_unit(item)]))


# ------------------------------------------------------------------ one app for all xdist workers
# With ``pytest -n N`` (pytest-xdist, as .ci/run runs it) the controller starts the app once,
# at configure time, so it loads its models while the workers start and collect; every worker's
# ``app_server`` then waits for that same server. Tests that must not share it with a test
# running at the same moment (a training, a log read) carry the same ``xdist_group``.


def _is_xdist_controller(config) -> bool:
    return not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", None))


def _may_select_server_tests(config) -> bool:
    """False when ``-m`` rules out every test marked ``server`` (e.g. ``-m unit``): then no
    shared app is started (a worker that still needs one starts its own)."""
    if not config.option.markexpr:
        return True
    from _pytest.mark.expression import Expression

    expression = Expression.compile(config.option.markexpr)
    return any(expression.evaluate(lambda name, marks=marks: name in marks)
               for marks in ({"server"}, {"server", "browser"}, {"server", "slow"}, {"server", "browser", "slow"}))


def pytest_configure(config):
    if _is_xdist_controller(config) and _may_select_server_tests(config):
        log_dir = Path(tempfile.mkdtemp(prefix="cnndemo-app-"))
        config.cnndemo_shared_app = start_app(log_dir)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist: hand each worker the shared app's address and log."""
    shared = getattr(node.config, "cnndemo_shared_app", None)
    if shared is not None:
        node.workerinput["cnndemo_app"] = [shared[1], str(shared[2])]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Stop the shared app (xdist controller); then, in every test process, move everything
    alive into the collector's permanent generation: the interpreter's exit skips its final
    passes over TensorFlow's and Gradio's objects (about 1 s per process with TensorFlow
    imported, 3 s after a whole session), which the controller would otherwise wait for."""
    shared = getattr(config, "cnndemo_shared_app", None)
    if shared is not None:
        stop_app(shared[0])
        shutil.rmtree(shared[2].parent, ignore_errors=True)
    gc.freeze()


@pytest.fixture(scope="session")
def app_server(request, tmp_path_factory):
    """(base URL, log file) of a running ``app.py`` (see the module docstring): the one the
    xdist controller started, or else one started here for this session."""
    shared = getattr(request.config, "workerinput", {}).get("cnndemo_app")
    if shared:
        url, log_path = shared[0], Path(shared[1])
        wait_until_serving(url, log_path)
        yield url, log_path
        return
    log_dir = tmp_path_factory.mktemp("app")
    with running_app(log_dir) as url:
        yield url, log_dir / "app.log"


@pytest.fixture(scope="session")
def app_url(app_server):
    """Base URL of the session's running ``app.py``."""
    return app_server[0]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, through Playwright (one per test session)."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser):
    """Factory of browser contexts (each one a separate Gradio session), closed at teardown."""
    from browser import PREDICTION_MS

    contexts = []

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        kwargs.setdefault("locale", "en-US")
        context = browser.new_context(**kwargs)
        context.set_default_timeout(PREDICTION_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
