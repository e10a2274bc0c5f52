"""The Train tab's endpoint (/train) through gradio_client, against a running app.py."""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

# The server runs one training at a time: under xdist every test that trains on it runs in one worker.
pytestmark = [pytest.mark.server, pytest.mark.xdist_group("training")]


def client_for(url: str, language: str = "en") -> Client:
    return Client(url, verbose=False, analytics_enabled=False, download_files=False,
                  headers={"Accept-Language": language})


def test_a_short_training_runs_and_returns_its_metrics(app_url):
    client = client_for(app_url)
    job = client.submit("simplecnn", "mnist", 1, 1000, 50, "adam", 0.002, False, "auto", api_name="/train")
    updates = list(job)
    status, summary = updates[-1][0], updates[-1][3]
    assert "Finished after 1,000 images" in status
    assert "test accuracy (MNIST, 10,000 images)" in summary
    accuracy = float(summary.split("**")[1].rstrip("%")) / 100  # the bold figure in the table
    assert 0.3 < accuracy <= 1.0  # far above chance (0.1) after 1,000 images
    assert len(updates) >= 2  # progress came before the result


@pytest.mark.parametrize(
    "arguments, message",
    [
        (("simplecnn", "mnist", 1, 1000, 32, "adam", 0, False, "auto"), "learning rate"),
        (("simplecnn", "mnist", 1, 1000, 32, "adam", 1e9, False, "auto"), "learning rate"),
        (("simplecnn", "mnist", 1, 1000, 5000, "adam", 0.001, False, "auto"), "Batch size"),
        (("simplecnn", "mnist", 1, 60001, 32, "adam", 0.001, False, "auto"), "60,?000"),  # the slider (or the runner) refuses it
        (("simplecnn", "emnist", 1, 1000, 32, "adam", 0.001, False, "auto"), "emnist"),  # the radio refuses it
    ],
    ids=["lr-0", "lr-1e9", "batch-5000", "images-60001", "data-unknown"],
)
def test_bad_settings_are_refused_before_training(app_url, arguments, message):
    with pytest.raises(AppError, match=message):
        client_for(app_url).predict(*arguments, api_name="/train")


def test_a_refusal_speaks_the_callers_language(app_url):
    with pytest.raises(AppError, match="학습률은 0보다 크고"):
        client_for(app_url, "ko-KR").predict("simplecnn", "mnist", 1, 1000, 32, "adam", 0, False, "auto",
                                             api_name="/train")
