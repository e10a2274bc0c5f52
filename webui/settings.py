"""Every environment variable the app reads, read once at start: :meth:`Settings.from_env`.

Nothing else in the app or the package reads the environment; ``app.py`` builds one
:class:`Settings` and hands it to the parts that need it. A bad value stops the start with
a :class:`SettingsError` naming the variable (code ``settings.bad_value``).

| variable | default | effect |
| --- | --- | --- |
| ``CNNDEMO_HOST`` / ``CNNDEMO_PORT`` | 127.0.0.1 / 7860 | where ``python app.py`` listens (``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT``, set by a Space, win) |
| ``CNNDEMO_PRECISION`` | auto | inference precision: auto, float32, mixed_bfloat16, mixed_float16 |
| ``CNNDEMO_TRAINING`` | on (off on a public Space) | on / off / capped: whether the Train tab may train |
| ``CNNDEMO_MAX_EPOCHS`` | 100 (3 when capped) | epochs per run |
| ``CNNDEMO_MAX_TRAIN_IMAGES`` | 200,000 (10,000 when capped) | training images per epoch |
| ``CNNDEMO_USER_WEIGHTS`` | user_weights/ | where "Save as default" writes (never weights/) |
| ``CNNDEMO_LANG`` | ko | the language when the browser names neither Korean nor English |
| ``CNNDEMO_KIOSK`` | 0 | 1: kiosk mode (touch-first, parts hidden, idle reset) |
| ``CNNDEMO_KIOSK_IDLE_S`` | 90 | kiosk: seconds without a touch before the page resets |
| ``CNNDEMO_KIOSK_HIDE`` | train,upload,api | kiosk: what is hidden (train, upload, api, language) |
| ``CNNDEMO_QUEUE_SIZE`` | 96 | requests waiting at most; more are told "busy, try again" |
| ``CNNDEMO_CACHE_HOURS`` | 1 | uploads and cached files older than this are deleted (hourly) |
| ``SPACE_ID`` | (unset) | set by Hugging Face: a public Space; training is capped unless CNNDEMO_TRAINING says otherwise |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from cnndemo.messages import CnnDemoError
from cnndemo.precision import PRECISIONS
from cnndemo.training import MAX_EPOCHS, MAX_TRAIN_IMAGES

REPO_ROOT = Path(__file__).resolve().parent.parent
KIOSK_PARTS = ("train", "upload", "api", "language")
CAPPED_EPOCHS = 3
CAPPED_TRAIN_IMAGES = 10_000


class SettingsError(CnnDemoError, ValueError):
    """``settings.bad_value``: an environment variable the app cannot use (name, received, expected)."""


@dataclass(frozen=True)
class Settings:
    """The app's settings; see the module docstring for the variables behind each field."""

    host: str = "127.0.0.1"
    port: int = 7860
    precision: str = "auto"
    training: str = "on"  # on | off | capped
    max_epochs: int = MAX_EPOCHS
    max_train_images: int = MAX_TRAIN_IMAGES
    user_weights: Path = REPO_ROOT / "user_weights"
    language: str = "ko"
    kiosk: bool = False
    kiosk_idle_s: int = 90
    kiosk_hide: tuple[str, ...] = ("train", "upload", "api")
    queue_size: int = 96
    cache_hours: float = 1.0
    space_id: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def training_enabled(self) -> bool:
        return self.training != "off"

    def hides(self, part: str) -> bool:
        """In kiosk mode, whether ``part`` ("train", "upload", "api", "language") is hidden."""
        return self.kiosk and part in self.kiosk_hide

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read the variables (default: ``os.environ``) once.

        Raises:
            SettingsError: naming the first variable with a value the app cannot use.
        """
        env = os.environ if env is None else env

        def text(name: str, default: str = "") -> str:
            return str(env.get(name, "") or "").strip() or default

        def whole(name: str, default: int, low: int, high: int) -> int:
            value = text(name)
            if not value:
                return default
            try:
                number = int(value)
            except ValueError:
                number = None
            if number is None or not low <= number <= high:
                raise SettingsError("settings.bad_value", name=name, received=value, expected=f"{low}..{high}")
            return number

        def choice(name: str, default: str, choices: tuple[str, ...], aliases: dict[str, str] | None = None) -> str:
            value = text(name, default).lower()
            value = (aliases or {}).get(value, value)
            if value not in choices:
                raise SettingsError("settings.bad_value", name=name, received=env.get(name), expected="|".join(choices))
            return value

        space_id = text("SPACE_ID")
        switch = {"1": "on", "true": "on", "yes": "on", "0": "off", "false": "off", "no": "off"}
        training = choice("CNNDEMO_TRAINING", "capped" if space_id else "on", ("on", "off", "capped"), switch)
        capped = training == "capped"
        kiosk = choice("CNNDEMO_KIOSK", "0", ("on", "off"), {"0": "off", "1": "on", **switch}) == "on"
        hide = tuple(part.strip().lower() for part in text("CNNDEMO_KIOSK_HIDE", "train,upload,api").split(",")
                     if part.strip())
        unknown = [part for part in hide if part not in KIOSK_PARTS]
        if unknown:
            raise SettingsError("settings.bad_value", name="CNNDEMO_KIOSK_HIDE", received=",".join(hide),
                                expected=",".join(KIOSK_PARTS))
        try:
            cache_hours = float(text("CNNDEMO_CACHE_HOURS", "1"))
        except ValueError:
            cache_hours = -1.0
        if not 0.05 <= cache_hours <= 24 * 30:
            raise SettingsError("settings.bad_value", name="CNNDEMO_CACHE_HOURS", received=env.get("CNNDEMO_CACHE_HOURS"),
                                expected="0.05..720")
        return cls(
            host=text("GRADIO_SERVER_NAME") or text("CNNDEMO_HOST", "127.0.0.1"),
            port=whole("GRADIO_SERVER_PORT", 0, 1, 65535) or whole("CNNDEMO_PORT", 7860, 1, 65535),
            precision=choice("CNNDEMO_PRECISION", "auto", PRECISIONS),
            training=training,
            max_epochs=whole("CNNDEMO_MAX_EPOCHS", CAPPED_EPOCHS if capped else MAX_EPOCHS, 1, MAX_EPOCHS),
            max_train_images=whole("CNNDEMO_MAX_TRAIN_IMAGES", CAPPED_TRAIN_IMAGES if capped else MAX_TRAIN_IMAGES,
                                   100, MAX_TRAIN_IMAGES),
            user_weights=Path(text("CNNDEMO_USER_WEIGHTS") or REPO_ROOT / "user_weights"),
            language=choice("CNNDEMO_LANG", "ko", ("ko", "en")),
            kiosk=kiosk,
            kiosk_idle_s=whole("CNNDEMO_KIOSK_IDLE_S", 90, 10, 3600),
            kiosk_hide=hide,
            queue_size=whole("CNNDEMO_QUEUE_SIZE", 96, 1, 10_000),
            cache_hours=cache_hours,
            space_id=space_id,
        )
