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
    centred. Decode with ``decode_value`` (``webui.pad_value``, re-exported
    here; the translation layers import it from there, without Gradio).

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

import html
from pathlib import Path
from typing import Any, Mapping

import gradio as gr

from cnndemo.data.pen_render import BRUSHES_PX, PAD_BRUSH_PX, PAD_OUT_PX, PAD_SIZE_PX
from webui.pad_value import DATA_URL_PREFIX, decode_value

__all__ = ["drawpad", "decode_value", "DATA_URL_PREFIX"]  # the value's two from webui.pad_value


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


_STATIC = Path(__file__).resolve().parent / "static"
_JS = (_STATIC / "drawpad.js").read_text(encoding="utf-8")
_CSS = (_STATIC / "drawpad.css").read_text(encoding="utf-8")


PAD_TEXT_KEYS = ("label", "undo", "undo_tip", "clear", "clear_tip", "brush", "brush_tip", "small", "medium",
                 "large", "canvas")
DEFAULT_TEXTS = {
    "label": "Draw a digit", "undo": "Undo", "undo_tip": "Remove the last stroke", "clear": "Clear",
    "clear_tip": "Erase the whole drawing", "brush": "Brush:", "brush_tip": "Brush size", "small": "Thin",
    "medium": "Medium", "large": "Thick", "canvas": "Drawing area: draw one digit with a mouse, pen or finger",
}


def _texts_attrs(texts: Mapping[str, Mapping[str, str]], key: str, kind: str) -> str:
    """``data-<lang>-<kind>="..."`` for every language: the pad's script switches to them."""
    return "".join(f' data-{lang}-{kind}="{_lit(words.get(key, DEFAULT_TEXTS[key]))}"' for lang, words in texts.items())


def drawpad(
    elem_id: str = "drawpad",
    size_px: int = PAD_SIZE_PX,
    brush_px: float = PAD_BRUSH_PX,
    *,
    out_px: int = PAD_OUT_PX,
    texts: Mapping[str, Mapping[str, str]] | None = None,
    lang: str | None = None,
    show_label: bool = True,
    value: str | None = None,
    **kwargs: Any,
) -> gr.HTML:
    """Create the drawing pad (a configured ``gr.HTML``).

    Args:
        elem_id: DOM id of the component; selectors are ``#<elem_id> ...``.
        size_px: canvas size in CSS pixels (square); its bitmap has
            ``size_px * devicePixelRatio`` pixels, so ink stays sharp on HiDPI
            screens (the value sent is ``out_px`` either way).  The canvas
            shrinks with ``max-width: 100%`` on narrow screens; coordinates are
            mapped so drawing stays exact.
        brush_px: medium brush diameter in canvas pixels (thin and thick in the
            ratios of ``cnndemo.data.pen_render.BRUSHES_PX``: 0.6x and 1.5x).
        out_px: side of the square PNG sent as the value.
        texts: the user-visible words by language, each a dict with the keys of
            :data:`PAD_TEXT_KEYS` (missing ones: :data:`DEFAULT_TEXTS`, English), e.g.
            ``{"ko": {"undo": "되돌리기", ...}, "en": {...}}``. The pad shows the
            language of the page (``window.cnndemoLang``, set by ``webui/static/language.js``,
            which also announces a switch with a ``cnndemo-lang`` event).
        lang: the language shown before the page says (default: the first of ``texts``).
        show_label: show the caption above the canvas.
        value: initial value ("" / None = empty, or an image data URL).
        **kwargs: passed to ``gr.HTML`` (e.g. ``visible``, ``scale``).

    Returns:
        A ``gr.HTML`` whose value is ``""`` or
        ``"data:image/png;base64,..."`` (``out_px`` x ``out_px``, white ink on
        black); see the module docstring for events and selectors.
    """
    texts = texts or {"en": DEFAULT_TEXTS}
    lang = lang if lang in texts else next(iter(texts))
    words = {**DEFAULT_TEXTS, **texts[lang]}

    def text(key: str) -> str:  # the initial text and every language's for the script
        return _texts_attrs(texts, key, "text")

    def title(key: str) -> str:
        return f' title="{_lit(words[key])}"' + _texts_attrs(texts, key, "title")

    size_px = int(size_px)
    out_px = int(out_px)
    brushes = ("small", "medium", "large")
    # The pad's three brushes, as the pen-digit renderer draws them, scaled to this pad's medium brush.
    brush_sizes = ",".join(f"{BRUSHES_PX[k] * float(brush_px) / PAD_BRUSH_PX:g}" for k in brushes)
    brush_buttons = "".join(
        f'<button type="button" class="drawpad-brush" data-brush="{k}" '
        f'aria-pressed="{"true" if k == "medium" else "false"}"{title(k)}{text(k)}>{_lit(words[k])}</button>'
        for k in brushes
    )
    label_html = f'<div class="drawpad-label"{text("label")}>{_lit(words["label"])}</div>' if show_label else ""
    template = (
        f'<div class="drawpad" data-size="{size_px}" data-out="{out_px}" data-brush="{float(brush_px)}" '
        f'data-brushes="{brush_sizes}" data-strokes="0">'
        f"{label_html}"
        f'<canvas class="drawpad-canvas" width="{size_px}" height="{size_px}" '
        f'role="img" aria-label="{_lit(words["canvas"])}"{_texts_attrs(texts, "canvas", "aria")}></canvas>'
        f'<div class="drawpad-tools">'
        f'<button type="button" class="drawpad-undo"{title("undo_tip")}{text("undo")}>{_lit(words["undo"])}</button>'
        f'<button type="button" class="drawpad-clear"{title("clear_tip")}{text("clear")}>'
        f'{_lit(words["clear"])}</button>'
        f'<span class="drawpad-brushes" role="group" aria-label="{_lit(words["brush_tip"])}"'
        f'{_texts_attrs(texts, "brush_tip", "aria")}>'
        f'<span class="drawpad-brush-caption"{text("brush")}>{_lit(words["brush"])}</span>'
        f"{brush_buttons}</span>"
        f"</div></div>"
    )
    css = _CSS.replace("{SIZE}", str(size_px))
    kwargs.setdefault("apply_default_css", False)
    kwargs.setdefault("container", False)
    kwargs.setdefault("padding", False)
    return gr.HTML(
        value=value or "",
        label=words["label"],
        show_label=False,
        html_template=template,
        css_template=css,
        js_on_load=_JS,
        elem_id=elem_id,
        **kwargs,
    )
