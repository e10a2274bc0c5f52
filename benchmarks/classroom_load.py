"""A class drawing at once: N simulated students on the real app, through the pad's own event.

Starts ``python app.py`` (``common.start_app``: free loopback port, empty user weights) and
drives N students the way their browsers would. Each student is one page: its own
``session_hash`` (so ``gr.State`` is per student), a heartbeat stream
(``/gradio_api/heartbeat/<session>``), the page-open events (``demo.load``, language "en",
and its ``.then`` loaders), the model chosen through the model dropdown's ``.input`` event
(``on_model``: it also sets the layer dropdown, whose new value later strokes send). Every
stroke is the drawing pad's ``.change`` event (``on_draw`` in ``webui/draw_tab.py``, private,
so called by ``fn_index`` and ``trigger_id`` as the browser does): ``POST
/gradio_api/queue/join`` with the pad's value, a PNG data URL of the whole 112x112 canvas,
then the ``/gradio_api/queue/data`` SSE stream until ``process_completed``. Like the browser
(``trigger_mode="always_last"``), a student with an answer pending sends only its latest
drawing when the answer arrives.

Drawings: pen-drawn digits (UCI pendigits, the 6 test writers) rendered as the pad would
(``cnndemo.data.pen_render``), each digit split into 3-5 growing parts; one part is added
every 1-2 s (uniform, seeded), so the pad's value grows stroke by stroke; then the student
presses Clear (value ``""``) and draws the next digit.

Checks on every answer: the returned 28x28 model input (the file the page shows, fetched
like the browser) equals what ``cnndemo.preprocess`` makes of this student's own drawing
("wrong": another drawing's answer), the message names the student's model, the label,
model input and feature map were all updated ("not updated"). After each digit, the layer
dropdown's ``.input`` (``on_layer``, which reads the session's ``gr.State``) must show the
same feature map as the digit's last answer. At the end, in-process, a ``Predictor`` says
which digit each finished drawing is ("clear disagreements": the app answered another
digit though the in-process top-1 led by >= 0.2).

Counted: refused (join answered 503, the bounded queue ``CNNDEMO_QUEUE_SIZE`` is full: the
page says "busy, try again"), lost (no answer within ``--timeout`` s), errors (any other
failure), unanswered (strokes no later answer covered).

Printed, per model: 1 student alone (baseline) and N students (VGG16: the ``--ladder``,
stopping at the first rung over the target): requests/s (answered pad events / drawing
time), p50/p95/p99 stroke -> prediction latency (pointer-up of a stroke to the first answer
for a drawing that contains it; ``common.summary``), pad events sent / superseded (replaced
by a newer drawing while one was pending), the counts above, the resident memory of the
server's process tree (psutil RSS incl. children, every 2 s): start, max, end and the
growth over the last half of the phase ("plateau" when <= max(20 MB, 2 %)), and the CPU
the server and this client used (% of one core: both share the machine).
Targets: 30 students on SimpleCNN and AlexNet p95 <= 1 s; VGG16: the largest rung with
p95 <= 1 s, beside the machine's compute ceiling

    ceiling(b) = b / t(b) * gap   students

where t(b) is the app's own forward pass (every layer's activations, ``LoadedModel.forward``
or ``forward_batch``) on b drawings, median seconds measured in-process after the app has
stopped; b / t(b) the drawings per second the CPU can compute; gap = 1.5 s the mean time
between a student's strokes (1 / stroke rate). b = 1 (one at a time) and b = 4 (the queue's
concurrency limit lets at most 4 handlers batch together). The rest of the handler (feature
grid, PNG encoding, Gradio) costs more, so the real limit lies below the ceiling.

``--long M`` adds an M-minute phase (``--long-model``, SimpleCNN by default) with N students
who reopen their page every ``--reload-s`` s (new sessions: Gradio keeps the state of the
last 300, ``webui.ui.MAX_SESSIONS``, closed or not), printing memory each minute and the
plateau check over its last half.

    python benchmarks/classroom_load.py                          # ~12 min: 3 models, 30 students
    python benchmarks/classroom_load.py --models simplecnn --long 20
    python benchmarks/classroom_load.py --models simplecnn --students 4 --duration 20   # smoke
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import itertools
import json
import math
import os
import re
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from common import log_tail, machine_line, print_table, start_app, stop_app, summary

from cnndemo.data.pen_render import PAD_SIZE_PX, DrawStyle, random_style, render_strokes
from cnndemo.messages import CnnDemoError
from cnndemo.preprocess import preprocess

TARGET_P95_S = 1.0
TARGET_MODELS = ("simplecnn", "alexnet")  # 30 students, p95 <= 1 s
LADDER_MODELS = ("vgg16",)
DEFAULT_LADDER = (1, 2, 4, 8, 15, 30)
GAP_S = (1.0, 2.0)  # between a student's strokes
PARTS = (3, 5)  # parts per digit
MEMORY_EVERY_S = 2.0
PLATEAU_MB, PLATEAU_FRACTION = 20.0, 0.02
CONCURRENCY = 4  # app.py: demo.queue(default_concurrency_limit=4)
EVENTS_PER_STUDENT = 64  # drawings rendered per student, then repeated
LOG_ERROR = re.compile(r"Traceback|^\S+ \S+ (ERROR|CRITICAL) |^(ERROR|CRITICAL):|Exception in ")  # app.py's log format


# --- drawings -------------------------------------------------------------------------

@dataclass(frozen=True)
class Stroke:
    """One pad value: a data URL ("" for Clear), the digit drawn, and what the app should see."""

    url: str
    label: int
    final: bool  # the digit's last part
    digit: np.ndarray | None  # float32 (28, 28, 1): preprocess() of the picture; None: no digit

    @property
    def expected_input(self) -> np.ndarray | None:
        """The 28x28 picture the page should show (``render.digit_picture``'s rounding)."""
        if self.digit is None:
            return None
        return np.round(np.clip(self.digit[..., 0], 0, 1) * 255).astype(np.uint8)


def to_canvas(strokes, style: DrawStyle) -> list[np.ndarray]:
    """Pen strokes (y up) -> canvas pixels (y down), placed as ``render_strokes`` places the whole digit."""
    arrays = [np.asarray(s, np.float64) * (1, -1) for s in strokes]
    every = np.concatenate(arrays)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = style.size * PAD_SIZE_PX / max(float((high - low).max()), 1e-6)
    offset = np.asarray(style.center) * PAD_SIZE_PX - (low + high) / 2 * scale
    return [a * scale + offset for a in arrays]


def render_canvas(strokes_px: list[np.ndarray], brush_px: float) -> np.ndarray:
    """Strokes already in canvas pixels -> the pad's 112x112 value, drawn by ``render_strokes``
    with a style that maps them onto themselves (scale 1, offset 0), so a partial digit stays
    where the whole one will be."""
    every = np.concatenate(strokes_px)
    low, high = every.min(axis=0), every.max(axis=0)
    extent = max(float((high - low).max()), 1e-6)
    style = DrawStyle(brush_px, extent / PAD_SIZE_PX, tuple(float(v) for v in (low + high) / 2 / PAD_SIZE_PX))
    return render_strokes(strokes_px, style, y_up=False)


def growing_parts(strokes_px: list[np.ndarray], parts: int) -> list[list[np.ndarray]]:
    """The drawing after each of ``parts`` steps: the first 1/parts, 2/parts, ... of its points."""
    total = sum(len(s) for s in strokes_px)
    out = []
    for cut in np.linspace(0, total, parts + 1).round().astype(int)[1:]:
        partial, left = [], int(cut)
        for s in strokes_px:
            if left <= 0:
                break
            partial.append(s[: max(left, 1)])
            left -= len(s)
        out.append(partial)
    return out


def pad_value(ink: np.ndarray) -> str:
    """uint8 (112, 112) white-on-black -> the pad's value: an opaque RGBA PNG data URL."""
    rgba = np.stack([ink, ink, ink, np.full_like(ink, 255)], axis=-1)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def app_sees(url: str) -> np.ndarray | None:
    """What ``on_draw`` computes from this value: decode, ``preprocess``; None if it refuses."""
    picture = Image.open(io.BytesIO(base64.b64decode(url.partition(",")[2])))
    picture.load()
    try:
        return preprocess(picture).image
    except CnnDemoError:
        return None


class DrawingBank:
    """Each student's sequence of pad values (digit parts, then Clear), rendered once, seeded."""

    def __init__(self, seed: int):
        from cnndemo.data.pendigits import indices_of_writers, load_pendigits, writer_split

        self.seed = seed
        self.pen = load_pendigits()
        self.pool = indices_of_writers(self.pen, writer_split()["test"])
        self._events: dict[int, list[Stroke]] = {}

    def digit(self, rng: np.random.Generator) -> list[Stroke]:
        index = int(rng.choice(self.pool))
        style = random_style(rng)
        strokes_px = to_canvas(self.pen.strokes[index], style)
        parts = growing_parts(strokes_px, int(rng.integers(PARTS[0], PARTS[1] + 1)))
        label = int(self.pen.labels[index])
        out = []
        for number, partial in enumerate(parts):
            url = pad_value(render_canvas(partial, style.brush_px))
            out.append(Stroke(url, label, number == len(parts) - 1, app_sees(url)))
        return out + [Stroke("", label, False, None)]  # Clear

    def events(self, student: int) -> list[Stroke]:
        if student not in self._events:
            rng = np.random.default_rng((self.seed, 7, student))
            events: list[Stroke] = []
            while len(events) < EVENTS_PER_STUDENT:
                events += self.digit(rng)
            self._events[student] = events
        return self._events[student]


# --- the page, as the browser drives it ------------------------------------------------

@dataclass
class AppLayout:
    """What a page needs from ``GET /config``: component ids, default values and the events.

    An event names the Python listeners of one trigger (the browser fires them all), the one
    whose outputs the checks read first: e.g. the layer dropdown's ``.input`` has two."""

    defaults: dict[int, object]
    states: set[int]
    deps: dict[int, dict]
    ids: dict[str, int]  # elem_id -> component id
    draw: list[int]  # the pad's .change: on_draw first
    pick_model: list[int]  # the model dropdown's .input: on_model first
    pick_layer: list[int]  # the layer dropdown's .input: the one showing the feature map first
    page_open: list[int]  # demo.load, then its .then events
    models: dict[str, str]  # dropdown value -> shown name

    @classmethod
    def fetch(cls, url: str) -> "AppLayout":
        with urllib.request.urlopen(url + "config", timeout=30) as response:
            config = json.load(response)
        components = {c["id"]: c for c in config["components"]}
        ids = {c["props"]["elem_id"]: i for i, c in components.items() if c.get("props", {}).get("elem_id")}
        deps = {d["id"]: d for d in config["dependencies"] if d.get("backend_fn")}  # js-only ones stay in the page

        def event(elem_id: str, kind: str, main_output: str) -> list[int]:
            found = [i for i, d in deps.items() if [ids[elem_id], kind] in [list(t) for t in d["targets"]]]
            return sorted(found, key=lambda i: ids[main_output] not in deps[i]["outputs"])

        loads = [i for i, d in deps.items() if any(t[1] == "load" for t in d["targets"])]
        chained = [i for i, d in deps.items() if d.get("trigger_after") in loads]
        choices = components[ids["model"]]["props"]["choices"]
        return cls(
            defaults={i: c.get("props", {}).get("value") for i, c in components.items()},
            states={i for i, c in components.items() if c["type"] == "state"}, deps=deps, ids=ids,
            draw=event("drawpad", "change", "prediction"), pick_model=event("model", "input", "layer"),
            pick_layer=event("layer", "input", "feature-map"), page_open=[*loads, *chained],
            models={value: label.split(" (")[0] for label, value in choices},
        )

    def model_value(self, name: str) -> str:
        """A --models name ("vgg16", "VGG16") -> the dropdown's value."""
        for value, shown in self.models.items():
            if name.lower() in (value.lower(), shown.lower()):
                return value
        raise SystemExit(f"unknown model {name!r}; the dropdown offers {sorted(self.models.values())}")


class Refused(Exception):
    """The queue was full (``/queue/join`` answered 503)."""


class CallFailed(Exception):
    """Any other failed event."""


def unwrap(value):
    """An output as the page applies it: an update's ``value`` (``KeyError`` if it has none)."""
    if isinstance(value, dict) and value.get("__type__") == "update":
        return value["value"]
    return value


class Page:
    """One browser tab: its session, its components' values and the events it sends, one at a time."""

    def __init__(self, client, layout: AppLayout):
        self.client, self.layout = client, layout
        self.session = uuid.uuid4().hex[:12]
        self.values = dict(layout.defaults)
        self._heartbeat: asyncio.Task | None = None

    async def open(self) -> None:
        """The page loads: heartbeat, then ``demo.load`` (the browser picked "en") and its ``.then`` events."""
        self._heartbeat = asyncio.create_task(self._beat())
        self.values[self.layout.ids["language"]] = "en"
        for dep in self.layout.page_open:
            await self.call(dep, None)

    async def fire(self, listeners: list[int], elem_id: str) -> tuple[dict, float]:
        """A trigger on component ``elem_id``: every listener in turn; the first one's outputs
        (by component id) and when they arrived."""
        trigger = self.layout.ids[elem_id]
        first = await self.call(listeners[0], trigger)
        for dep in listeners[1:]:
            await self.call(dep, trigger)
        return first

    async def close(self) -> None:
        if self._heartbeat:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)

    async def _beat(self) -> None:
        async with self.client.stream("GET", f"gradio_api/heartbeat/{self.session}") as response:
            async for _ in response.aiter_lines():
                pass

    async def call(self, dep_id: int, trigger_id: int | None) -> tuple[dict, float]:
        """Send one event; its outputs by component id (applied to the page) and when they arrived."""
        dep = self.layout.deps[dep_id]
        data = [None if i in self.layout.states else self.values.get(i) for i in dep["inputs"]]
        body = {"data": data, "event_data": None, "fn_index": dep_id, "trigger_id": trigger_id,
                "session_hash": self.session}
        response = await self.client.post("gradio_api/queue/join", json=body)
        if response.status_code == 503:
            raise Refused(response.text)
        if response.status_code != 200:
            raise CallFailed(f"join {response.status_code}: {response.text[:200]}")
        output, arrived = await self._completion(response.json()["event_id"])
        outputs = dict(zip(dep["outputs"], output["data"]))
        for component, value in outputs.items():
            if component not in self.layout.states:
                try:
                    self.values[component] = unwrap(value)
                except KeyError:
                    pass
        return outputs, arrived

    async def _completion(self, event_id: str) -> tuple[dict, float]:
        """Read the session's SSE stream to ``close_stream``; the event's output and its arrival time."""
        result = None
        async with self.client.stream("GET", "gradio_api/queue/data", params={"session_hash": self.session}) as stream:
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                kind = message.get("msg")
                if kind == "process_completed" and message.get("event_id") == event_id:
                    if not message.get("success"):
                        raise CallFailed(f"error: {str(message.get('output'))[:200]}")
                    result = (message["output"], time.perf_counter())
                elif kind == "unexpected_error":
                    raise CallFailed(f"unexpected_error: {message.get('message')}")
                elif kind == "close_stream":
                    break
        if result is None:
            raise CallFailed("stream closed without an answer")
        return result


