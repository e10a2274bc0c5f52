"""The wording of the app in Korean and English: UI texts and the package's message codes.

``en.json`` and ``ko.json`` map keys to sentences; a sentence may hold ``{param}`` fields
(Python ``str.format`` syntax, e.g. ``{percent}`` or ``{accuracy:.2%}``) filled from a
message's parameters. Both files must have the same keys (a test checks it). The web UI
(``webui/i18n.py``) and the CLI (English) word messages with :func:`word`; the package
``cnndemo`` itself only returns codes and numbers.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"
_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """Key -> sentence for ``lang`` ("ko" or "en")."""
    if lang not in LANGUAGES:
        raise KeyError(lang)
    return json.loads((_HERE / f"{lang}.json").read_text(encoding="utf-8"))


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


def word(code: str, params: dict[str, Any] | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The sentence of ``code`` in ``lang``, with ``params`` filled in.

    Raises:
        KeyError: no such code in the catalogue.
    """
    words = catalogue(normalise(lang))
    template = words[code]
    values = _Params({key: _plain(value) for key, value in (params or {}).items()})
    if isinstance(values.get("field"), str):  # a setting's name, in words ("batch_size" -> "Batch size")
        values["field"] = words.get(f"field.{values['field']}", values["field"])
    try:
        return template.format_map(values)
    except (ValueError, TypeError, IndexError):  # a parameter of an unexpected type: never crash wording
        return template.format_map(_Params({key: str(value) for key, value in values.items()}))


def normalise(lang: str | None) -> str:
    """"ko-KR" -> "ko", "en_US" -> "en"; anything else -> the default language."""
    short = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return short if short in LANGUAGES else DEFAULT_LANGUAGE
