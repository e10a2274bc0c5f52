"""A fast drawing pad for Gradio 6.31, built on ``gr.HTML`` (no build step).

Why not ``gr.Sketchpad``: it needs 1.0-1.5 s from pointer-up to an updated
prediction (several uploads per stroke) and loses touch strokes when a
``.change`` listener is attached.  This pad sends one tiny PNG data URL per
stroke through the component value, so a ``.change`` handler sees it after a
single queue round trip.

Public API
----------
``drawpad(elem_id="drawpad", label="Draw a digit", size_px=280, brush_px=18,
out_px=112, **texts) -> gr.HTML``

Value (what a Python handler receives; what ``.change`` carries)
    ``str``.  Either the empty string ``""`` (nothing drawn: untouched, after
    Clear, or after every stroke was undone), or a PNG data URL
    ``"data:image/png;base64,<...>"`` of an ``out_px`` x ``out_px`` image
    (default 112 x 112): opaque RGBA PNG, black background (0, 0, 0, 255),
    white anti-aliased ink, R == G == B for every pixel (grayscale content, as
    MNIST). It is the full ``size_px`` canvas scaled down, not cropped or
    centred. Decode with ``webui.drawpad.decode_value``.

Events
    ``change`` fires exactly once per completed stroke (``pointerup``, or
    ``pointercancel`` / lost pointer capture after the stroke has put ink on
    the canvas), once per Undo that removed a stroke, and once per Clear
    (also when the pad was already empty).  It never fires during a stroke.
    Undo with nothing left to undo does nothing.  ``change`` also fires when a
    Python handler sets the value (Gradio's usual behaviour).

Setting the value from Python
    Returning ``""`` (or ``None``) from a handler clears the pad.  Returning a
    PNG/JPEG data URL draws that picture as the background (Undo cannot remove
    it; Clear does).

Selectors (stable, for tests and CSS)
    ``#<elem_id> canvas.drawpad-canvas``      the drawing surface
    ``#<elem_id> button.drawpad-undo``        Undo
    ``#<elem_id> button.drawpad-clear``       Clear
    ``#<elem_id> button.drawpad-brush``       brush sizes, with
                                              ``data-brush="small|medium|large"``
                                              and ``aria-pressed="true"`` on the
                                              active one
    ``#<elem_id> .drawpad``                   root; ``data-strokes`` holds
                                              the number of strokes on the pad

In the page the canvas element also carries a small debugging object,
``canvas.__drawpad = {strokes, emitted}`` (numbers of strokes on the pad and
of values sent so far).

Implementation notes (Gradio internals relied upon, checked on 6.31.0)
    * ``js_on_load`` gets ``element``, ``props``, ``trigger`` and ``watch``.
      Assigning ``props.value`` updates the component value and Gradio's HTML
      wrapper dispatches ``change`` by itself when the value differs from the
      previous one; when it does not differ (Clear on an empty pad) we call
      ``trigger('change')`` instead, so there is exactly one event either way.
    * Every ``props`` assignment re-evaluates ``html_template`` and morphs the
      DOM only if the resulting HTML string changed.  Our template does not
      use ``${value}``, so the canvas is never touched by Gradio.
    * ``html_template`` / ``css_template`` are compiled as Handlebars and then
      as a JS template literal; user strings are therefore escaped by
      ``_lit`` before they are embedded.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import gradio as gr

__all__ = ["drawpad", "decode_value", "DATA_URL_PREFIX"]

DATA_URL_PREFIX = "data:image/png;base64,"


def _lit(text: str) -> str:
    """Escape a plain string for html_template (HTML + Handlebars + JS literal)."""
    out = html.escape(str(text), quote=True)
    for ch, ent in (
        ("$", "&#36;"),
        ("`", "&#96;"),
        ("\\", "&#92;"),
        ("{", "&#123;"),
        ("}", "&#125;"),
    ):
        out = out.replace(ch, ent)
    return out


def decode_value(value: str | None, mode: str = "L"):
    """Decode a drawpad value into a PIL image (``mode`` "L" by default).

    Returns ``None`` for ``""`` / ``None`` (an empty pad).
    """
    if not value:
        return None
    from PIL import Image

    _, _, b64 = value.partition(",")
    img = Image.open(io.BytesIO(base64.b64decode(b64)))
    img.load()
    return img.convert(mode) if mode else img


_JS = r"""
const root = element.querySelector('.drawpad');
const canvas = root.querySelector('canvas.drawpad-canvas');
const ctx = canvas.getContext('2d');
const undoBtn = root.querySelector('button.drawpad-undo');
const clearBtn = root.querySelector('button.drawpad-clear');
const brushBtns = Array.from(root.querySelectorAll('button.drawpad-brush'));
const SIZE = parseInt(root.dataset.size, 10) || canvas.width;   // logical size: CSS pixels, pointer coordinates, strokes
// Sharp ink on HiDPI screens: a bitmap of SIZE x devicePixelRatio, drawn in SIZE units.
const DPR = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
if (DPR !== 1) {
  canvas.width = canvas.height = Math.round(SIZE * DPR);
  ctx.setTransform(canvas.width / SIZE, 0, 0, canvas.height / SIZE, 0, 0);
}
const OUT = parseInt(root.dataset.out, 10) || 112;
const BRUSH = parseFloat(root.dataset.brush) || 18;
const SIZES = { small: BRUSH * 0.6, medium: BRUSH, large: BRUSH * 1.5 };

