"""The drawing pad's value, decoded without Gradio (``webui.drawpad`` builds the pad itself).

The translation layers (``webui.analysis`` and the views) import this module, not
``webui.drawpad``: they stay free of Gradio, so they load and are tested without it.

Value: ``str``. Either ``""`` (nothing drawn) or a PNG data URL
``"data:image/png;base64,<...>"`` of the pad's square picture (white ink on black,
R == G == B); see ``webui.drawpad`` for how the pad makes it.
"""

from __future__ import annotations

import base64
import io

__all__ = ["DATA_URL_PREFIX", "decode_value"]

DATA_URL_PREFIX = "data:image/png;base64,"


def decode_value(value: str | None, mode: str | None = "L"):
    """Decode a drawpad value into a PIL image (``mode`` "L" by default; ``None`` keeps the file's).

    Returns ``None`` for ``""`` / ``None`` (an empty pad).
    """
    if not value:
        return None
    from PIL import Image

    _, _, b64 = value.partition(",")
    img = Image.open(io.BytesIO(base64.b64decode(b64)))
    img.load()
    return img.convert(mode) if mode else img
