"""cnndemo: draw a digit, pick SimpleCNN / AlexNet / VGG16, see the prediction and every layer.

Run ``python app.py`` (http://127.0.0.1:7860). Environment: ``CNNDEMO_PORT``,
``CNNDEMO_HOST``, ``CNNDEMO_PRECISION`` (auto|float32|mixed_bfloat16|mixed_float16).
"""

from __future__ import annotations

import os

from cnndemo.predictor import Predictor
from webui.ui import CSS, build_demo

predictor = Predictor.load(precision=os.environ.get("CNNDEMO_PRECISION", "auto"), allow_untrained=True)
demo = build_demo(predictor)
demo.queue(default_concurrency_limit=4, max_size=64)

if __name__ == "__main__":
    demo.launch(
        server_name=os.environ.get("CNNDEMO_HOST", "127.0.0.1"),
        server_port=int(os.environ.get("CNNDEMO_PORT", "7860")),
        max_file_size="20mb",
        css=CSS,
    )
