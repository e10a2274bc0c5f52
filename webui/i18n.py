"""Words of the web UI in Korean and English.

Two kinds of text:
- **fixed texts** (labels, buttons, headings) are keys of ``locales/{ko,en}.json`` given
  to components through :data:`I18N` (``gr.I18n``), so the browser shows the reader's
  language;
- **messages** (status lines, results, errors) are built on the server in the session's
  language by :func:`t` (a key and numbers) and :func:`say` (a package error or
  :class:`cnndemo.messages.Message`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cnndemo.messages import CnnDemoError, Message, error_message
from locales import DEFAULT_LANGUAGE, LANGUAGES, catalogue, normalise, word

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "normalise", "t", "say", "model_label", "field_name", "L", "i18n",
           "user_error"]


@lru_cache(maxsize=1)
def i18n():
    """The ``gr.I18n`` catalogue of both languages (give it to ``demo.launch(i18n=...)``)."""
    import gradio as gr

    return gr.I18n(**{lang: catalogue(lang) for lang in LANGUAGES})


def user_error(text: str, title: str | None = None):
    """A ``gr.Error`` for a user's mistake: shown as a sentence, logged by the caller as one
    line, without Gradio printing a traceback into the server log."""
    import gradio as gr

    return gr.Error(text, title=title or "Error", print_exception=False)


def L(key: str):
    """A fixed text for a component (label, button, heading): translated in the browser."""
    catalogue(DEFAULT_LANGUAGE)[key]  # a KeyError here is a missing text, caught at build time
    return i18n()(key)


def t(key: str, lang: str, **params: Any) -> str:
    """The text of ``key`` in ``lang`` with ``params`` filled in."""
    return word(key, params, lang)


def field_name(name: str, lang: str) -> str:
    """A TrainConfig / playground field's name for people ("epochs" -> "Epochs" / "에포크")."""
    return catalogue(normalise(lang)).get(f"field.{name}", name)


def say(what: Message | BaseException, lang: str) -> str:
    """A package message or error as a sentence in ``lang`` (unexpected errors: a generic one)."""
    message = what if isinstance(what, Message) else error_message(what)
    try:
        return word(message.code, dict(message.params), lang)
    except KeyError:  # a code without wording is a bug; say something useful anyway
        return f"{message.code} {message.params}"


def is_user_error(error: BaseException) -> bool:
    """Errors a user can cause and fix (worded, logged as one line), as opposed to bugs."""
    return isinstance(error, CnnDemoError)


def model_label(arch_display: str, source: str, card: dict, lang: str) -> str:
    """The dropdown label of a loaded model: "AlexNet", "AlexNet · saved ... (99.1%)", ..."""
    if source == "shipped":
        return arch_display if card else t("model.untrained_label", lang, model=arch_display)
    accuracy = card.get("test_accuracy")
    when = card.get("saved_at") or str(card.get("trained_at", ""))[:16].replace("T", " ")
    label = t(f"model.{source}_label", lang, model=arch_display, when=when,
              accuracy=accuracy if accuracy is not None else float("nan"))
    return label + (f" · {card['saved_by']}" if card.get("saved_by") else "")
