"""Message codes: how the package tells the UI what happened, without writing sentences.

The package never words a message for a person. An error a user can act on is a
:class:`CnnDemoError` carrying a ``code`` (``"data.file_missing"``) and parameters
(``{"path": "data/mnist/t10k-images-idx3-ubyte.gz"}``); the UI (``webui/i18n.py``) or the
CLI turns the pair into a sentence in the reader's language from the catalogues in
``locales/``. ``str(error)`` is a terse developer form (``data.file_missing path='...'``)
for logs and tracebacks, never shown to a student.

Every code used by the package is listed in :data:`CODES` with the parameters it carries,
so a test can check that each language words every code and uses only those parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# code -> the parameters it always carries (more may be added by the raiser).
CODES: dict[str, tuple[str, ...]] = {
    # data files
    "data.file_missing": ("path",),
    "data.checksums_missing": ("path",),
    "data.checksum_unlisted": ("path", "name"),
    "data.file_corrupt": ("path", "actual", "expected"),
    "data.file_unreadable": ("path", "reason"),
    "data.file_malformed": ("path", "detail"),
    "data.unknown_mix": ("received", "available"),
    # drawings and uploads
    "drawing.empty": (),
    "drawing.dot": (),
    "drawing.too_large": ("width", "height", "limit_mp"),
    "drawing.bad_shape": ("shape",),
    # models and weights
    "model.unknown": ("received", "available"),
    "model.layer_unknown": ("model", "received", "available"),
    "weights.missing": ("model", "path"),
    "weights.card_unreadable": ("path", "reason"),
    "weights.file_missing": ("path", "card"),
    "weights.corrupt": ("path",),
    "weights.incompatible": ("path", "model", "reason"),
    "weights.start_card_wrong": ("path", "reason"),
    # training settings (TrainConfig.check)
    "train.whole_number": ("field", "low", "high", "received"),
    "train.choice": ("field", "choices", "received"),
    "train.learning_rate": ("received",),
    "train.ema_momentum": ("received",),
    "train.precision": ("received", "available"),
    "train.busy": ("model", "percent", "minutes"),
    "train.disabled": (),
    "train.env_not_whole": ("name", "received"),
    # explanations of one cell
    "explain.no_drawing": (),
    "explain.cell_outside": ("layer", "channel", "row", "col", "channels", "rows", "cols"),
    "explain.layer_kind": ("layer", "kind"),
    # the Conv2D playground
    "playground.setting": ("field", "low", "high", "received"),
    "playground.too_small": ("size", "kernel", "padding"),
}


class CnnDemoError(Exception):
    """An error with a message code and parameters (see the module docstring).

    Attributes:
        code: one of :data:`CODES`.
        params: JSON-friendly values the sentence is built from.
    """

    def __init__(self, code: str, **params: Any):
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        details = " ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.code} {details}".strip()


@dataclass(frozen=True)
class Message:
    """A code and its parameters, for results that are not errors (status lines, notes)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


def error_message(error: BaseException) -> Message:
    """The :class:`Message` of an error: its code for a :class:`CnnDemoError`, else
    ``"error.unexpected"`` with the exception's type (details belong in the log)."""
    if isinstance(error, CnnDemoError):
        return Message(error.code, dict(error.params))
    return Message("error.unexpected", {"kind": type(error).__name__})


CODES["error.unexpected"] = ("kind",)