let strokes = [];      // committed strokes: {w, pts: [[x, y], ...]}
let cur = null;        // stroke in progress
let activeId = null;   // pointerId of the stroke in progress
let brush = SIZES.medium;
let base = null;       // background image set from Python (optional)
let lastSent = props.value || '';
const dbg = { strokes: 0, emitted: 0 };
canvas.__drawpad = dbg;

const small = document.createElement('canvas');
small.width = small.height = OUT;
const sctx = small.getContext('2d');

function setup(c) {
  c.lineCap = 'round'; c.lineJoin = 'round';
  c.strokeStyle = '#fff'; c.fillStyle = '#fff';
}
function mid(a, b) { return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]; }
function dot(p, w) {
  ctx.beginPath(); ctx.arc(p[0], p[1], w / 2, 0, Math.PI * 2); ctx.fill();
}
function drawStroke(s) {
  const p = s.pts, n = p.length;
  ctx.lineWidth = s.w;
  dot(p[0], s.w);
  if (n < 2) return;
  ctx.beginPath();
  ctx.moveTo(p[0][0], p[0][1]);
  let m = mid(p[0], p[1]);
  ctx.lineTo(m[0], m[1]);
  for (let i = 1; i < n - 1; i++) {
    m = mid(p[i], p[i + 1]);
    ctx.quadraticCurveTo(p[i][0], p[i][1], m[0], m[1]);
  }
  ctx.lineTo(p[n - 1][0], p[n - 1][1]);
  ctx.stroke();
}
function redraw() {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, SIZE, SIZE);
  if (base) ctx.drawImage(base, 0, 0, SIZE, SIZE);
  setup(ctx);
  for (const s of strokes) drawStroke(s);
  if (cur) drawStroke(cur);
  root.dataset.strokes = String(strokes.length);
  dbg.strokes = strokes.length;
}
function isEmpty() { return strokes.length === 0 && !base; }
function exportValue() {
  if (isEmpty()) return '';
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = 'high';
  sctx.fillStyle = '#000';
  sctx.fillRect(0, 0, OUT, OUT);
  sctx.drawImage(canvas, 0, 0, OUT, OUT);
  return small.toDataURL('image/png');
}
function emit() {
  const v = exportValue();
  lastSent = v;
  dbg.emitted += 1;
  if (props.value === v) {
    trigger('change');        // same value: Gradio would not fire by itself
  } else {
    props.value = v;          // Gradio's HTML wrapper dispatches 'change'
  }
}
function pos(e) {
  // Displayed size may differ from SIZE (max-width: 100%, zoom): map back.
  const r = canvas.getBoundingClientRect();
  const x = (e.clientX - r.left) * SIZE / (r.width || SIZE);
  const y = (e.clientY - r.top) * SIZE / (r.height || SIZE);
  return [Math.max(0, Math.min(SIZE, x)), Math.max(0, Math.min(SIZE, y))];
}
function addPoint(q) {
  const p = cur.pts, n = p.length, last = p[n - 1];
  if (Math.abs(q[0] - last[0]) + Math.abs(q[1] - last[1]) < 0.75) return;
  p.push(q);
  ctx.lineWidth = cur.w;
  const a = n >= 2 ? mid(p[n - 2], last) : last;
  const b = mid(last, q);
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.quadraticCurveTo(last[0], last[1], b[0], b[1]);
  ctx.stroke();
}
function finish(e, commit) {
  if (cur === null || (e && e.pointerId !== activeId)) return;
  const s = cur;
  cur = null;
  activeId = null;
  try { if (e && canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId); } catch (_) {}
  if (!commit || s.pts.length === 0) { redraw(); return; }
  const p = s.pts, n = p.length;
  if (n >= 2) {   // close the smoothed path up to the last point
    const a = mid(p[n - 2], p[n - 1]);
    ctx.lineWidth = s.w;
    ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(p[n - 1][0], p[n - 1][1]); ctx.stroke();
  }
  strokes.push(s);
  root.dataset.strokes = String(strokes.length);
  dbg.strokes = strokes.length;
  emit();
}