# --- students ---------------------------------------------------------------------------

@dataclass
class Tally:
    """What one phase counted (one event loop: no locks needed)."""

    sent: int = 0
    answered: int = 0
    superseded: int = 0  # replaced by a newer drawing before it was sent (always_last)
    refused: int = 0
    lost: int = 0
    errors: int = 0
    wrong: int = 0
    not_updated: int = 0
    unanswered: int = 0
    state_checks: int = 0
    latencies: list[float] = field(default_factory=list)
    finals: list[tuple[Stroke, str]] = field(default_factory=list)  # (drawing, the app's top-1)
    problems: list[str] = field(default_factory=list)

    def problem(self, kind: str, text: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.problems) < 8:
            self.problems.append(f"{kind}: {text}")


@dataclass
class Phase:
    """One phase's settings, shared by its students."""

    client: object
    layout: AppLayout
    bank: DrawingBank
    model: str  # dropdown value
    students: int
    seconds: float
    seed: int
    timeout: float
    reload_s: float = 0.0
    tally: Tally = field(default_factory=Tally)


@dataclass
class Slot:
    """A page's latest drawing not yet sent, and the strokes still waiting for an answer."""

    latest: tuple[int, Stroke] | None = None
    done: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: list[tuple[int, float, bool]] = field(default_factory=list)  # (event index, pointer-up, is a stroke)


