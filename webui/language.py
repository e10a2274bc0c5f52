"""Which language a page or request speaks: ``?lang=ko|en`` first, then the browser's
``Accept-Language`` (the first of Korean or English it lists), then the server's default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from locales import LANGUAGES


def accept_language(header: str | None) -> str | None:
    """The first of "ko" / "en" in an ``Accept-Language`` header, by preference; None if neither."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        short = tag.strip().lower().split("-")[0]
        if short in LANGUAGES and quality > 0:
            ranked.append((-quality, position, short))
    return min(ranked)[2] if ranked else None


def request_language(request: Any, default: str) -> str:
    """The language of a ``gr.Request`` (or None: ``default``)."""
    if request is None:
        return default
    params = getattr(request, "query_params", None) or {}
    asked = str(params.get("lang", "") or "").strip().lower()
    if asked in LANGUAGES:
        return asked
    headers = getattr(request, "headers", None) or {}
    return accept_language(headers.get("accept-language")) or default


def session_language(lang: str | None, request: Any) -> str:
    """The language of an event: the page's (set when it opened) or, for a script calling an
    endpoint, its request's (English when it names none)."""
    return lang if lang in LANGUAGES else request_language(request, "en")


@lru_cache(maxsize=2)
def language_js(default: str) -> str:
    """The page's language chooser (``webui/static/language.js``) with the server's default filled in."""
    source = (Path(__file__).resolve().parent / "static" / "language.js").read_text(encoding="utf-8")
    body = "\n".join(line for line in source.splitlines() if not line.startswith("//"))
    return body.replace("__DEFAULT__", default if default in LANGUAGES else "ko")
