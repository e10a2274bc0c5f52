"""HTML of the "how was this number computed" panel: a cell's arithmetic
(:func:`cnndemo.explain.explain_cell`) -> HTML in the reader's language (no Gradio here;
tested without a browser). The numbers shown are the model's own: the value it computed
and the sums recomputed from its weights and the activations of the layer before.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

from webui.i18n import t

SHOWN_CHANNELS = 3  # input channels drawn as number grids (the ones contributing most)
MAX_GRID = 11  # the largest kernel shown number by number (AlexNet's conv1 is 11x11)


def number(value: float, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, plain (no exponent for classroom sizes)."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    if abs(value) >= 1e6 or abs(value) < 1e-4:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{decimals}f}"


def _shade(value: float, scale: float) -> str:
    """Background colour of a grid cell: red for positive, blue for negative, white for zero."""
    if scale <= 0:
        return "#ffffff"
    strength = min(1.0, abs(float(value)) / scale)
    level = int(255 - 150 * strength)
    return f"rgb(255,{level},{level})" if value > 0 else f"rgb({level},{level},255)" if value < 0 else "#ffffff"


def grid(values: np.ndarray, caption: str, css: str = "", mark: tuple[int, int] | None = None, digits: int = 3) -> str:
    """A small table of numbers (K x K), coloured by sign, ``mark`` outlined."""
    values = np.asarray(values, np.float64)
    scale = float(np.abs(values).max()) if values.size else 0.0
    rows = []
    for i, row in enumerate(values):
        cells = []
        for j, value in enumerate(row):
            outline = " class=\"xp-mark\"" if mark is not None and (i, j) == tuple(mark) else ""
            cells.append(f"<td{outline} style=\"background:{_shade(value, scale)}\">{number(value, digits)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<figure class=\"xp-grid {css}\"><table>{''.join(rows)}</table>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _p(text: str) -> str:
    return f"<p>{text}</p>"


def _where(d: dict, lang: str) -> str:
    cell = d["cell"]
    if len(cell) == 3:
        return t("explain.cell_where", lang, layer=d["layer"], channel=cell[0], row=cell[1], col=cell[2])
    return t("explain.unit_where", lang, layer=d["layer"], unit=cell[0])


def _field(d: dict, lang: str, side: int) -> str:
    top, left, bottom, right = d["receptive_field"]
    return t("explain.receptive_field", lang, top=top, bottom=bottom, left=left, right=right, side=side)


def _activation_lines(d: dict, lang: str) -> list[str]:
    lines = [t("explain.sum_plus_bias", lang, sum=number(d["terms_sum"]), bias=number(d["bias"]),
               pre=number(d["pre_activation"]))]
    if d.get("activation") == "relu":
        key = "explain.relu_keeps" if d["pre_activation"] > 0 else "explain.relu_zero"
        lines.append(t(key, lang, pre=number(d["pre_activation"]), value=number(d["recomputed"])))
    return lines


def _model_line(d: dict, lang: str) -> str:
    dtype = d.get("compute_dtype", "float32")
    key = "explain.model_value_bf16" if dtype == "bfloat16" else "explain.model_value"
    return f"<p class=\"xp-value\"><strong>{t(key, lang, value=number(d['value'], 6))}</strong></p>"


def conv_html(d: dict, lang: str) -> list[str]:
    parts = []
    channels = d["channels"]
    shown = list(d.get("shown_channels", []))[:SHOWN_CHANNELS]
    kernel_size = np.asarray(d["kernel"]).shape[0]
    parts.append(_p(t("explain.conv_intro", lang, k=kernel_size, n=d["n_channels"], input=d["input_layer"])))
    if kernel_size <= MAX_GRID:
        patch, kernel, products = (np.asarray(d[key]) for key in ("patch", "kernel", "products"))
        by_channel = {c["channel"]: c["partial_sum"] for c in channels}
        for position, channel in enumerate(shown):
            index = list(d.get("shown_channels", [])).index(channel)
            parts.append("<div class=\"xp-row\">"
                         + grid(patch[..., index], t("explain.patch", lang, channel=channel))
                         + "<span class=\"xp-op\">×</span>"
                         + grid(kernel[..., index], t("explain.kernel", lang, channel=channel))
                         + "<span class=\"xp-op\">=</span>"
                         + grid(products[..., index], t("explain.products", lang, sum=number(by_channel[channel])))
                         + "</div>")
    if d["n_channels"] > 1:
        rest = d["n_channels"] - min(len(shown), d["n_channels"])
        shown_sum = sum(c["partial_sum"] for c in channels if c["channel"] in shown)
        parts.append(_p(t("explain.channel_sums", lang, shown=len(shown), shown_sum=number(shown_sum), rest=rest,
                          rest_sum=number(d["terms_sum"] - shown_sum), total=number(d["terms_sum"]))))
    else:
        parts.append(_p(t("explain.products_sum", lang, total=number(d["terms_sum"]))))
    return parts + [_p(line) for line in _activation_lines(d, lang)]


def pool_html(d: dict, lang: str) -> list[str]:
    window = np.asarray(d["window_values"])
    argmax = tuple(d["argmax"])
    return [
        _p(t("explain.pool_intro", lang, k=window.shape[0], input=d["input_layer"], channel=d["cell"][0])),
        "<div class=\"xp-row\">" + grid(window, t("explain.pool_window", lang), mark=argmax) + "</div>",
        _p(t("explain.pool_max", lang, value=number(d["recomputed"]))),
    ]


def contributions_table(d: dict, lang: str) -> str:
    rows = []
    for c in d["contributions"]:
        position = c.get("position")
        where = f"{d['input_layer']}[{', '.join(str(p) for p in position)}]" if position else f"#{c['index']}"
        rows.append(f"<tr><td>{html.escape(where)}</td><td>{number(c['input'])}</td><td>{number(c['weight'])}</td>"
                    f"<td style=\"background:{_shade(c['product'], abs(d['contributions'][0]['product']) or 1)}\">"
                    f"{number(c['product'])}</td></tr>")
    head = "".join(f"<th>{t(f'explain.col.{col}', lang)}</th>" for col in ("input", "value", "weight", "product"))
    return f"<table class=\"xp-table\"><tr>{head}</tr>{''.join(rows)}</table>"


def dense_html(d: dict, lang: str) -> list[str]:
    shown = len(d["contributions"])
    parts = [_p(t("explain.dense_intro", lang, n=d["n_terms"], input=d["input_layer"], shown=shown)),
             contributions_table(d, lang)]
    if d.get("rest_count"):
        parts.append(_p(t("explain.dense_rest", lang, count=d["rest_count"], sum=number(d["rest_sum"]))))
    return parts + [_p(line) for line in _activation_lines(d, lang)]


def softmax_html(d: dict, lang: str, shown_probabilities: dict[str, float] | None = None) -> list[str]:
    logits, exps, probabilities = (np.asarray(d[key], np.float64) for key in ("logits", "exps", "probabilities"))
    chosen = d["cell"][0]
    head = "".join(f"<th>{t(f'explain.col.{col}', lang)}</th>" for col in ("digit", "logit", "exp", "probability"))
    rows = []
    for digit in range(len(logits)):
        mark = " class=\"xp-chosen\"" if digit == chosen else ""
        rows.append(f"<tr{mark}><td>{digit}</td><td>{number(logits[digit])}</td><td>{number(exps[digit])}</td>"
                    f"<td>{probabilities[digit]:.2%}</td></tr>")
    parts = [_p(t("explain.softmax_intro", lang)),
             f"<table class=\"xp-table\"><tr>{head}</tr>{''.join(rows)}</table>",
             _p(t("explain.softmax_sum", lang, sum=number(d["exp_sum"]), digit=chosen,
                  exp=number(exps[chosen]), probability=f"{probabilities[chosen]:.2%}"))]
    if shown_probabilities is not None:
        parts.append(_p(t("explain.softmax_matches", lang)))
    return parts


def gap_html(d: dict, lang: str) -> list[str]:
    return [_p(t("explain.gap", lang, input=d["input_layer"], channel=d["cell"][0], count=d["count"],
                 sum=number(d["map_sum"]), value=number(d["recomputed"])))]


def resize_html(d: dict, lang: str) -> list[str]:
    rows = "".join(f"<tr><td>[{s['row']}, {s['col']}]</td><td>{number(s['value'])}</td><td>{number(s['weight'])}</td></tr>"
                   for s in d.get("sources", []))
    head = "".join(f"<th>{t(f'explain.col.{col}', lang)}</th>" for col in ("pixel", "value", "weight"))
    return [_p(t("explain.resize_intro", lang)), f"<table class=\"xp-table\"><tr>{head}</tr>{rows}</table>",
            _p(t("explain.resize_sum", lang, value=number(d["recomputed"])))]


RENDERERS = {"conv2d": conv_html, "maxpool": pool_html, "dense": dense_html, "global_average": gap_html,
             "resize": resize_html}


def explanation_html(explanation: Any, lang: str, input_side: int) -> str:
    """The whole panel for one cell: where it is, its receptive field, its arithmetic, the
    value the model computed. ``explanation``: a ``CellExplanation`` (or its ``to_dict()``)."""
    d = explanation if isinstance(explanation, dict) else explanation.to_dict()
    kind = d["kind"]
    parts = [f"<h4>{html.escape(_where(d, lang))}</h4>"]
    if kind != "softmax":
        parts.append(_p(_field(d, lang, input_side)))
    parts += softmax_html(d, lang) if kind == "softmax" else RENDERERS[kind](d, lang)
    parts.append(_model_line(d, lang))
    cell = ",".join(str(int(v)) for v in d["cell"])
    return (f"<div class=\"xp\" data-kind=\"{kind}\" data-layer=\"{html.escape(d['layer'])}\" data-cell=\"{cell}\" "
            f"data-value=\"{float(d['value']):.9g}\">{''.join(parts)}</div>")
