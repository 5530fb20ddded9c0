"""A storm of failures on the desktop (app/engine/storm.py): the first few runs get a
bubble each, the rest one summary at the end of the window, kept up to date in place while
the storm goes on; a quiet window ends it. Every failure is told: in a bubble of its own or
counted in the summary, also those the notifier's full queue could not keep.

A real `tickwork engine` (its window 3 s at the tests' pace, 30 s at a person's) and the
tests' notification server on a private bus; the bounded queue with the notifier itself,
its server holding its reply as a hung one does."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from app.engine.events import EventHub, Notification
from app.engine.notifier import Notifier
from app.engine.storm import BUDGET
from faults.harness import wait_until
from tests.notify.test_engine_notifies import engine_on_bus
from tests.support.dbus_session import Call, NotificationServer

__all__ = ["engine_on_bus"]  # the fixture

TASKS = ("backup", "sync", "mail", "fetch")
SUMMARY = re.compile(r"(\d+) more runs? failed")
BODY = re.compile(r"(backup|sync|mail|fetch)( ×\d+)?(, (backup|sync|mail|fetch)( ×\d+)?)*")


def _summaries(calls: list[Call]) -> list[Call]:
    return [c for c in calls if SUMMARY.fullmatch(c.summary)]


def test_tasks_failing_every_second_are_five_bubbles_then_one_summary_kept_up_to_date(
        cli: Any, engine_on_bus: Any, notification_server: NotificationServer) -> None:
    for name in TASKS:  # eight failures a second
        assert cli("task", "add", name, "--command", "false", "--every", "1s").code == 0
    engine = engine_on_bus()
    wait_until(lambda: len(_summaries(notification_server.seen())) >= 3, timeout=60)
    for name in TASKS:
        assert cli("task", "pause", name).code == 0
    engine.wait_for("notification storm over")  # a quiet window (3 s here)
    calls = notification_server.seen()
    summaries = _summaries(calls)
    own = [c for c in calls if c not in summaries]
    assert calls[:BUDGET] == own  # a bubble of their own: the first five only
    assert all(c.summary.split()[0] in TASKS and c.summary.endswith(" failed") for c in own)
    assert all(c.replaces == 0 and c.actions[0::2] == ["default", "open", "retry"]
               for c in own)
    first = summaries[0]
    assert first.replaces == 0 and first.hints["urgency"] == ("y", 2)
    assert all((c.replaces, c.id) == (first.id, first.id) for c in summaries[1:])
    assert first.actions[0::2] == ["default", "open"]  # Open log: the newest of them
    counts = [int(SUMMARY.fullmatch(c.summary).group(1)) for c in summaries]  # type: ignore
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert all(BODY.fullmatch(c.body) for c in summaries), [c.body for c in summaries]
    assert [c.id for c in notification_server.showing.values()
            if SUMMARY.fullmatch(c.summary)] == [first.id]  # one summary on the screen
    # nothing lost: each failed run is a bubble of its own or counted in the last summary
    failed = len(cli("run", "list", "--status", "failed", "--limit", "1000", "--json").json())
    assert failed == BUDGET + counts[-1]

    # the storm is over: a failure has a bubble of its own again
    assert cli("task", "run", "backup").code == 0
    wait_until(lambda: len(notification_server.seen()) > len(calls), timeout=20)
    assert engine.stop() == 0
    [after] = notification_server.seen()[len(calls):]
    assert (after.summary, after.replaces) == ("backup failed", 0)
    log = engine.text()
    assert log.count("notification storm:") == 1 and "Traceback" not in log, log


def test_a_server_that_does_not_answer_fills_the_queue_and_the_summary_counts_the_rest(
        session_bus: str, store: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """500 failures at once while the server holds its reply to the first bubble: the queue
    keeps 10 (a bound of 1000 in the engine), the other 489 are counted, by task, and the
    summary says all 495 not shown on their own."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    hold = threading.Event()
    server = NotificationServer(session_bus, hold=hold)
    hub = EventHub()
    notifier = Notifier(store, hub, pace=0.05, inbox=10)  # a window of 1.5 s
    notifier.start()
    try:
        wait_until(lambda: notifier.desktop, 20)
        for run_id in range(1, 501):  # a full disk at the top of the hour
            task = "backup" if run_id % 5 else "sync"
            hub.emit(Notification("failure", f"{task} failed", "No space left on device",
                                  run_id, 1, task=task))
        wait_until(server.seen, 20)
        assert len(server.seen()) == 1  # the first bubble, its reply held
        hold.set()
        calls = wait_until(lambda: server.seen()[BUDGET:] and server.seen(), timeout=20)
    finally:
        notifier.stop()
        server.close()
    assert [c.summary for c in calls[:BUDGET]] == ["backup failed"] * 4 + ["sync failed"]
    [summary] = calls[BUDGET:]
    assert summary.summary == "495 more runs failed"
    assert summary.body == "backup ×396, sync ×99"
    assert any("notification queue is full (10)" in r.getMessage() for r in caplog.records)
