"""A task says where it runs (`runs_on`): validated in one line naming the field, stored,
shown, exported and imported, and added to older stores by the version-4 migration (SQLite
and PostgreSQL)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import ValidationError
from app.core.placement import celery_queue, parse_runs_on
from app.store.models import SCHEMA_VERSION, db
from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.postgres import free_port, pg_server, pg_url
from tests.support.processes import stop
from tests.support.redis import RedisServer, redis_binary, redis_server, redis_session

__all__ = ["pg_server", "pg_url", "redis_server", "redis_session"]


def test_runs_on_values_and_their_queues() -> None:
    assert parse_runs_on(None) == "local"
    assert parse_runs_on(" celery ") == "celery"
    assert parse_runs_on("celery:fast-1") == "celery:fast-1"
    assert (celery_queue("local"), celery_queue("celery"), celery_queue("celery:q")) == (
        None, "tickwork", "q")
    for bad in ("remote", "celery:", "celery:a b", 3):
        with pytest.raises(ValidationError, match=r"^runs_on: "):
            parse_runs_on(bad)


def test_the_cli_sets_shows_and_refuses_runs_on(cli: Any) -> None:
    made = cli("task", "add", "job", "--command", "echo hi", "--runs-on", "celery:fast",
               "--no-verify")
    assert made.code == 0, made.err
    assert cli("task", "show", "job", "--json").json()["runs_on"] == "celery:fast"
    assert "runs on: celery:fast" in cli("task", "show", "job").out
    for bad in ("elsewhere", "celery:two words"):
        refused = cli("task", "update", "job", "--runs-on", bad)
        assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
        assert refused.err.startswith("tickwork: error: runs-on: ")
    assert cli("task", "show", "job", "--json").json()["runs_on"] == "celery:fast"  # unchanged
    py = cli("task", "add", "py", "--python", "os:getcwd", "--runs-on", "celery", "--no-verify")
    assert py.code == 0, py.err  # a Python action runs on a worker too (test_python_runs.py)
    assert cli("task", "delete", "py").code == 0
    assert cli("task", "update", "job", "--runs-on", "local").code == 0
    listed = cli("task", "list", "--json").json()
    assert [t["runs_on"] for t in listed] == ["local"]


def test_export_and_import_keep_runs_on(cli: Any, tmp_path: Path) -> None:
    assert cli("task", "add", "job", "--command", "true", "--runs-on", "celery").code == 0
    out = tmp_path / "tasks.json"
    assert cli("export", str(out)).code == 0
    other = tmp_path / "other"
    done = cli("--home", str(other), "import", str(out))
    assert done.code == 0, done.err
    shown = cli("--home", str(other), "task", "show", "job", "--json")
    assert shown.json()["runs_on"] == "celery"


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_a_version_3_store_gains_runs_on_and_celery_id(home: Path, where: str,
                                                       request: pytest.FixtureRequest) -> None:
    from app.service import Service
    from app.store.database import Store
    from app.store.models import RunRow

    url: str | None = None if where == "sqlite" else request.getfixturevalue("pg_url")
    st = Store.open(home, url=url)
    Service(st, "cli").create_task({"name": "old", "timezone": "UTC",
                                    "action": {"kind": "command", "argv": ["true"]}})
    with st.write():  # back to what version 3 left
        db.execute_sql('ALTER TABLE "task" DROP COLUMN "runs_on"')
        db.execute_sql('ALTER TABLE "run" DROP COLUMN "celery_id"')
        db.execute_sql("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    st.close()
    st = Store.open(home, url=url)
    try:
        svc = Service(st, "cli")
        assert svc.get_task("old").spec.runs_on == "local"
        (version,) = db.execute_sql(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert int(version) == SCHEMA_VERSION >= 4
        task = svc.get_task("old")
        svc.update_task(task.id, {"runs_on": "celery:q"})
        assert svc.get_task("old").spec.runs_on == "celery:q"
        run = svc.run_now(task.id)
        RunRow.update(celery_id="abc").where(RunRow.id == run.id).execute()
        assert svc.get_run(run.id).to_json()["celery_id"] == "abc"
    finally:
        st.close()


def test_worker_and_engine_refuse_a_bad_broker_or_queue_in_one_line(cli: Any) -> None:
    for args, field in ((("worker", "--broker", "http://127.0.0.1/"), "broker"),
                        (("worker", "--queue", "two words"), "queue"),
                        (("worker", "--concurrency", "0"), "concurrency"),
                        (("engine", "--broker", "amqp://127.0.0.1//"), "broker"),
                        (("worker", "--broker", "redis://:pw-1@127.0.0.1:notaport/0"), "broker"),
                        (("engine", "--broker", "redis://:pw-1@127.0.0.1:6379/zero"), "broker"),
                        (("worker", "--broker", "redis://:p/w-1@[::1:6379/0"), "broker")):
        refused = cli(*args)
        assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
        assert refused.err.startswith(f"tickwork: error: {field}: "), refused.err
        assert "pw-1" not in refused.err and "w-1" not in refused.err
    # it said "queue: queue 'two words': use letters, …"
    assert cli("worker", "--queue", "two words").err == (
        "tickwork: error: queue: 'two words' is not a queue name: use letters, digits, '.', "
        "'_' or '-' (at most 64)\n")


def _broker_warnings(cli: Any, home: Path, tmp_path: Path, env: dict[str, str],
                     worker_url: str, engine_url: str
                     ) -> tuple[dict[str, list[str]], dict[str, Path]]:
    """A worker and an engine started on these broker URLs, the task "far" run: what each
    warned of its broker ("worker", "engine": the lines after WARNING), and their logs."""
    logs = {side: tmp_path / f"{side}.log" for side in ("worker", "engine")}
    procs = []
    try:
        for side, args in (("worker", ["worker", "--broker", worker_url, "--concurrency", "1"]),
                           ("engine", ["engine", "--broker", engine_url, "--grace", "1"])):
            with logs[side].open("w") as out:
                procs.append(tickwork.start(["--home", str(home), *args], env=env, cwd=ROOT,
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=out))
        wait_until(lambda: "engine running" in logs["engine"].read_text(), 60)
        assert cli("task", "run", "far").code == 0
        said = {side: wait_until(lambda side=side: [  # type: ignore[misc]
            line.split(f"WARNING tickwork.{side}: ", 1)[1]
            for line in logs[side].read_text().splitlines()
            if f"WARNING tickwork.{side}: " in line and "broker" in line], 60)
            for side in logs}
    finally:
        for proc in procs:
            stop(proc, 15)
    return said, logs


def test_a_broker_that_refuses_the_password_is_said_as_such_not_as_an_outage(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """README: "bind it … with a password (`requirepass`) and use redis://:PASSWORD@HOST…".
    A worker given none, and an engine given a wrong one, said "the broker … is unreachable
    (AuthenticationError: …): retrying until it is back" — it never comes back by itself."""
    server = RedisServer(redis_binary(), password="R3disPw")
    env = {**os.environ, "TICKWORK_CELERY_BEAT": "0.5", "TICKWORK_PACE": "0.1"}
    env.pop("TICKWORK_BROKER", None)
    wrong = server.url.replace("redis://", "redis://:Wr0ngPw@", 1)
    assert cli("task", "add", "far", "--command", "true", "--manual",
               "--runs-on", "celery").code == 0
    try:
        said, logs = _broker_warnings(cli, home, tmp_path, env, server.url, wrong)
    finally:
        server.close()
    help_ = ("give Redis's password (its requirepass) in the broker URL (--broker or "
             "$TICKWORK_BROKER): redis://:PASSWORD@HOST:PORT/DB")
    assert said["worker"] == [
        f"the broker {server.url} refuses this worker (AuthenticationError: Authentication "
        f"required.): {help_}; retrying until it lets the worker in"], said
    assert said["engine"] == [
        f"the Celery broker {server.url.replace('redis://', 'redis://***@')} refuses this "
        f"engine (AuthenticationError: invalid username-password pair or user is disabled.): "
        f"{help_}; runs on Celery wait until it lets the engine in"], said
    for text in (logs["worker"].read_text(), logs["engine"].read_text()):
        assert "is unreachable" not in text and "Wr0ngPw" not in text and "R3disPw" not in text


