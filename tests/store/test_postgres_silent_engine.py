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
from app.engine.writer import Writer
from app.service import Service
from app.store import backend, connection
from app.store.database import Store
from app.store.integrity import UNREACHABLE
from app.store.models import Meta, set_meta
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
    assert events.phases() == ["running", "stalled", "running", "stopped"], events.events
    titles = [n.title for n in events.of(Notification) if n.kind == "store"]
    assert "Tickwork cannot reach its store" not in titles  # (it could be reached)
    # (the server's word read between two statements is a server away; read as a
    # statement's answer, the same: the test below) — no traceback, one line
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    # the pause said as what it was: the server was there and ended the writer's session
    # (it said "the store's server cannot be reached (…: sending query failed: …)")
    assert f"{pg_store.name} ended this engine's session for staying silent inside a " \
        "transaction too long (the process was stopped, or busy between two statements): " \
        "firing paused" in errors[0], errors
    assert titles == ["Tickwork's store ended its session"], titles


def test_a_write_batch_the_server_ends_as_its_statements_answer_is_held_and_committed(
        pg_store: Store, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's word read as a statement's answer (psycopg's 25P03, behind peewee's
    "Cannot rollback, database connection not open") was no fault: the batch was replayed
    write by write with a traceback, its first write failing anew as "server closed the
    connection unexpectedly" (seen in CI). It is a pause said as what it was, and the batch
    commits whole on a new session."""
    caplog.set_level(logging.INFO)
    said: list[tuple[str | None, bool]] = []
    writer = Writer(on_fault=lambda kind, _detail, silent: said.append((kind, silent)))
    writer.start()
    try:
        writer.submit(lambda: set_meta("warm", "1"))
        assert writer.flush()
        monkeypatch.setattr(backend, "WRITE_SILENCE", 0.2)
        tries: list[int] = []

        def slow_once() -> str:
            tries.append(1)
            if len(tries) == 1:
                time.sleep(0.8)  # silent in its transaction: the server ends the session
            backend.WRITE_SILENCE = 30.0  # (the try again has all its time)
            set_meta("slow", "written")
            return "done"

        results: list[object] = []
        writer.submit(slow_once, lambda result, error: results.append(result or error))
        writer.submit(lambda: set_meta("beside", "written"))  # (the same batch, or the next)
        assert writer.flush(timeout=15)
    finally:
        writer.stop()
    assert results == ["done"] and len(tries) == 2
    assert said == [(UNREACHABLE, True), (None, False)], said
    assert {m.key: m.value for m in Meta.select()}.keys() >= {"slow", "beside"}
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
    assert not [r for r in caplog.records if "replaying" in r.getMessage()]
