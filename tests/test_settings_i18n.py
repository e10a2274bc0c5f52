"""Settings read once from the environment; the two languages' catalogues; message wording."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from cnndemo.messages import CODES, CnnDemoError, Message
from locales import LANGUAGES, catalogue, normalise, word
from webui.language import accept_language, request_language
from webui.settings import Settings, SettingsError

pytestmark = pytest.mark.unit
REPO_ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- settings

def test_defaults_without_any_variable():
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.precision, settings.training) == ("127.0.0.1", 7860, "auto", "on")
    assert not settings.kiosk and settings.language == "ko" and settings.kiosk_idle_s == 90


def test_every_variable_is_read():
    env = {"CNNDEMO_HOST": "0.0.0.0", "CNNDEMO_PORT": "8000", "CNNDEMO_PRECISION": "float32",
           "CNNDEMO_TRAINING": "off", "CNNDEMO_MAX_EPOCHS": "3", "CNNDEMO_MAX_TRAIN_IMAGES": "5000",
           "CNNDEMO_USER_WEIGHTS": "/tmp/w", "CNNDEMO_LANG": "en", "CNNDEMO_KIOSK": "1", "CNNDEMO_KIOSK_IDLE_S": "45",
           "CNNDEMO_KIOSK_HIDE": "train,language", "CNNDEMO_QUEUE_SIZE": "10", "CNNDEMO_CACHE_HOURS": "2"}
    s = Settings.from_env(env)
    assert (s.host, s.port, s.precision, s.training, s.max_epochs, s.max_train_images) == (
        "0.0.0.0", 8000, "float32", "off", 3, 5000)
    assert (str(s.user_weights), s.language, s.kiosk, s.kiosk_idle_s, s.kiosk_hide, s.queue_size, s.cache_hours) == (
        "/tmp/w", "en", True, 45, ("train", "language"), 10, 2.0)
    assert s.hides("train") and not s.hides("upload") and not s.training_enabled


def test_a_space_caps_training_and_its_server_variables_win():
    s = Settings.from_env({"SPACE_ID": "someone/cnndemo", "GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "7861",
                           "CNNDEMO_PORT": "9999"})
    assert (s.training, s.max_epochs, s.max_train_images) == ("capped", 3, 10_000)
    assert (s.host, s.port) == ("0.0.0.0", 7861)
    assert Settings.from_env({"SPACE_ID": "x", "CNNDEMO_TRAINING": "on"}).training == "on"  # the operator decides


@pytest.mark.parametrize("name, value", [
    ("CNNDEMO_PORT", "http"), ("CNNDEMO_PORT", "0"), ("CNNDEMO_PRECISION", "float8"), ("CNNDEMO_TRAINING", "maybe"),
    ("CNNDEMO_MAX_EPOCHS", "lots"), ("CNNDEMO_KIOSK", "sometimes"), ("CNNDEMO_KIOSK_HIDE", "train,everything"),
    ("CNNDEMO_LANG", "fr"), ("CNNDEMO_CACHE_HOURS", "-1"), ("CNNDEMO_KIOSK_IDLE_S", "1"),
])
def test_a_bad_value_names_its_variable(name, value):
    with pytest.raises(SettingsError) as error:
        Settings.from_env({name: value})
    assert error.value.code == "settings.bad_value" and error.value.params["name"] == name
    assert name in word(error.value.code, error.value.params, "en")


def test_nothing_else_reads_the_environment():
    readers = []
    for path in [*REPO_ROOT.glob("cnndemo/**/*.py"), *REPO_ROOT.glob("webui/**/*.py"), REPO_ROOT / "app.py"]:
        text = path.read_text()
        if re.search(r"os\.environ\.get|os\.getenv|environ\[", text) and path.name != "settings.py":
            readers.append(str(path.relative_to(REPO_ROOT)))
    assert readers == []


# ---------------------------------------------------------------- languages

def fields(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_keys():
    korean, english = catalogue("ko"), catalogue("en")
    assert sorted(set(korean) - set(english)) == [] and sorted(set(english) - set(korean)) == []
    for key in korean:
        assert fields(korean[key]) == fields(english[key]), key  # the same numbers in both
        assert korean[key].strip() and english[key].strip(), key


def test_every_package_code_is_worded_with_only_its_parameters():
    for lang in LANGUAGES:
        words = catalogue(lang)
        for code, params in CODES.items():
            assert code in words, (lang, code)
            assert fields(words[code]) <= set(params), (lang, code, fields(words[code]) - set(params))


def test_the_files_are_plain_json_sorted_nowhere_but_readable():
    for lang in LANGUAGES:
        json.loads((REPO_ROOT / "locales" / f"{lang}.json").read_text(encoding="utf-8"))


def test_wording_fills_in_numbers_and_setting_names():
    params = {"field": "batch_size", "low": 1, "high": 1024, "received": 0}
    assert word("train.whole_number", params, "en") == "Batch size must be a whole number from 1 to 1,024. Received: 0."
    assert word("train.whole_number", params, "ko").startswith("배치 크기")
    assert word("train.busy", {"model": "vgg16", "percent": 40, "minutes": 3}, "ko").count("40%") == 1


def test_errors_and_messages_are_worded_for_the_ui():
    from webui.i18n import say

    assert say(CnnDemoError("drawing.empty"), "en") == "The canvas is empty. Draw a digit (0–9)."
    assert say(Message("drawing.dot"), "ko").startswith("점 하나")
    assert "server log" in say(RuntimeError("boom"), "en")  # a bug is not shown to students as a traceback


@pytest.mark.parametrize("header, expected", [
    ("ko-KR,ko;q=0.9,en-US;q=0.8", "ko"), ("en-US,en;q=0.9,ko;q=0.8", "en"), ("fr-FR,fr;q=0.9,en;q=0.5", "en"),
    ("de-DE", None), ("", None), (None, None), ("en;q=0.2,ko;q=0.8", "ko"),
])
def test_accept_language_picks_the_preferred_of_ours(header, expected):
    assert accept_language(header) == expected


def test_the_query_parameter_wins_over_the_browser():
    class Request:
        query_params = {"lang": "en"}
        headers = {"accept-language": "ko-KR"}

    assert request_language(Request(), "ko") == "en"
    Request.query_params = {}
    assert request_language(Request(), "en") == "ko"
    assert request_language(None, "en") == "en"
    assert normalise("ko_KR") == "ko" and normalise("xx") == "ko"