async def draw(phase: Phase, events, gaps, slot: Slot, until: float) -> None:
    """The student's hand: a new pad value every 1-2 s until ``until``."""
    next_at = time.perf_counter()
    for index in itertools.count():
        next_at += next(gaps)
        if next_at >= until:
            break
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        stroke = next(events)
        slot.waiting.append((index, time.perf_counter(), bool(stroke.url)))
        if slot.latest is not None:
            phase.tally.superseded += 1
        slot.latest = (index, stroke)
        slot.wake.set()
    slot.done = True
    slot.wake.set()


async def send_latest(phase: Phase, page: Page, slot: Slot) -> None:
    """The page's side of ``trigger_mode="always_last"``: send the latest value whenever idle."""
    while True:
        if slot.latest is None:
            if slot.done:
                return
            await slot.wake.wait()
            slot.wake.clear()
            continue
        (index, stroke), slot.latest = slot.latest, None
        await send_stroke(phase, page, slot, index, stroke)


async def send_stroke(phase: Phase, page: Page, slot: Slot, index: int, stroke: Stroke) -> None:
    """One pad ``.change``: count the outcome, time the strokes it answers, check the answer."""
    tally, layout = phase.tally, phase.layout
    page.values[layout.ids["drawpad"]] = stroke.url
    tally.sent += 1
    try:
        outputs, arrived = await asyncio.wait_for(page.fire(layout.draw, "drawpad"), phase.timeout)
    except Refused:
        tally.refused += 1
        return
    except (asyncio.TimeoutError, TimeoutError):
        tally.lost += 1
        return
    except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the class
        tally.problem("errors", f"{type(error).__name__}: {error}")
        return
    tally.answered += 1
    still = []
    for waiting in slot.waiting:
        if waiting[0] <= index:
            if waiting[2]:
                tally.latencies.append(arrived - waiting[1])
        else:
            still.append(waiting)
    slot.waiting = still
    await check_answer(phase, page, stroke, outputs)


