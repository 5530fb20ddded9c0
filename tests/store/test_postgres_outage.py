"""A PostgreSQL outage under a running engine is a state, not a traceback loop: the session's
real server is stopped (a fast shutdown: every connection dropped, the data kept) for a few
seconds under an engine firing every second, with a command running across the outage, and
started again on the same port. The engine stalls once (one log line naming the server
without its password, one notification, no traceback), holds its writes, and once the server
is back it is running again: the held writes land, missed fires are caught up, every thread
is alive. The CLI, meanwhile, says one line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.engine.engine import Engine
from app.engine.events import Notification
from app.service import Service
from app.store.database import Store
from faults.harness import poll_until
from tests.conftest import ROOT, command_task
from tests.engine.conftest import Recorder, wait_until
from tests.support import tickwork
from tests.support.postgres import PgServer
from tests.support.processes import stop

PASSWORD = "s3cret-pw"  # trust auth ignores it; Tickwork must never say it
THREADS = ("tickwork-writer", "tickwork-dispatcher", "tickwork-store", "tickwork-retention")


def with_password(url: str) -> str:
    return url.replace("postgres@", f"postgres:{PASSWORD}@", 1)


@pytest.fixture
def pg_store(home: Path, pg_url: str) -> Iterator[Store]:
    store = Store.open(home, url=with_password(pg_url))
    yield store
    store.close()


def test_an_outage_stalls_once_holds_the_writes_and_catches_up(
        pg_store: Store, pg_server: PgServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    service = Service(pg_store, "cli")
    service.create_task(command_task("tick", schedule={"kind": "interval", "seconds": 1},
                                     catch_up="once"))
    long = service.create_task(command_task("long", action={
        "kind": "command", "argv": ["sh", "-c", "echo before; sleep 1.5; echo after"]}))
    engine = Engine(pg_store, workers=4, metrics=False, backups=False)
    service.subscribe(engine.on_service_change)
    events = Recorder()
    engine.subscribe(events)
    try:
        engine.start()
        wait_until(lambda: service.list_runs(task="tick", status="succeeded"), 10)
        run_id = service.run_now(long.id).id
        wait_until(lambda: service.get_run(run_id).status == "running", 10)

        with pg_server.paused():  # the long run ends, and `tick` falls due, while away
            wait_until(lambda: engine.state == "stalled", 5)
            time.sleep(2.5)
            assert engine.state == "stalled"
        wait_until(lambda: engine.state == "running", 15)

        held = wait_until(lambda: service.get_run(run_id).status == "succeeded", 10)
        assert held and "after" in "".join(t for _s, _st, t in service.run_output(run_id))
        # (the lease on the store lapsed with the server too: fires that fell due between
        # the server's return and the lease's may be caught up apart, named for the lease)
        # (waited for by its reason: a start slow enough to miss tick's first fire catches
        # it up too, "missed while no engine ran" — a full run found only that one)
        away = "after the store's server could not be reached"
        caught = poll_until(lambda: [r for r in service.list_runs(task="tick", limit=1000)
                                     if r.trigger == "catch_up" and away in (r.reason or "")],
                            10)
        assert caught, [r.reason for r in service.list_runs(task="tick", limit=1000)]
        resumed_at = max(r.id for r in service.list_runs(task="tick", limit=1000))
        wait_until(lambda: [r for r in service.list_runs(task="tick", limit=1000)
                            if r.id > resumed_at and r.trigger == "schedule"
                            and r.status == "succeeded"], 10)  # it fires on, as before
        alive = {t.name for t in threading.enumerate() if t.is_alive()}
        assert set(THREADS) <= alive, "an engine thread died"
    finally:
        engine.stop(grace=2)

    # one pause, whatever its detail says on the way (the lease's lapse, then the server's
    # fault, each say it), then running again
    assert events.phases() == ["running", "stalled", "running", "stopped"], events.events
    assert [n.title for n in events.of(Notification)].count(
        "Tickwork cannot reach its store") == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert pg_store.name in errors[0].getMessage()
    assert "cannot be reached" in errors[0].getMessage()
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for step in ("lease on the store lapsed", "who leads it"):  # the leader's own, each once
        assert len([w for w in warned if step in w]) <= 1, warned
    assert not [r for r in caplog.records if r.exc_info], "no traceback while the server is away"
    said = caplog.text + "".join(n.message for n in events.of(Notification))
    assert PASSWORD not in said
    assert not [t for t in threading.enumerate() if t.name in THREADS and t.is_alive()]


def test_an_engine_started_while_the_server_is_away_waits_then_recovers(
        pg_store: Store, pg_server: PgServer, caplog: pytest.LogCaptureFixture) -> None:
    from app.store.models import RunRow

    caplog.set_level(logging.INFO)
    service = Service(pg_store, "cli")
    task = service.create_task(command_task("n", retries=0))
    at = datetime.now(UTC) - timedelta(hours=1)
    with pg_store.write():  # what a dead engine left running
        RunRow.create(task=task.id, scheduled_for=at, attempt=1, status="running",
                      trigger="schedule", queued_at=at, started_at=at, engine="dead:1:1")
    engine = Engine(pg_store, workers=2, metrics=False, backups=False)
    try:
        with pg_server.paused():
            assert engine.start() == "stalled"
        wait_until(lambda: engine.state == "running", 15)
        assert [r.status for r in service.list_runs(task="n")] == ["interrupted"]
    finally:
        engine.stop(grace=2)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and pg_store.name in errors[0].getMessage(), errors
    assert not [r for r in caplog.records if r.exc_info]


def test_the_cli_says_one_line_while_the_server_is_down(
        home: Path, pg_url: str, pg_server: PgServer) -> None:
    url = with_password(pg_url)
    with pg_server.paused():
        proc = tickwork.run(["--home", str(home), "--store", url, "task", "list"],
                            timeout=60, cwd=ROOT)
    assert proc.returncode == 1  # as for any store that cannot be opened
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr and PASSWORD not in proc.stderr
    assert f"cannot open the PostgreSQL store {pg_url}" in proc.stderr


def test_what_counts_as_the_server_away() -> None:
    import peewee as pw
    import psycopg
    from psycopg import errors

    from app.store.integrity import FULL, UNREACHABLE, fault_of

    away = [errors.AdminShutdown("terminating connection due to administrator command"),
            errors.CannotConnectNow("the database system is starting up"),
            errors.ConnectionFailure("connection failure"),
            psycopg.OperationalError("the connection is closed"),
            psycopg.OperationalError("connection failed: Connection refused"),
            psycopg.InterfaceError("cannot execute operations: the connection is in status 2")]
    for exc in away:
        assert fault_of(exc) == UNREACHABLE, exc
        assert fault_of(pw.OperationalError(exc, *exc.args)) == UNREACHABLE  # peewee's wrap
    # the server answers: a write lock not had in time, a cancelled statement, a conflict
    for exc in (errors.LockNotAvailable("lock timeout"), errors.QueryCanceled("cancel"),
                errors.UniqueViolation("duplicate key"),
                psycopg.InterfaceError("the cursor is closed")):
        assert fault_of(exc) is None, exc
    # the server's disk full is a full disk, as SQLite's is
    full = errors.DiskFull('could not extend file "base/1/2": No space left on device')
    assert fault_of(full) == FULL and fault_of(pw.OperationalError(full, *full.args)) == FULL
    # SQLite's words in a PostgreSQL error do not make the store damaged or full
    bad = errors.InvalidTextRepresentation('malformed array literal: "x"')
    assert fault_of(pw.DataError(bad, *bad.args)) is None


def test_connections_ask_tcp_to_notice_a_silent_network(pg_store: Store) -> None:
    """A network that drops packets (no reset, no close) would hold a thread in a read or a
    commit for TCP's minutes; each connection carries keepalives and a send timeout."""
    from app.store.models import db

    with pg_store.read():
        params = db.connection().info.get_parameters()
    assert params["keepalives"] == "1" and params["keepalives_idle"] == "5"
    assert params["keepalives_count"] == "3" and params["tcp_user_timeout"] == "15000"