def test_a_broker_url_to_a_server_that_is_not_redis_is_said_as_such(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """A broker URL whose port is another server's, one that answers in its own protocol
    (SSH's greeting here): worker and engine said "the broker … is unreachable
    (InvalidResponse: Protocol Error: …): retrying until it is back" — it never is."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def greet() -> None:
        while True:
            try:
                con, _ = server.accept()
            except OSError:  # the test is over
                return
            with contextlib.suppress(OSError), con:
                con.sendall(b"SSH-2.0-OpenSSH_9.2p1\r\n")
                con.recv(64)

    threading.Thread(target=greet, daemon=True).start()
    url = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    env = {**os.environ, "TICKWORK_CELERY_BEAT": "0.5", "TICKWORK_PACE": "0.1"}
    env.pop("TICKWORK_BROKER", None)
    assert cli("task", "add", "far", "--command", "true", "--manual",
               "--runs-on", "celery").code == 0
    try:
        said, logs = _broker_warnings(cli, home, tmp_path, env, url, url)
    finally:
        server.close()
    why = "InvalidResponse: Protocol Error: b'SSH-2.0-OpenSSH_9.2p1'"
    help_ = "is that Redis's port? (the broker URL: --broker or $TICKWORK_BROKER)"
    assert said["worker"] == [f"the broker {url} does not answer as Redis does ({why}): "
                              f"{help_}; retrying until it does"], said
    assert said["engine"] == [f"the Celery broker {url} does not answer as Redis does ({why}): "
                              f"{help_}; runs on Celery wait until it does"], said
    note = cli("run", "show", "1", "--json").json()["reason"]  # where a person looks
    assert note == (f"not sent yet: the Celery broker {url} does not answer as Redis does (is "
                    "that Redis's port?): it is sent once it does; the engine stopped before "
                    "it started: the next start runs it"), note
    for text in (logs["worker"].read_text(), logs["engine"].read_text()):
        assert "is unreachable" not in text and "Traceback" not in text


def test_readmes_commands_run_a_task_on_a_worker_of_its_queue(
        cli: Any, home: Path, tmp_path: Path, redis_server: RedisServer) -> None:
    """README's own commands, each in its own process: `task update NAME --runs-on
    celery:QUEUE`, `tickwork worker --broker URL --queue QUEUE --concurrency 4`, `tickwork
    engine --broker URL` (no $TICKWORK_BROKER: the options carry it), then `run show N` says
    the run's `celery id` (`celery_id` in its --json) and the output the worker captured."""
    env = {**os.environ, "TICKWORK_CELERY_BEAT": "0.5", "TICKWORK_PACE": "0.1"}
    env.pop("TICKWORK_BROKER", None)
    assert cli("task", "add", "remote", "--command", "sh -c 'echo from-worker; exit 3'",
               "--manual").code == 0
    moved = cli("task", "update", "remote", "--runs-on", "celery:reports")
    assert moved.code == 0, moved.err
    assert "runs on: celery:reports" in cli("task", "show", "remote").out
    logs = {side: tmp_path / f"{side}.log" for side in ("worker", "engine")}
    procs = []
    try:
        for side, args in (("worker", ["worker", "--broker", redis_server.url, "--queue",
                                       "reports", "--concurrency", "4", "--name", "w@readme"]),
                           ("engine", ["engine", "--broker", redis_server.url, "--grace", "1"])):
            with logs[side].open("w") as out:
                procs.append(tickwork.start(["--home", str(home), *args], env=env, cwd=ROOT,
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=out))
        wait_until(lambda: "w@readme ready." in logs["worker"].read_text()
                   and "engine running" in logs["engine"].read_text(), 60)
        ran = cli("task", "run", "remote", "--wait", "60s", timeout=90)
        assert ran.code == 1 and ran.out.endswith("run 1 of 'remote': failed (exit code 3)\n"), ran
        shown = cli("run", "show", "1", "--log")
        as_json = cli("run", "show", "1", "--json").json()
    finally:
        for proc in procs:
            stop(proc, 15)
    celery_id = as_json["celery_id"]
    assert celery_id and as_json["exit_code"] == 3, as_json
    assert f"   celery id: {celery_id}" in shown.out.splitlines(), shown.out
    assert "from-worker" in shown.out
    assert celery_id in logs["worker"].read_text()  # the worker of that queue ran it


def test_a_run_waiting_for_its_broker_when_the_engine_stops_runs_at_the_next_start(
        cli: Any, home: Path, tmp_path: Path, redis_server: RedisServer) -> None:
    """README: "Broker down: runs wait `queued` and are sent when it is back". An engine
    stopped meanwhile ended such a run `interrupted` — "the engine stopped while this run was
    running", a start time set — though no worker ever had it, and (no retries) it never
    ran; a local run not started is given back to the next start. Now this one is too."""
    env = {**os.environ, "TICKWORK_CELERY_BEAT": "0.5", "TICKWORK_PACE": "0.1"}
    env.pop("TICKWORK_BROKER", None)
    assert cli("task", "add", "later", "--command", "echo sent-at-last", "--manual",
               "--runs-on", "celery").code == 0

    def engine(broker: str, log: Path) -> Any:
        with log.open("w") as out:
            return tickwork.start(["--home", str(home), "engine", "--broker", broker,
                                   "--grace", "1"], env=env, cwd=ROOT,
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=out)

    away = redis_server.url.replace(str(redis_server.port), str(free_port()))
    first = engine(away, tmp_path / "first.log")
    try:
        wait_until(lambda: "engine running" in (tmp_path / "first.log").read_text(), 60)
        assert cli("task", "run", "later").code == 0
        wait_until(lambda: "not sent yet" in cli("run", "show", "1").out, 30)
    finally:
        stop(first, 15)
    shown = cli("run", "show", "1", "--json").json()
    assert (shown["status"], shown["started_at"]) == ("queued", None), shown
    assert "while this run was running" not in shown["reason"], shown
    procs = []
    try:
        with (tmp_path / "worker.log").open("w") as out:
            procs.append(tickwork.start(["--home", str(home), "worker", "--broker",
                                         redis_server.url, "--concurrency", "1"], env=env,
                                        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=out))
        procs.append(engine(redis_server.url, tmp_path / "second.log"))
        try:
            done = wait_until(lambda: (r := cli("run", "show", "1", "--json").json())[
                "status"] not in ("queued", "running") and r, 60)
        except TimeoutError:  # (what each said, for a failure under load)
            raise AssertionError((cli("run", "show", "1").out, *(
                (tmp_path / f"{name}.log").read_text()[-3000:]
                for name in ("first", "second", "worker")))) from None
    finally:
        for proc in procs:
            stop(proc, 15)
    assert done["status"] == "succeeded", done
    assert [r["id"] for r in cli("run", "list", "--json").json()] == [1]  # no other attempt
    assert "sent-at-last" in cli("run", "show", "1", "--log").out