async def check_answer(phase: Phase, page: Page, stroke: Stroke, outputs: dict) -> None:
    """Is this answer for this student's own drawing, on its model, with every part updated?"""
    ids, tally = phase.layout.ids, phase.tally
    label = outputs.get(ids["prediction"])
    top1 = label.get("label") if isinstance(label, dict) else None
    if stroke.digit is None:  # Clear, or too little ink: the app shows no label
        if top1:
            tally.problem("wrong", f"label {top1} for a drawing without a digit")
        return
    try:
        picture, features = unwrap(outputs[ids["model-input"]]), unwrap(outputs[ids["feature-map"]])
    except KeyError:
        picture = features = None
    if top1 is None or not picture or not features:
        tally.problem("not_updated", f"label {top1!r}, model input {bool(picture)}, feature map {bool(features)}")
        return
    if f"**{phase.layout.models[phase.model]}**" not in str(outputs.get(ids["message"])):
        tally.problem("wrong", f"message names another model: {str(outputs.get(ids['message']))[:80]!r}")
    same = await same_picture(phase, picture["url"], stroke.expected_input)
    if same is False:
        tally.problem("wrong", "the model input shown is not this student's drawing")
    if stroke.final:
        tally.finals.append((stroke, top1))
        await check_state(phase, page, features["path"])