canvas.addEventListener('pointerdown', (e) => {
  if (cur !== null) return;                      // ignore a second finger
  if (e.pointerType === 'mouse' && e.button !== 0) return;
  e.preventDefault();
  try { canvas.setPointerCapture(e.pointerId); } catch (_) {}
  activeId = e.pointerId;
  const q = pos(e);
  cur = { w: brush, pts: [q] };
  setup(ctx);
  ctx.lineWidth = brush;
  dot(q, brush);
});
canvas.addEventListener('pointermove', (e) => {
  if (cur === null || e.pointerId !== activeId) return;
  e.preventDefault();
  const evs = (typeof e.getCoalescedEvents === 'function' && e.getCoalescedEvents()) || [];
  if (evs.length) { for (const c of evs) addPoint(pos(c)); } else { addPoint(pos(e)); }
});
canvas.addEventListener('pointerup', (e) => {
  if (cur === null || e.pointerId !== activeId) return;
  e.preventDefault();
  addPoint(pos(e));
  finish(e, true);
});
// A cancelled stroke that already put ink on the canvas is kept and sent.
canvas.addEventListener('pointercancel', (e) => finish(e, true));
canvas.addEventListener('lostpointercapture', (e) => finish(e, true));
canvas.addEventListener('contextmenu', (e) => e.preventDefault());
canvas.addEventListener('touchstart', (e) => e.preventDefault(), { passive: false });
canvas.addEventListener('touchmove', (e) => e.preventDefault(), { passive: false });

undoBtn.addEventListener('click', () => {
  if (cur !== null || strokes.length === 0) return;
  strokes.pop();
  redraw();
  emit();
});
clearBtn.addEventListener('click', () => {
  cur = null;
  activeId = null;
  strokes = [];
  base = null;
  redraw();
  emit();
});
for (const b of brushBtns) {
  b.addEventListener('click', () => {
    brush = SIZES[b.dataset.brush] || SIZES.medium;
    for (const o of brushBtns) o.setAttribute('aria-pressed', o === b ? 'true' : 'false');
  });
}

// Value set from Python: "" clears the pad, a data URL becomes the background.
watch('value', () => {
  const v = props.value || '';
  if (v === lastSent) return;
  lastSent = v;
  if (!v) { strokes = []; base = null; redraw(); return; }
  if (typeof v === 'string' && v.startsWith('data:image/')) {
    const img = new Image();
    img.onload = () => { strokes = []; base = img; redraw(); };
    img.src = v;
  }
});

redraw();
if (lastSent && lastSent.startsWith('data:image/')) {
  const img = new Image();
  img.onload = () => { base = img; redraw(); };
  img.src = lastSent;
}
root.dataset.ready = '1';
"""

_CSS = """
.drawpad { display: flex; flex-direction: column; gap: 6px; width: 100%;
  max-width: {SIZE}px; user-select: none; -webkit-user-select: none;
  -webkit-touch-callout: none; }
.drawpad-label { font-weight: 600; font-size: var(--text-md, 14px);
  color: var(--body-text-color, inherit); }