def test_a_cli_command_whose_server_goes_away_mid_way_says_one_line(
        home: Path, pg_url: str, tmp_path: Path) -> None:
    """`task add` waits for the store's write lock (held here); its server connection is then
    ended by an administrator: one line naming the server, exit 1, nothing added."""
    import psycopg

    from app.store.backend import WRITE_LOCK

    url = with_password(pg_url)
    assert tickwork.run(["--home", str(home), "--store", url, "task", "list"],
                        timeout=60, cwd=ROOT).returncode == 0  # the schema exists
    with psycopg.connect(pg_url, autocommit=False) as holder, \
            (tmp_path / "out").open("w+") as out, (tmp_path / "err").open("w+") as err:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        proc = tickwork.start(["--home", str(home), "--store", url, "task", "add", "late",
                               "--command", "true", "--manual"], stdout=out, stderr=err)
        with psycopg.connect(pg_url, autocommit=True) as admin:
            def waiting() -> list[tuple[int]]:
                return admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'tickwork'"
                    " AND wait_event_type = 'Lock'").fetchall()
            (pid,), = wait_until(waiting, 30)
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert proc.wait(60) == 1
        holder.rollback()
        err.seek(0)
        text = err.read()
    assert text.count("\n") == 1, text
    assert f"the PostgreSQL store {pg_url} could not be reached mid-command" in text
    assert "Traceback" not in text and PASSWORD not in text
    listed = tickwork.run(["--home", str(home), "--store", url, "task", "list", "--json"],
                          timeout=60, cwd=ROOT)
    assert json.loads(listed.stdout) == []


