"""The Train tab's endpoint (/train) through gradio_client, against a running app.py."""

from __future__ import annotations

import time

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError


def client_for(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def test_a_short_training_runs_and_returns_its_metrics(app_url):
    client = client_for(app_url)
    job = client.submit("simplecnn", 1, 1000, 50, "adam", 0.002, "auto", api_name="/train")
    updates = list(job)
    status, summary = updates[-1][0], updates[-1][3]
    assert "Finished after 1,000 images" in status
    assert "test accuracy (10,000 images)" in summary
    accuracy = float(summary.split("**")[1].rstrip("%")) / 100  # the bold figure in the table
    assert 0.3 < accuracy <= 1.0  # far above chance (0.1) after 1,000 images
    assert len(updates) >= 2  # progress came before the result


@pytest.mark.parametrize(
    "arguments, message",
    [
        (("simplecnn", 1, 1000, 32, "adam", 0, "auto"), "Learning rate"),
        (("simplecnn", 1, 1000, 32, "adam", 1e9, "auto"), "Learning rate"),
        (("simplecnn", 1, 1000, 5000, "adam", 0.001, "auto"), "Batch size"),
        (("simplecnn", 1, 60001, 32, "adam", 0.001, "auto"), "60,000|maximum"),
    ],
    ids=["lr-0", "lr-1e9", "batch-5000", "images-60001"],
)
def test_bad_settings_are_refused_before_training(app_url, arguments, message):
    with pytest.raises(AppError, match=message):
        client_for(app_url).predict(*arguments, api_name="/train")


def test_a_second_training_is_refused_while_one_runs_and_its_owner_can_stop_it(app_url):
    owner, other = client_for(app_url), client_for(app_url)
    first = owner.submit("simplecnn", 1, 20000, 16, "adam", 0.001, "auto", api_name="/train")
    deadline = time.monotonic() + 60
    while not first.status().progress_data and time.monotonic() < deadline:  # wait until it trains
        time.sleep(0.2)
    with pytest.raises(AppError, match="Another training is running"):
        other.predict("simplecnn", 1, 1000, 32, "adam", 0.001, "auto", api_name="/train")
    assert "another user" in other.predict(api_name="/stop_training").lower()
    assert "Stopping" in owner.predict(api_name="/stop_training")
    final_status = first.result(timeout=60)[0]
    assert "Stopped after" in final_status
