"""Minimal demo of webui.drawpad: the pad, a label updated on every stroke, and a button
whose Python handler clears the pad.

Run:  python webui/demo_drawpad.py --port 7861
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gradio as gr
import numpy as np

from webui.drawpad import decode_value, drawpad

# Every value the handler received, in order (for in-process tests):
# dicts {"t": time.time(), "empty": value == "", "ink": int, "size": (w, h) | None,
#        "prefix": first 22 characters of the value}.
RECEIVED: list[dict] = []
_LOCK = threading.Lock()


def ink_summary(value: str | None) -> dict[str, float]:
    """Decode the pad's data URL and report the number of ink pixels."""
    img = decode_value(value)
    if img is None:
        rec = {"t": time.time(), "empty": value == "", "ink": 0, "size": None,
               "prefix": (value or "")[:22]}
        out = {"empty canvas": 1.0}
    else:
        ink = int((np.asarray(img) > 32).sum())
        rec = {"t": time.time(), "empty": False, "ink": ink, "size": img.size,
               "prefix": value[:22]}
        out = {f"ink pixels: {ink}": 1.0}
    with _LOCK:
        RECEIVED.append(rec)
    return out


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="drawpad demo") as demo:
        gr.Markdown("Draw with a mouse, pen or finger. Each stroke updates the label.")
        pad = drawpad(elem_id="drawpad")
        out = gr.Label(elem_id="out", label="Result")
        clear_from_python = gr.Button("Clear from Python", elem_id="clear-from-python")
        pad.change(ink_summary, inputs=pad, outputs=out, show_progress="hidden")
        clear_from_python.click(lambda: "", outputs=pad)  # a handler that returns "" empties the pad
    return demo


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=7861)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args(argv)
    build_demo().launch(server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