def test_a_run_that_ended_while_the_server_was_away_is_recorded_after_a_stop_meanwhile(
        home: Path, pg_url: str, pg_server: PgServer, tmp_path: Path) -> None:
    """A run ends while the store's server is away, and the engine is stopped before it is
    back: the writes it held were dropped at the stop, so the next start found the run
    `running`, said its engine died, and ran it again. Its end is kept in the home (as a
    launcher keeps one when its engine is killed) and the next start records it as it
    ended, with its output: run once."""
    marks = tmp_path / "marks"
    env = {**os.environ, "TICKWORK_PACE": "0.1"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        done = tickwork.run(["--home", str(tmp_path / "cli"), "--store", pg_url, *args],
                            timeout=60, cwd=ROOT, env=env)
        assert done.returncode == 0, done.stderr
        return done

    def engine(log: Path) -> Any:
        with log.open("w") as err:
            return tickwork.start(["--home", str(home), "engine", "--store", pg_url, "--grace",
                                   "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=err)

    cli("task", "add", "job", "--shell", "--manual", "--retries", "1", "--retry-delay", "0",
        "--command", f"echo ran >> {marks}; echo before; sleep 1; echo after")
    first = engine(tmp_path / "first.log")
    try:
        wait_until(lambda: "engine running on" in (tmp_path / "first.log").read_text(), 30)
        cli("task", "run", "job")
        wait_until(lambda: marks.exists(), 10)
        with pg_server.paused():
            time.sleep(1.5)  # the run ends meanwhile
            stop(first, 60)  # (it tries to write for a while: grace + 15 s)
    finally:
        stop(first)
    second = engine(tmp_path / "second.log")
    try:
        wait_until(lambda: "run 1 of job: succeeded" in (tmp_path / "second.log").read_text(),
                   30)
    finally:
        stop(second)
    runs = json.loads(cli("run", "list", "--json").stdout)
    assert [(r["id"], r["status"]) for r in runs] == [(1, "succeeded")], runs
    assert marks.read_text() == "ran\n"  # once
    shown = cli("run", "show", "1", "--log").stdout
    assert "before" in shown and "after" in shown, shown
    for log in ("first.log", "second.log"):
        assert "Traceback" not in (tmp_path / log).read_text()
