"""Point 6: a full disk is a state, not a loop. Reproduced without root by `PRAGMA
max_page_count` on the engine writer's own connection (SQLite then answers SQLITE_FULL
exactly as for a full disk)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest

from app.engine.events import Notification
from tests.conftest import command_task
from tests.engine.conftest import Recorder, wait_until
from tests.support.store_faults import fill_disk, free_disk, writer_connection


def test_full_disk_stalls_once_then_catches_up_and_loses_nothing(
        engine: Any, service: Any, events: Recorder, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    argv = ["sh", "-c", "head -c 30000 /dev/zero | tr '\\0' x"]
    service.create_task(command_task("chatty", schedule={"kind": "interval", "seconds": 1},
                                     catch_up="once", action={"kind": "command", "argv": argv}))
    engine.start()
    wait_until(lambda: len(service.list_runs(task="chatty", status="succeeded")) >= 2, 10)
    con = writer_connection(engine)
    fill_disk(con)

    wait_until(lambda: engine.state == "stalled", 15)
    committed = {r.id: r.status for r in service.list_runs(task="chatty", limit=1000)}
    # a fire falls due while the store cannot take them (the engine still knows it)
    wait_until(lambda: (nxt := engine.horizon.earliest()) is not None
               and nxt < datetime.now(UTC), 5)
    assert engine.state == "stalled"
    free_disk(con)
    wait_until(lambda: engine.state == "running", 40)

    caught = wait_until(lambda: [r for r in service.list_runs(task="chatty", limit=1000)
                                 if r.trigger == "catch_up"], 10)
    assert "after the store could not be written" in (caught[0].reason or "")
    after = {r.id: r for r in service.list_runs(task="chatty", limit=1000)}
    assert set(committed) <= set(after)  # nothing committed was lost

    assert events.phases() == ["running", "stalled", "running"], events.events  # one pause
    assert [n.title for n in events.of(Notification)].count(
        "Tickwork cannot write its store") == 1
    full = [r for r in caplog.records
            if r.levelno >= logging.ERROR and "cannot be written" in r.getMessage()]
    assert len(full) == 1 and "database or disk is full" in full[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info], "no traceback while the disk is full"
    assert "cannot rollback" not in caplog.text

    engine.stop(grace=2)
    check = sqlite3.connect(engine.store.path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()


def test_full_disk_at_start_up_stalls_then_recovers_the_dead_engines_runs(
        engine: Any, service: Any, store: Any, caplog: pytest.LogCaptureFixture) -> None:
    from datetime import timedelta

    from app.store.models import RunRow, db

    task = service.create_task(command_task("n", retries=0))
    start = datetime.now(UTC) - timedelta(hours=1)
    with store.write():
        for i in range(300):  # what a dead engine left running
            at = start + timedelta(seconds=i)
            RunRow.create(task=task.id, scheduled_for=at, attempt=1, status="running",
                          trigger="schedule", queued_at=at, started_at=at, engine="dead:1:1")
    box: list[Any] = []
    engine.post(lambda: box.append(db.connection()))  # runs first: the dispatcher's connection
    engine.post(lambda: fill_disk(box[0]))
    assert engine.start() == "stalled"
    assert {r.status for r in service.list_runs(task="n", limit=1000)} == {"running"}
    engine.post(lambda: free_disk(box[0]))
    wait_until(lambda: engine.state == "running", 40)
    runs = service.list_runs(task="n", limit=1000)
    assert len(runs) == 300 and {r.status for r in runs} == {"interrupted"}
    assert not [r for r in caplog.records if r.exc_info]
    full = [r for r in caplog.records
            if r.levelno >= logging.ERROR and "cannot be written" in r.getMessage()]
    assert len(full) == 1