async def same_picture(phase: Phase, url: str, expected: np.ndarray) -> bool | None:
    """Fetch a picture the answer names (as the page does) and compare it; None if the fetch failed."""
    try:
        response = await phase.client.get(url)
        response.raise_for_status()
        shown = np.asarray(Image.open(io.BytesIO(response.content)).convert("L"))
    except Exception as error:  # noqa: BLE001
        phase.tally.problem("errors", f"fetch {url[-40:]}: {error}")
        return None
    return shown.shape == expected.shape and int(np.abs(shown.astype(int) - expected).max()) <= 1


async def check_state(phase: Phase, page: Page, feature_path: str) -> None:
    """Re-pick the layer (``on_layer`` reads the session's gr.State): the same feature map must come back."""
    tally, layout = phase.tally, phase.layout
    tally.state_checks += 1
    try:
        outputs, _ = await asyncio.wait_for(page.fire(layout.pick_layer, "layer"), phase.timeout)
        shown = unwrap(outputs[layout.ids["feature-map"]])
    except Refused:
        tally.refused += 1
        return
    except Exception as error:  # noqa: BLE001
        tally.problem("errors", f"layer.input: {type(error).__name__}: {error}")
        return
    if not isinstance(shown, dict) or shown.get("path") != feature_path:
        tally.problem("wrong", "layer.input showed a feature map of another drawing (gr.State)")


async def pick_model(phase: Phase, page: Page) -> None:
    """Choose the phase's model in the dropdown (``on_model``): the layer dropdown must follow."""
    ids = phase.layout.ids
    page.values[ids["model"]] = phase.model
    outputs, _ = await asyncio.wait_for(page.fire(phase.layout.pick_model, "model"), phase.timeout)
    layer = outputs.get(ids["layer"])
    layer = layer if isinstance(layer, dict) else {}
    if layer.get("value") not in [value for _, value in layer.get("choices", [])]:
        phase.tally.problem("not_updated", f"model picked, layer dropdown {str(layer)[:80]}")


async def one_page(phase: Phase, events, gaps, until: float) -> None:
    """A page from opening to ``until``: open, pick the model, draw."""
    page = Page(phase.client, phase.layout)
    try:
        await page.open()
        if page.values[phase.layout.ids["model"]] != phase.model:
            await pick_model(phase, page)
        slot = Slot()
        await asyncio.gather(draw(phase, events, gaps, slot, until), send_latest(phase, page, slot))
        phase.tally.unanswered += sum(1 for waiting in slot.waiting if waiting[2])
    except Refused:
        phase.tally.refused += 1
        await asyncio.sleep(1.0)
    except Exception as error:  # noqa: BLE001
        phase.tally.problem("errors", f"page: {type(error).__name__}: {error}")
        await asyncio.sleep(1.0)
    finally:
        await page.close()


async def run_student(phase: Phase, student: int, delay: float, until: float) -> None:
    """One student: arrives within the first 2 s, draws until the end (reopening the page every
    ``reload_s`` s if set)."""
    rng = np.random.default_rng((phase.seed, student))
    gaps = iter(lambda: float(rng.uniform(*GAP_S)), None)
    events = itertools.cycle(phase.bank.events(student))
    await asyncio.sleep(delay)
    while time.perf_counter() < until - GAP_S[1]:
        end = min(until, time.perf_counter() + phase.reload_s) if phase.reload_s else until
        await one_page(phase, events, gaps, end)


async def run_class(phase: Phase, url: str) -> None:
    """Every student of the phase at once, on one HTTP client (as many connections as needed)."""
    import httpx

    limits = httpx.Limits(max_connections=8 * phase.students + 16, max_keepalive_connections=4 * phase.students + 8)
    timeout = httpx.Timeout(phase.timeout, read=None)  # SSE streams stay open
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        phase.client = client
        until = time.perf_counter() + phase.seconds
        delays = np.random.default_rng((phase.seed, 99)).uniform(0, 2, phase.students)
        students = asyncio.gather(*(run_student(phase, s, float(d), until) for s, d in enumerate(delays)))
        try:
            await asyncio.wait_for(students, phase.seconds + 3 * phase.timeout + 30)
        except (asyncio.TimeoutError, TimeoutError):
            phase.tally.problem("errors", "the phase did not end in time: students cancelled")


# --- memory and CPU of the server -------------------------------------------------------

def tree(pid: int) -> list:
    """The process ``pid`` and all its children (psutil)."""
    import psutil

    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def tree_rss_mb(pid: int) -> float:
    total = 0
    for process in tree(pid):
        try:
            total += process.memory_info().rss
        except Exception:  # noqa: BLE001 - a child that just ended
            pass
    return total / 2**20


