"""cnndemo: draw a digit, pick SimpleCNN / AlexNet / VGG16, see the prediction and every layer.

Run ``python app.py`` (http://127.0.0.1:7860). Every setting comes from the environment,
read once here: see :mod:`webui.settings` (and the README) for the variables.
"""

from __future__ import annotations

import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline kiosks: no calls home

from webui.memory import limit_malloc_arenas, start_malloc_trimmer  # noqa: E402  (light: ctypes only)

limit_malloc_arenas()  # before TensorFlow or Gradio start any thread

from webui.settings import Settings  # noqa: E402
from webui.ui import create_app, launch_options  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request of Gradio's own start-up checks
settings = Settings.from_env()
demo = create_app(settings)
start_malloc_trimmer()  # resident memory follows what is alive (webui/memory.py)

if __name__ == "__main__":
    demo.launch(**launch_options(settings))
