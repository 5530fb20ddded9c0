"""An engine whose write the PostgreSQL server ends for its silence inside it (SQLSTATE 25P03,
idle_in_transaction_session_timeout: the engine's process stalled mid-write — a suspended VM,
a thread holding the interpreter) recovers as from a server gone away: it stalls once (one
log line, saying the server ended its session for its silence; one notification, no
traceback), holds its writes, opens a new session and fires on.
The silence a write may keep is shortened to 1 ms, and this test's thread holds the
interpreter in long slices meanwhile, so the engine's writer falls silent mid-write."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from app.engine.engine import Engine
from app.engine.events import Notification
from app.service import Service
from app.store import backend, connection
from app.store.database import Store
from tests.conftest import command_task
from tests.engine.conftest import Recorder, wait_until


@pytest.fixture
def pg_store(home: Path, pg_url: str) -> Iterator[Store]:
    store = Store.open(home, url=pg_url)
    yield store
    store.close()


def _ended_sessions(pg_url: str) -> int:
    """Sessions to the test's database the server ended with a FATAL (25P03 among them)."""
    with psycopg.connect(pg_url, autocommit=True) as con:
        row = con.execute("SELECT sessions_fatal FROM pg_stat_database "
                          "WHERE datname = current_database()").fetchone()
        assert row is not None
        return int(row[0] or 0)


def _stall_until_a_write_is_ended(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the interpreter in 10 ms slices, with 1 ms of silence allowed in a write, until
    the server has ended a session for it (at most 10 s), then give writes their time back."""
    before = _ended_sessions(pg_url)
    monkeypatch.setattr(connection, "LEASE", 0.001)
    monkeypatch.setattr(backend, "WRITE_SILENCE", 0.001)
    was = sys.getswitchinterval()
    sys.setswitchinterval(0.01)
    try:
        deadline = time.monotonic() + 10
        while _ended_sessions(pg_url) == before:
            assert time.monotonic() < deadline, "no write was ended for its silence"
            until = time.monotonic() + 0.5
            while time.monotonic() < until:
                pass
    finally:
        sys.setswitchinterval(was)
        monkeypatch.setattr(connection, "LEASE", 3.0)
        monkeypatch.setattr(backend, "WRITE_SILENCE", 30.0)


def test_an_engine_write_ended_for_its_silence_recovers_as_from_a_server_away(
        pg_store: Store, pg_url: str, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.INFO)
    service = Service(pg_store, "cli")
    service.create_task(command_task("tick", schedule={"kind": "interval", "seconds": 1}))
    chatty = service.create_task(command_task("chatty", action={  # (the writer kept busy)
        "kind": "command", "argv": ["sh", "-c", "while true; do echo line; sleep 0.005; done"]}))
    engine = Engine(pg_store, workers=4, metrics=False, backups=False)
    service.subscribe(engine.on_service_change)
    events = Recorder()
    engine.subscribe(events)
    try:
        engine.start()
        wait_until(lambda: service.list_runs(task="tick", status="succeeded"), 10)
        run_id = service.run_now(chatty.id).id
        wait_until(lambda: service.get_run(run_id).status == "running", 10)
        _stall_until_a_write_is_ended(pg_url, monkeypatch)
        wait_until(lambda: engine.state == "running", 10)
        last = max(r.id for r in service.list_runs(task="tick", limit=1000))
        wait_until(lambda: [r for r in service.list_runs(task="tick", limit=1000)
                            if r.id > last and r.status == "succeeded"], 10)  # it fires on
        assert service.get_run(run_id).status == "running"
    finally:
        engine.stop(grace=2)
    assert events.phases() in (["running", "stopped"],
                               ["running", "stalled", "running", "stopped"]), events.events
    titles = [n.title for n in events.of(Notification) if n.kind == "store"]
    assert "Tickwork cannot reach its store" not in titles  # (it could be reached)
    # (the server's word read between two statements, as here each time, is a server away;
    # read as a statement's answer it would fail one group commit, replayed write by write
    # on a new session, with its one traceback: never a loop)
    assert len([r for r in caplog.records if r.exc_info]) <= 1, "no traceback loop"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) <= 1, errors
    # the pause said as what it was: the server was there and ended the writer's session
    # (it said "the store's server cannot be reached (…: sending query failed: …)")
    assert all(f"{pg_store.name} ended this engine's session for staying silent inside a "
               "transaction too long (the process was stopped, or busy between two "
               "statements): firing paused" in e for e in errors), errors
    # said as a pause (and in a notification of its own words), or met as a statement's
    # answer (one replayed group commit, its one traceback): never said as nothing at all
    assert (errors and titles == ["Tickwork's store ended its session"]) or (
        not titles and [r for r in caplog.records if r.exc_info]), (errors, titles)