def tree_cpu_s(pid: int) -> float:
    total = 0.0
    for process in tree(pid):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except Exception:  # noqa: BLE001
            pass
    return total


class MemorySampler(threading.Thread):
    """RSS of the server's process tree every ``every_s`` seconds: ``samples`` of (perf_counter, MB)."""

    def __init__(self, pid: int, every_s: float = MEMORY_EVERY_S):
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.samples: list[tuple[float, float]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            try:
                self.samples.append((time.perf_counter(), tree_rss_mb(self.pid)))
            except Exception:  # noqa: BLE001 - the app has ended
                return
            if self._stop_event.wait(self.every_s):
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def between(self, start: float, end: float) -> list[tuple[float, float]]:
        return [(t, mb) for t, mb in self.samples if start <= t <= end]


def memory_summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    """start, max, end (MB) and the growth over the last half (end - the sample at half time)."""
    if not samples:
        nan = float("nan")
        return {"start": nan, "max": nan, "end": nan, "growth": nan, "plateau": False}
    middle_t = (samples[0][0] + samples[-1][0]) / 2
    middle = min(samples, key=lambda sample: abs(sample[0] - middle_t))[1]
    growth = samples[-1][1] - middle
    return {"start": samples[0][1], "max": max(mb for _, mb in samples), "end": samples[-1][1], "growth": growth,
            "plateau": growth <= max(PLATEAU_MB, PLATEAU_FRACTION * middle)}


# --- phases -----------------------------------------------------------------------------

@dataclass
class PhaseResult:
    model: str
    students: int
    kind: str  # "alone", "class", "ladder", "long"
    seconds: float
    tally: Tally
    memory: list[tuple[float, float]]
    server_cpu: float  # fraction of one core
    client_cpu: float

    @property
    def stats(self) -> dict[str, float]:
        return summary(self.tally.latencies)

    @property
    def meets_target(self) -> bool:
        return self.stats["p95"] <= TARGET_P95_S and not self.tally.lost and self.tally.answered > 0


@dataclass
class Bench:
    """The running app and what every phase shares."""

    url: str
    pid: int
    layout: AppLayout
    bank: DrawingBank
    sampler: MemorySampler
    timeout: float


def run_phase(bench: Bench, model: str, students: int, seconds: float, seed: int, kind: str,
              reload_s: float = 0.0) -> PhaseResult:
    """One phase, measured: the class on the app, memory and CPU around it."""
    import psutil

    phase = Phase(None, bench.layout, bench.bank, model, students, seconds, seed, bench.timeout, reload_s)
    me = psutil.Process()
    cpu0, mine0, start = tree_cpu_s(bench.pid), sum(me.cpu_times()[:2]), time.perf_counter()
    asyncio.run(run_class(phase, bench.url))
    end = time.perf_counter()
    wall = end - start
    result = PhaseResult(model, students, kind, seconds, phase.tally, bench.sampler.between(start, end),
                         (tree_cpu_s(bench.pid) - cpu0) / wall, (sum(me.cpu_times()[:2]) - mine0) / wall)
    t, stats = phase.tally, result.stats
    print(f"  {bench.layout.models[model]} x{students} ({kind}): p95 {ms(stats['p95'])} ms, {t.answered} answers, "
          f"{t.refused} refused, {t.lost} lost, {t.errors} errors, {t.wrong} wrong, {t.not_updated} not updated",
          flush=True)
    return result


def run_all(args, bench: Bench) -> list[PhaseResult]:
    """Each model alone then with the class (the ladder models: rung by rung, up to the first miss);
    then the long phase if asked."""
    results = []
    for number, name in enumerate(args.models):
        model = bench.layout.model_value(name)
        ladder = model in LADDER_MODELS
        rungs = sorted(set(args.ladder)) if ladder else sorted({1, args.students})
        for students in rungs:
            kind = "ladder" if ladder else ("alone" if students == 1 else "class")
            seed = args.seed * 10_000 + number * 100 + students
            result = run_phase(bench, model, students, args.duration, seed, kind)
            results.append(result)
            time.sleep(2.0)  # the queue drains, the pages' heartbeats end
            if ladder and not result.meets_target:
                break
    if args.long:
        results.append(run_phase(bench, bench.layout.model_value(args.long_model), args.students, args.long * 60,
                                 args.seed * 10_000 + 9_999, "long", args.reload_s))
    return results


# --- in-process: compute ceiling and the answers' digits --------------------------------

def forward_seconds(entry, batch: int, budget_s: float = 3.0, max_runs: int = 30) -> float:
    """Median seconds of the app's own forward pass (every layer's activations) on ``batch`` drawings."""
    forward = entry.forward if batch == 1 else entry.forward_batch
    images = np.random.default_rng(0).random((batch, *entry.layers[0].output_shape), dtype=np.float32)
    for _ in range(2):
        [output.numpy() for output in forward(images)]
    times, deadline = [], time.perf_counter() + budget_s
    while len(times) < 3 or (len(times) < max_runs and time.perf_counter() < deadline):
        started = time.perf_counter()
        [output.numpy() for output in forward(images)]
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def ceiling_students(batch: int, seconds: float) -> float:
    """ceiling(b) = b / t(b) * mean gap between a student's strokes (see the module docstring)."""
    return batch / seconds * (sum(GAP_S) / 2)


def measure_ceilings(predictor, models: list[str]) -> dict[str, dict[int, float]]:
    """t(b) for b = 1 and the queue's concurrency, per model (the app has stopped: the CPU is free)."""
    return {model: {b: forward_seconds(predictor.get(model), b) for b in (1, CONCURRENCY)} for model in models}


def check_finals(predictor, results: list[PhaseResult]) -> dict[str, dict[str, int]]:
    """Per model: finished digits answered, agreeing with the in-process top-1, clear disagreements
    (in-process top-1 ahead by >= 0.2), and answers equal to the digit drawn."""
    out: dict[str, dict[str, int]] = {}
    for result in results:
        counts = out.setdefault(result.model, {"answered": 0, "agree": 0, "clear_disagree": 0, "drawn": 0})
        if not result.tally.finals:
            continue
        digits = np.stack([stroke.digit for stroke, _ in result.tally.finals])
        probabilities = predictor.probabilities(result.model, digits)
        for (stroke, top1), p in zip(result.tally.finals, probabilities):
            ranked = np.argsort(p)[::-1]
            counts["answered"] += 1
            counts["agree"] += top1 == str(ranked[0])
            counts["clear_disagree"] += top1 != str(ranked[0]) and p[ranked[0]] - p[ranked[1]] >= 0.2
            counts["drawn"] += top1 == str(stroke.label)
    return out


def in_process(models: list[str], precision: str | None, results: list[PhaseResult]):
    """Load the models in this process (the app's precision) for the ceilings and the answers' check."""
    from cnndemo.predictor import Predictor

    predictor = Predictor.load(models=models, precision=precision or "auto", allow_untrained=True)
    return measure_ceilings(predictor, models), check_finals(predictor, results)


# --- report -----------------------------------------------------------------------------

def ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def target_text(result: PhaseResult) -> str:
    if result.kind == "alone" or result.kind == "long":
        return "—"
    if result.kind == "class" and result.model not in TARGET_MODELS:
        return "—"
    return f"p95 ≤ {TARGET_P95_S:g} s: {'met' if result.meets_target else 'MISSED'}"


def phase_row(layout: AppLayout, result: PhaseResult) -> list[str]:
    t, stats, memory = result.tally, result.stats, memory_summary(result.memory)
    return [layout.models[result.model], f"{result.students}", result.kind, f"{t.answered / result.seconds:.1f}",
            ms(stats["p50"]), ms(stats["p95"]), ms(stats["p99"]), f"{stats['n']}", f"{t.sent} / {t.superseded}",
            f"{t.refused}", f"{t.lost}", f"{t.errors}", f"{t.wrong}", f"{t.not_updated}", f"{t.unanswered}",
            f"{memory['start']:.0f} / {memory['max']:.0f} / {memory['end']:.0f}",
            f"{memory['growth']:+.0f} ({'plateau' if memory['plateau'] else 'growing'})",
            f"{result.server_cpu * 100:.0f} / {result.client_cpu * 100:.0f}", target_text(result)]


def print_phases(layout: AppLayout, results: list[PhaseResult]) -> None:
    print("\n### Students drawing at once: stroke -> prediction through the pad's own event\n")
    header = ["model", "students", "phase", "req/s", "p50 ms", "p95 ms", "p99 ms", "strokes timed",
              "sent / superseded", "refused", "lost", "errors", "wrong", "not updated", "unanswered",
              "RSS MB start / max / end", "last-half growth MB", "CPU % server / client", "target"]
    print_table(header, [phase_row(layout, result) for result in results], numeric=(1, *range(3, 18)))


def print_limits(layout: AppLayout, results: list[PhaseResult], ceilings: dict[str, dict[int, float]]) -> None:
    print(f"\n### Limit: the largest class with p95 ≤ {TARGET_P95_S:g} s, and the compute ceiling\n")
    print(f"ceiling(b) = b / t(b) × {sum(GAP_S) / 2:g} s (mean gap between a student's strokes); "
          "t(b): the app's forward pass on b drawings, in-process\n")
    rows = []
    for model, times in ceilings.items():
        tested = [r for r in results if r.model == model and r.kind != "long"]
        passed = [r.students for r in tested if r.meets_target]
        limit = f"{max(passed)}" if passed else "none"
        if tested and all(r.meets_target for r in tested):
            limit += f" (≥; largest tried {max(r.students for r in tested)})"
        rows.append([layout.models[model], limit, *(f"{times[b] * 1000:.1f} ms → {ceiling_students(b, times[b]):.0f}"
                                                    for b in sorted(times))])
    print_table(["model", "measured limit (students)", *(f"t({b}) → ceiling({b}) students" for b in (1, CONCURRENCY))],
                rows, numeric=(1, 2, 3))


def print_answers(layout: AppLayout, finals: dict[str, dict[str, int]]) -> None:
    print("\n### Finished digits: the app's answer against an in-process Predictor on the same picture\n")
    rows = [[layout.models[m], f"{c['answered']}", f"{c['agree']}", f"{c['clear_disagree']}", f"{c['drawn']}"]
            for m, c in finals.items()]
    print_table(["model", "answered", "same top-1", "clear disagreements", "top-1 = digit drawn"], rows,
                numeric=(1, 2, 3, 4))


def print_long(layout: AppLayout, result: PhaseResult) -> None:
    memory = memory_summary(result.memory)
    print(f"\n### Long run: {result.seconds / 60:g} min, {result.students} students on {layout.models[result.model]}\n")
    start = result.memory[0][0] if result.memory else 0.0
    for minute in range(int(result.seconds // 60) + 1):
        near = [mb for t, mb in result.memory if minute * 60 <= t - start < minute * 60 + MEMORY_EVERY_S * 1.5]
        if near:
            print(f"- minute {minute}: {near[0]:.0f} MB")
    print(f"\nstart {memory['start']:.0f} MB, max {memory['max']:.0f} MB, end {memory['end']:.0f} MB; "
          f"last half {memory['growth']:+.0f} MB: {'plateau' if memory['plateau'] else 'STILL GROWING'}")


def print_problems(results: list[PhaseResult], log_path: Path) -> None:
    """The first problems each phase saw, and the server log's errors."""
    for result in results:
        for problem in result.tally.problems:
            print(f"- {result.model} x{result.students} ({result.kind}): {problem}")
    text = Path(log_path).read_text(errors="replace") if Path(log_path).exists() else ""
    bad = [line for line in text.splitlines() if LOG_ERROR.search(line)]
    print(f"\nserver log {log_path}: {len(bad)} error / traceback lines")
    for line in bad[:5]:
        print(f"    {line[:200]}")


# --- main -------------------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["simplecnn", "alexnet", "vgg16"])
    parser.add_argument("--students", type=int, default=30, help="the class (default 30)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of drawing per phase (default 60)")
    parser.add_argument("--ladder", type=int, nargs="+", default=list(DEFAULT_LADDER),
                        help="class sizes tried for VGG16 (default 1 2 4 8 15 30)")
    parser.add_argument("--long", type=float, default=0.0, metavar="MINUTES",
                        help="add a phase this long with --students (memory plateau), e.g. 20")
    parser.add_argument("--long-model", default="simplecnn", help="the long phase's model (default simplecnn)")
    parser.add_argument("--reload-s", type=float, default=120.0,
                        help="long phase: each student reopens the page (new session) this often (0: never)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before an answer counts as lost")
    parser.add_argument("--queue-size", type=int, default=None, help="CNNDEMO_QUEUE_SIZE for the app")
    parser.add_argument("--precision", default=None, help="CNNDEMO_PRECISION for the app and the in-process check")
    parser.add_argument("--log", default=None, help="app.py's output (default: a temporary file)")
    return parser.parse_args()


def start(args) -> tuple:
    """Render the drawings, then start the app and the memory sampler."""
    started = time.perf_counter()
    bank = DrawingBank(args.seed)
    for student in range(max([args.students, *args.ladder])):
        bank.events(student)
    print(f"drawings rendered in {time.perf_counter() - started:.1f} s", flush=True)
    env = {}
    if args.queue_size:
        env["CNNDEMO_QUEUE_SIZE"] = str(args.queue_size)
    if args.precision:
        env["CNNDEMO_PRECISION"] = args.precision
    log_path = Path(args.log or tempfile.mkstemp(prefix="classroom-load-app-", suffix=".log")[1])
    process, url = start_app(env, log_path)
    try:
        layout = AppLayout.fetch(url)
    except BaseException:
        stop_app(process)
        raise
    sampler = MemorySampler(process.pid)
    sampler.start()
    return process, Bench(url, process.pid, layout, bank, sampler, args.timeout), log_path


def main() -> int:
    args = parse_args()
    process, bench, log_path = start(args)
    try:
        print(f"app at {bench.url}, log {log_path}", flush=True)
        results = run_all(args, bench)
    except BaseException:
        print(log_tail(log_path))
        raise
    finally:
        bench.sampler.stop()
        stop_app(process)
    models = list(dict.fromkeys(result.model for result in results))
    ceilings, finals = in_process(models, args.precision or os.environ.get("CNNDEMO_PRECISION"), results)
    print_phases(bench.layout, results)
    print_limits(bench.layout, results, ceilings)
    print_answers(bench.layout, finals)
    if args.long:
        print_long(bench.layout, results[-1])
    print("\n### Problems\n")
    print_problems(results, log_path)
    print(f"\n{machine_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
