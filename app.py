"""cnndemo: draw a digit, pick SimpleCNN / AlexNet / VGG16, see the prediction and every layer.

Run ``python app.py`` (http://127.0.0.1:7860). Environment:

- ``CNNDEMO_HOST`` / ``CNNDEMO_PORT``: where to listen (default 127.0.0.1:7860; a Space sets
  ``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT``, which take precedence).
- ``CNNDEMO_PRECISION``: auto | float32 | mixed_bfloat16 | mixed_float16 for inference.
- ``CNNDEMO_TRAINING=off``: hide nothing, but refuse to train (kiosks, public Spaces).
- ``CNNDEMO_MAX_EPOCHS``, ``CNNDEMO_MAX_TRAIN_IMAGES``: caps for one training run.
- ``CNNDEMO_USER_WEIGHTS``: where "Save as default" writes (default ``user_weights/``).
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline kiosks: no calls home

from cnndemo.jobs import TrainingLimits, TrainingManager
from cnndemo.predictor import Predictor
from webui.train_tab import USER_WEIGHTS_DIR
from webui.ui import CSS, build_demo

predictor = Predictor.load(precision=os.environ.get("CNNDEMO_PRECISION", "auto"), allow_untrained=True)
predictor.add_saved(USER_WEIGHTS_DIR)
demo = build_demo(predictor, TrainingManager(TrainingLimits.from_env()))
demo.queue(default_concurrency_limit=4, max_size=64)

if __name__ == "__main__":
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", os.environ.get("CNNDEMO_HOST", "127.0.0.1")),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", os.environ.get("CNNDEMO_PORT", "7860"))),
        max_file_size="20mb",
        css=CSS,
    )
