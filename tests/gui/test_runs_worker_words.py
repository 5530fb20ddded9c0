"""A run a worker refused, unsigned, says so in its details in the worker's words, as data:
anyone who can write to the broker can push such a refusal (app/remote/genuine.py), and its
words were the run's error as they came — 2,000 characters, line breaks and a right-to-left
override that turned the words after it around. They are marked as the worker's, on one
line, escaped and bounded, in the window as in `run show` (tests/celery/test_broker_writers.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.gui.main_window import RUNS
from tests.gui.conftest import Gui, command_task
from tests.gui.test_runs_why_it_ended import _clicked, _error_row
from tests.support.redis import RedisServer, redis_server, redis_session

__all__ = ["redis_server", "redis_session"]


@pytest.fixture
def broker(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TICKWORK_BROKER", redis_server.url)
    monkeypatch.setenv("TICKWORK_CELERY_BEAT", "0.5")
    return redis_server.url


def test_a_refusal_pushed_through_the_broker_reads_as_the_workers_words(
        broker: str, gui: Gui, qtbot: Any) -> None:
    from app.remote.broker import redis_client
    from tests.celery.test_signed_jobs import waiting

    gui.service.create_task(command_task("waits", ["true"], runs_on="celery"))
    gui.window.show_view(RUNS)
    run = gui.service.run_now("waits")  # no worker takes it: a refusal fails it
    gui.wait_until(lambda: waiting(broker), 15)
    reply = waiting(broker)[0][1]["reply"]
    gui.wait_until(lambda: gui.service.get_run(run.id).celery_id, 5)
    celery_id = gui.service.get_run(run.id).celery_id
    words = "not run: \x1b[2J\u202edesrever\nfake: line" + "x" * 5000
    redis_client(broker).rpush(reply, json.dumps(
        ["done", celery_id, run.id, 1, "failed", None, words, None, None, None]))
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "failed", 15)
    _clicked(gui, qtbot, run.id)
    gui.wait_until(lambda: _error_row(gui)[1] != "—", 5)
    label, text = _error_row(gui)
    assert label == "Error"
    assert text.startswith("refused by a worker, in its words (unsigned): “not run: \\x1b[2J"
                           "\\u202edesrever\\nfake: linexxx"), text
    assert text.endswith("x…”") and len(text) < 600, len(text)
    assert "\n" not in text and "\u202e" not in text and "\x1b" not in text
