"""The Space path: the app as app.py builds it, with a Hugging Face Space's environment,
answers a visitor as deploy/space_probe.py expects (deploy/space_check.sh does the same with
``python app.py`` from a fresh clone and a fresh virtual environment)."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import BUILDS_GRADIO_HERE, REPO_ROOT, app_in_process

pytestmark = [pytest.mark.server, pytest.mark.slow, BUILDS_GRADIO_HERE]  # the Space's app runs in this process


def test_a_space_serves_classifies_and_caps_training(tmp_path, shipped_predictor):
    spec = importlib.util.spec_from_file_location("space_probe", REPO_ROOT / "deploy" / "space_probe.py")
    space_probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(space_probe)
    with app_in_process(tmp_path, shipped_predictor, SPACE_ID="cnndemo/test", SPACE_HOST="localhost") as url:
        assert space_probe.probe(url) == []