.drawpad-canvas { display: block; width: {SIZE}px; max-width: 100%; height: auto;
  aspect-ratio: 1 / 1; background: #000; touch-action: none;
  cursor: crosshair; border-radius: 6px; border: none; padding: 0;
  box-shadow: 0 0 0 1px var(--border-color-primary, #444); }
.drawpad-tools { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.drawpad-tools button { min-height: 36px; min-width: 44px; padding: 4px 10px;
  border-radius: 6px; cursor: pointer; font: inherit;
  border: 1px solid var(--border-color-primary, #888);
  background: var(--button-secondary-background-fill, #eee);
  color: var(--button-secondary-text-color, #111); touch-action: manipulation; }
.drawpad-tools button:hover { filter: brightness(0.95); }
.drawpad-tools button[aria-pressed="true"] {
  background: var(--button-primary-background-fill, #f97316);
  color: var(--button-primary-text-color, #fff); }
.drawpad-brushes { display: inline-flex; gap: 4px; align-items: center; }
.drawpad-brush-caption { font-size: 0.9em; opacity: 0.8; }
"""


def drawpad(
    elem_id: str = "drawpad",
    label: str = "Draw a digit",
    size_px: int = 280,
    brush_px: int = 18,
    *,
    out_px: int = 112,
    undo_label: str = "Undo",
    undo_tooltip: str = "Remove the last stroke",
    clear_label: str = "Clear",
    clear_tooltip: str = "Erase the whole drawing",
    brush_caption: str = "Brush:",
    brush_tooltip: str = "Brush size",
    small_label: str = "Thin",
    medium_label: str = "Medium",
    large_label: str = "Thick",
    canvas_label: str = "Drawing area: draw one digit with a mouse, pen or finger",
    value: str | None = None,
    **kwargs: Any,
) -> gr.HTML:
    """Create the drawing pad (a configured ``gr.HTML``).

    Args:
        elem_id: DOM id of the component; selectors are ``#<elem_id> ...``.
        label: caption shown above the canvas ("" hides it).
        size_px: canvas size in CSS pixels (square); its bitmap has
            ``size_px * devicePixelRatio`` pixels, so ink stays sharp on HiDPI
            screens (the value sent is ``out_px`` either way).  The canvas
            shrinks with ``max-width: 100%`` on narrow screens; coordinates are
            mapped so drawing stays exact.
        brush_px: medium brush diameter in canvas pixels (thin = 0.6x,
            thick = 1.5x).
        out_px: side of the square PNG sent as the value.
        *_label / *_tooltip / brush_caption / canvas_label: user-visible
            strings (English defaults; pass translations, e.g.
            ``undo_label="되돌리기", clear_label="지우기"``).
        value: initial value ("" / None = empty, or an image data URL).
        **kwargs: passed to ``gr.HTML`` (e.g. ``visible``, ``scale``).

    Returns:
        A ``gr.HTML`` whose value is ``""`` or
        ``"data:image/png;base64,..."`` (``out_px`` x ``out_px``, white ink on
        black); see the module docstring for events and selectors.
    """
    size_px = int(size_px)
    out_px = int(out_px)
    brushes = (("small", small_label), ("medium", medium_label), ("large", large_label))
    brush_buttons = "".join(
        f'<button type="button" class="drawpad-brush" data-brush="{k}" '
        f'aria-pressed="{"true" if k == "medium" else "false"}" '
        f'title="{_lit(brush_tooltip)}: {_lit(text)}">{_lit(text)}</button>'
        for k, text in brushes
    )
    label_html = f'<div class="drawpad-label">{_lit(label)}</div>' if label else ""
    template = (
        f'<div class="drawpad" data-size="{size_px}" data-out="{out_px}" data-brush="{float(brush_px)}" '
        f'data-strokes="0">'
        f"{label_html}"
        f'<canvas class="drawpad-canvas" width="{size_px}" height="{size_px}" '
        f'role="img" aria-label="{_lit(canvas_label)}"></canvas>'
        f'<div class="drawpad-tools">'
        f'<button type="button" class="drawpad-undo" '
        f'title="{_lit(undo_tooltip)}">{_lit(undo_label)}</button>'
        f'<button type="button" class="drawpad-clear" '
        f'title="{_lit(clear_tooltip)}">{_lit(clear_label)}</button>'
        f'<span class="drawpad-brushes" role="group" aria-label="{_lit(brush_tooltip)}">'
        f'<span class="drawpad-brush-caption">{_lit(brush_caption)}</span>'
        f"{brush_buttons}</span>"
        f"</div></div>"
    )
    css = _CSS.replace("{SIZE}", str(size_px))
    kwargs.setdefault("apply_default_css", False)
    kwargs.setdefault("container", False)
    kwargs.setdefault("padding", False)
    return gr.HTML(
        value=value or "",
        label=label or None,
        show_label=False,
        html_template=template,
        css_template=css,
        js_on_load=_JS,
        elem_id=elem_id,
        **kwargs,
    )
