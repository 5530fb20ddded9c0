"""A PostgreSQL store through the user's door: the real CLI as a subprocess with `--store`
(and `$TICKWORK_STORE`) changing and reading tasks, a real `tickwork engine --store` running a
command and a Python task to `succeeded`, and the one-line refusals: a bad URL (exit 2), an
unreachable server (exit 1), the SQLite-only commands."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faults.harness import wait_until
from tests.conftest import ROOT, CliResult
from tests.support import tickwork
from tests.support.processes import stop


@pytest.fixture
def pg_cli(home: Path, pg_url: str) -> Any:
    """The real CLI on the test's PostgreSQL database (home: this machine's own files)."""

    def run(*args: str, env: dict[str, str] | None = None, store: bool = True) -> CliResult:
        proc = tickwork.run(["--home", str(home), *(["--store", pg_url] if store else []),
                             *args], timeout=60, cwd=ROOT, env={**os.environ, **(env or {})})
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


def test_tasks_are_added_listed_shown_updated_and_deleted_on_postgres(
        pg_cli: Any, pg_url: str, home: Path) -> None:
    assert pg_cli("task", "add", "backup", "--command", "echo hi", "--every", "1h").code == 0
    assert pg_cli("task", "add", "report", "--command", "true", "--manual").code == 0
    listed = pg_cli("task", "list", "--json").json()
    assert [t["name"] for t in listed] == ["backup", "report"]
    shown = pg_cli("task", "show", "backup", "--json").json()
    assert shown["schedule"]["kind"] == "interval" and shown["next_run_at"]
    updated = pg_cli("task", "update", "backup", "--priority", "4")
    assert updated.code == 0, updated.err
    assert pg_cli("task", "show", "backup", "--json").json()["priority"] == 4
    assert pg_cli("task", "delete", "report").code == 0
    # $TICKWORK_STORE chooses the same store; the SQLite file under the home was never made
    by_env = pg_cli("task", "list", "--json", store=False, env={"TICKWORK_STORE": pg_url})
    assert [t["name"] for t in by_env.json()] == ["backup"]
    assert not (home / "tickwork.db").exists()
    assert pg_cli("audit", "--verify").code == 0


def test_a_bad_store_url_is_one_line_naming_the_option(pg_cli: Any, home: Path) -> None:
    for url in ("mysql://me@host/db", "postgresql://me@host", "not a url"):
        result = pg_cli("--store", url, "task", "list", store=False)
        assert result.code == 2 and result.out == ""
        assert result.err.count("\n") == 1 and "--store" in result.err, result.err
    bad_env = pg_cli("task", "list", store=False, env={"TICKWORK_STORE": "sqlite:///x.db"})
    assert bad_env.code == 2 and "TICKWORK_STORE" in bad_env.err
    assert bad_env.err.count("\n") == 1
    window = pg_cli("--store", "mysql://me@host/db", store=False)  # the window, before Qt
    assert window.code == 2 and "--store" in window.err and window.err.count("\n") == 1
    assert not (home / "tickwork.db").exists()


def test_an_unreachable_server_is_one_line_and_exit_1(pg_cli: Any) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = pg_cli("--store", f"postgresql://tickwork@127.0.0.1:{port}/nowhere",
                    "task", "list", store=False)
    assert result.code == 1
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert "cannot open the PostgreSQL store postgresql://tickwork@127.0.0.1" in result.err
    # with libpq's hint, which the line's first part alone lost
    assert "Connection refused. Is the server running on that host" in result.err, result.err
    # a password in the URL never appears in what Tickwork says
    result = pg_cli("--store", f"postgresql://tickwork:hunter2@127.0.0.1:{port}/nowhere",
                    "task", "list", store=False)
    assert result.code == 1 and "hunter2" not in result.err + result.out, result.err
    assert "postgresql://tickwork@127.0.0.1" in result.err


def test_another_kind_of_server_on_the_port_is_named_as_such(pg_cli: Any) -> None:
    """A store URL whose port is another server's: one that waits for a command of its own
    (Redis, a web server) said only "connection timeout expired", after 10 s; one that
    answers at once, libpq's puzzlement at the answer. Each line now says what it means."""
    with socket.socket() as silent, socket.socket() as chatty:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)  # the kernel accepts; nothing ever answers
        chatty.bind(("127.0.0.1", 0))
        chatty.listen(4)

        def greet() -> None:  # an SSH server's greeting, then it hangs up (libpq tries
            while True:  # again without SSL)
                try:
                    con, _ = chatty.accept()
                except OSError:  # the test is over
                    return
                with con:
                    con.sendall(b"SSH-2.0-OpenSSH_9.2p1\r\n")
                    con.recv(64)

        thread = threading.Thread(target=greet, daemon=True)
        thread.start()
        ports = silent.getsockname()[1], chatty.getsockname()[1]
        waited = pg_cli("--store", f"postgresql://tickwork@127.0.0.1:{ports[0]}/tasks",
                        "task", "list", store=False)
        answered = pg_cli("--store", f"postgresql://tickwork@127.0.0.1:{ports[1]}/tasks",
                          "task", "list", store=False)
    assert waited.code == 1 and waited.err.count("\n") == 1, waited.err
    assert waited.err.endswith(
        f"connection timeout expired: nothing at 127.0.0.1:{ports[0]} answered as a PostgreSQL "
        "server does within 10 s (another kind of server on that port, or a firewall dropping "
        "the connection)\n"), waited.err
    assert answered.code == 1 and answered.err.count("\n") == 1, answered.err
    assert answered.err.endswith(f"what answers at 127.0.0.1:{ports[1]} is not a PostgreSQL "
                                 "server (is it the right port?)\n"), answered.err


@pytest.fixture
def pg_password_user(pg_server: Any, pg_url: str) -> Iterator[str]:
    """A role that must give its password over TCP (the session's server trusts the others),
    owning the test's database; its password is `s3cret-pw`."""
    import psycopg

    role = "tw_pw_" + pg_url.rsplit("_", 1)[1]
    hba = pg_server.data / "pg_hba.conf"
    before = hba.read_text()
    with pg_server.admin() as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 's3cret-pw'")
        admin.execute(f"ALTER DATABASE {pg_url.rsplit('/', 1)[1]} OWNER TO {role}")
        hba.write_text(f"host all {role} 127.0.0.1/32 scram-sha-256\n{before}")
        admin.execute("SELECT pg_reload_conf()")
    def asks() -> bool:  # the reloaded rule holds (the postmaster reads it on a signal)
        try:
            psycopg.connect(pg_url.replace("postgres@", f"{role}@", 1), connect_timeout=5,
                            passfile=os.devnull).close()
        except psycopg.OperationalError:
            return True
        return False

    try:
        wait_until(asks, 10)
        yield role
    finally:
        hba.write_text(before)
        with pg_server.admin() as admin:
            admin.execute("SELECT pg_reload_conf()")
        pg_server.drop_database(pg_url)
        with pg_server.admin() as admin:
            admin.execute(f"DROP ROLE IF EXISTS {role}")


def test_a_password_not_given_or_refused_says_where_it_goes(
        pg_cli: Any, pg_url: str, pg_password_user: str, tmp_path: Path) -> None:
    """A server that asks for a password said "fe_sendauth: no password supplied" (and a
    wrong one "password authentication failed"), not where Tickwork takes one from."""
    url = pg_url.replace("postgres@", f"{pg_password_user}@", 1)
    host, port, database = "127.0.0.1", url.rsplit(":", 1)[1].split("/")[0], url.rsplit("/", 1)[1]
    pgpass = tmp_path / "pgpass"
    env = {"PGPASSFILE": str(pgpass)}
    line = f"{host}:{port}:{database}:{pg_password_user}:PASSWORD"
    missing = pg_cli("--store", url, "task", "list", store=False, env=env)
    assert missing.code == 1 and missing.err.count("\n") == 1, missing.err
    assert missing.err.endswith(f"no password supplied: the server asks for a password: give "
                                f"it in {pgpass} (mode 0600), a line {line}\n"), missing.err
    pgpass.write_text(line.replace("PASSWORD", "wrong") + "\n")
    pgpass.chmod(0o600)
    wrong = pg_cli("--store", url, "task", "list", store=False, env=env)
    assert wrong.code == 1 and wrong.err.count("\n") == 1, wrong.err
    assert wrong.err.endswith(f"the server refused the password: give the right one in "
                              f"{pgpass} (mode 0600), a line {line}\n"), wrong.err
    assert "wrong" not in wrong.err.replace("the right one", "")
    pgpass.write_text(line.replace("PASSWORD", "s3cret-pw") + "\n")  # as README says
    pgpass.chmod(0o644)  # but others can read it: libpq skips it (its own warning aside)
    skipped = pg_cli("--store", url, "task", "list", store=False, env=env)
    assert skipped.code == 1, skipped.err
    assert skipped.err.endswith(f"no password supplied: the server asks for a password, and "
                                f"{pgpass} is not read: others can read it (`chmod 600 "
                                f"{pgpass}`)\n"), skipped.err
    pgpass.chmod(0o600)
    right = pg_cli("--store", url, "task", "list", "--json", store=False, env=env)
    assert right.code == 0 and right.json() == [], right.err


def test_sqlite_only_commands_name_the_tools_to_use(pg_cli: Any) -> None:
    for args in (("backup",), ("check",), ("restore", "/nonexistent")):
        result = pg_cli(*args)
        assert result.code == 1 and "pg_dump" in result.err, result.err
        assert result.err.count("\n") == 1


@pytest.fixture
def pg_engine(home: Path, pg_url: str, tmp_path: Path) -> Iterator[Any]:
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        proc = tickwork.start(["--home", str(home), "engine", "--store", pg_url, "--grace", "2"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
    yield lambda: log.read_text()
    stop(proc)
    assert "Traceback" not in log.read_text()


def test_an_engine_on_postgres_runs_a_command_and_a_python_task(
        pg_cli: Any, pg_engine: Any, tmp_path: Path) -> None:
    wait_until(lambda: "engine running" in pg_engine(), 30)
    out = tmp_path / "py.txt"
    assert pg_cli("task", "add", "hello", "--command", "echo hello from postgres").code == 0
    added = pg_cli("task", "add", "py", "--python", "tests.support.actions:append", "--kwargs",
                   json.dumps({"path": str(out), "text": "appended"}))
    assert added.code == 0, added.err
    for name in ("hello", "py"):
        started = pg_cli("task", "run", name, "--json")
        assert started.code == 0, started.err

    def finished() -> list[dict[str, Any]]:
        found = pg_cli("run", "list", "--json").json()
        return found if len(found) == 2 and all(r["status"] == "succeeded"
                                                for r in found) else []

    done = wait_until(finished, 30)
    by_name = {r["task_name"]: r for r in done}
    shown = pg_cli("run", "show", str(by_name["hello"]["id"]), "--log")
    assert "hello from postgres" in shown.out
    assert out.read_text() == "appended\n"


def test_a_connection_the_server_closed_is_opened_anew(home: Path, pg_url: str,
                                                      pg_server: Any) -> None:
    from app.service import Service
    from app.store.database import Store
    from app.store.models import db
    from tests.conftest import command_task

    store = Store.open(home, url=pg_url)
    try:
        service = Service(store, "cli")
        service.create_task(command_task("before"))
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        with pg_server.admin() as admin:  # as a server restart or a network cut would
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(Exception, match=r"terminat|closed|connection"):
            service.create_task(command_task("lost"))  # the statement in flight fails
        service.create_task(command_task("after"))  # the next one connects anew
        assert [t.spec.name for t in service.list_tasks()] == ["after", "before"]
        assert service.verify_audit().ok
    finally:
        store.close()


def test_a_write_commits_though_another_thread_found_the_server_away_meanwhile(
        home: Path, pg_url: str, pg_server: Any) -> None:
    """A write transaction is under way on one thread when another thread finds its own
    connection ended (a server restart, an administrator): every connection opened before is
    suspect from then on, but one inside a transaction is left to end it — its commit goes to
    the server, which commits it or fails it as away. Before, the commit found the
    connection "closed" by that rule and never sent it: after a restart of the server, the
    engine's writer logged a traceback ("Cannot commit, database connection not open") and
    replayed its batch one write at a time."""
    from app.service import Service
    from app.store.database import Store
    from app.store.models import db
    from tests.conftest import command_task

    def other() -> None:  # a thread whose connection the server ended
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        with pg_server.admin() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(Exception, match=r"terminat|closed|connection"):
            db.execute_sql("SELECT 1")
        db.execute_sql("SELECT 1")  # it connects anew, and says so to the other threads
        db.close()

    store = Store.open(home, url=pg_url)
    try:
        service = Service(store, "cli")
        with store.write():
            service.create_task(command_task("during"))
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
        assert [t.spec.name for t in service.list_tasks()] == ["during"]
        assert service.verify_audit().ok
    finally:
        store.close()


def _engine_on(home: Path, pg_url: str, env: dict[str, str],
               log: Path) -> subprocess.Popen[bytes]:
    """`tickwork --home HOME engine --store URL` in a process of its own (`engine stop` reads
    its command line), once it runs."""
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "--home", str(home), "engine", "--store", pg_url,
             "--grace", "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: "engine running" in log.read_text(), 60)
    except BaseException:
        stop(proc)
        raise
    return proc


def test_settings_says_how_to_stop_an_engine_on_postgres_and_that_stops_it(
        home: Path, pg_url: str, tmp_path: Path) -> None:
    """`tickwork --store URL settings` said "to stop it: tickwork engine stop" of the engine
    this home ran on the shared store; that command said "no engine is running for this
    home" (it looked at the home's SQLite file), and with --store "a shared store's engines
    run on their own machines: stop each where it runs" (exit 1) — on the machine it ran on."""
    import shlex

    env = {k: v for k, v in os.environ.items() if k != "TICKWORK_STORE"}
    proc = _engine_on(home, pg_url, env, tmp_path / "engine.log")
    try:
        said = tickwork.run(["--home", str(home), "--store", pg_url, "settings"], cwd=ROOT,
                            env=env, timeout=60).stdout
        line = next(x for x in said.splitlines() if x.strip().startswith("engine now:"))
        assert f"running (process {proc.pid})" in line and "to stop it: " in line, line
        command = line.split("to stop it: ", 1)[1].split(" (its runs")[0]
        assert command == f"tickwork --home {home} --store {pg_url} engine stop", line
        stopped = tickwork.run(shlex.split(command)[1:], cwd=ROOT, env=env, timeout=60)
        assert stopped.returncode == 0, stopped.stderr
        assert stopped.stdout.splitlines()[-1] == (
            "stopped: an engine waiting as a standby takes over, if one does"), stopped.stdout
        assert proc.wait(30) == 0
        again = tickwork.run(shlex.split(command)[1:], cwd=ROOT, env=env, timeout=60)
        assert (again.returncode, again.stdout) == (
            0, f"no engine leads {pg_url}: nothing to stop\n"), again
    finally:
        stop(proc)


def test_engine_stop_in_the_home_an_engine_on_postgres_was_started_from_stops_it(
        home: Path, pg_url: str, tmp_path: Path) -> None:
    """`tickwork engine stop`, not given the store again, in the home whose `tickwork engine
    --store URL` runs: it said "no engine is running for this home: nothing to stop" (exit
    0) and the engine ran on — it looked only at the home's SQLite file. The engine marks
    the home it was started from (`engine.shared`), and the stop finds and stops it."""
    env = {k: v for k, v in os.environ.items() if k != "TICKWORK_STORE"}
    proc = _engine_on(home, pg_url, env, tmp_path / "engine.log")
    try:
        stopped = tickwork.run(["--home", str(home), "engine", "stop"], cwd=ROOT, env=env,
                               timeout=60)
        assert (stopped.returncode, stopped.stderr) == (0, ""), stopped
        assert stopped.stdout == (
            f"asked the engine (process {proc.pid}) on the shared store {pg_url} to stop; its "
            "runs get a few seconds to finish…\n"
            "stopped: an engine waiting as a standby takes over, if one does\n")
        assert proc.wait(30) == 0
        assert "received SIGTERM: stopping" in (tmp_path / "engine.log").read_text()
        again = tickwork.run(["--home", str(home), "engine", "stop"], cwd=ROOT, env=env,
                             timeout=60)
        assert (again.returncode, again.stdout) == (
            0, "no engine is running for this home: nothing to stop\n"), again
    finally:
        stop(proc)


def test_readmes_move_from_the_sqlite_file_to_postgres(home: Path, pg_url: str,
                                                       tmp_path: Path) -> None:
    """README's steps, as written: `tickwork export tasks.json` from the SQLite store, then
    `export TICKWORK_STORE=postgresql://…` and `tickwork import tasks.json`: the same tasks on
    the server (schedules, a Python action, runs-on), the audit chain sound there, the file
    left as it was."""
    env = {k: v for k, v in os.environ.items() if k != "TICKWORK_STORE"}

    def cli(*args: str, store: str | None = None) -> CliResult:
        proc = tickwork.run(["--home", str(home), *args], cwd=tmp_path, timeout=60,
                            env={**env, **({"TICKWORK_STORE": store} if store else {})})
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    for args in (("nightly", "--command", "echo hi", "--cron", "0 2 * * *", "--retries", "2"),
                 ("report", "--python", "json:dumps", "--every", "15m", "--runs-on",
                  "celery:reports"),
                 ("manual", "--command", "true", "--manual")):
        added = cli("task", "add", *args)
        assert added.code == 0, added.err
    before = cli("task", "list", "--json").json()
    exported = cli("export", "tasks.json")
    assert exported.code == 0 and exported.out == "exported 3 tasks to tasks.json\n", exported
    imported = cli("import", "tasks.json", store=pg_url)
    assert imported.code == 0, imported.err
    assert imported.out == "imported 3 tasks: nightly, report, manual\n", imported.out
    on_server = cli("task", "list", "--json", store=pg_url).json()

    def same(tasks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(t["name"], t["schedule"], t["action"], t["retries"], t["runs_on"])
                for t in tasks]

    assert same(on_server) == same(before) and len(on_server) == 3
    assert cli("audit", "--verify", store=pg_url).code == 0
    assert cli("task", "list", "--json").json() == before  # the file is as it was


def test_a_server_with_no_connection_slot_left_is_one_line_and_exit_1(
        pg_cli: Any, home: Path, pg_url: str) -> None:
    """README: "A server with no slot left is said in PostgreSQL's words ("sorry, too many
    clients already"), in one line (exit 1) by the CLI and by an engine starting"."""
    import psycopg

    assert pg_cli("task", "add", "t", "--command", "true", "--manual").code == 0
    held = []
    try:
        while True:  # every slot the server has, the superusers' reserved ones too
            try:
                held.append(psycopg.connect(pg_url, application_name="filler"))
            except psycopg.OperationalError as exc:
                assert "too many clients" in str(exc), exc
                break
            assert len(held) < 1000
        listed = pg_cli("task", "list")
        started = subprocess.run(
            [sys.executable, "-m", "app.cli", "--home", str(home), "engine", "--store", pg_url],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
    finally:
        for con in held:
            con.close()
    for code, err in ((listed.code, listed.err), (started.returncode, started.stderr)):
        assert code == 1 and err.count("\n") == 1, err  # one line, nothing before it
        assert err.startswith("tickwork: error: cannot open the PostgreSQL store "), err
        assert err.rstrip().endswith("sorry, too many clients already"), err
    assert "t" in pg_cli("task", "list").out  # and all is as it was once a slot is free


def test_a_password_in_the_urls_query_is_never_shown_nor_remembered(
        pg_cli: Any, pg_url: str, home: Path, tmp_path: Path) -> None:
    """libpq takes a password as `?password=` too, and Tickwork passed it on, but showed it:
    in the line of a server it could not reach or a database it could not open, in the
    engine's log, in `tickwork settings`; and `settings --shared-store` remembered it. A URL
    refused for its scheme showed its password too, however written."""
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    away = pg_cli("--store", f"postgresql://tickwork@127.0.0.1:{port}/db?password=hunter2",
                  "task", "list", store=False)
    assert away.code == 1 and "Connection refused" in away.err, away.err
    no_db = pg_cli("--store", pg_url.rsplit("/", 1)[0] + "/nodb?sslmode=disable&password="
                   "hunter2", "engine", store=False)
    assert no_db.code == 1 and 'database "nodb" does not exist' in no_db.err, no_db.err
    assert "?sslmode=disable" in no_db.err  # the other parameters are still shown
    remembered = pg_cli("settings", "--shared-store", f"{pg_url}?password=hunter2",
                        store=False)
    assert remembered.code == 2 and "~/.pgpass" in remembered.err, remembered.err
    assert not (home / "store-url").exists()
    mistyped = pg_cli("--store", "postgressql://tickwork:hunter2@db/tasks", "task", "list",
                      store=False)
    assert mistyped.code == 2 and "'postgressql://tickwork@db/tasks' is not a PostgreSQL URL" \
        in mistyped.err, mistyped.err
    url = f"{pg_url}?password=hunter2"  # the tests' server trusts anyone: it is taken
    assert pg_cli("--store", url, "task", "list", store=False).code == 0
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        proc = tickwork.start(["--home", str(home), "engine", "--store", url, "--grace", "2"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: "engine running on" in log.read_text(), 30)
        shown = pg_cli("--store", url, "settings", store=False)
    finally:
        stop(proc)
    for said in (away.err, no_db.err, remembered.err, mistyped.err, log.read_text(),
                 shown.out + shown.err):
        assert "hunter2" not in said, said
    assert pg_url in log.read_text()


def test_an_engine_whose_password_is_refused_mid_way_says_so_and_where_it_goes(
        pg_cli: Any, pg_url: str, pg_password_user: str, pg_server: Any, home: Path,
        tmp_path: Path) -> None:
    """The password changed on the server (or in ~/.pgpass) while an engine runs: it kept
    saying only that the server "cannot be reached", the first line of the outage, while
    the server answered and refused its password at every retry. The refusal is said, once,
    with where the password goes, as the CLI says it; the engine goes on once it is right,
    saying it was let in (not that the server is back)."""
    url = pg_url.replace("postgres@", f"{pg_password_user}@", 1)
    port, database = url.rsplit(":", 1)[1].split("/")[0], url.rsplit("/", 1)[1]
    pgpass = tmp_path / "pgpass"
    line = f"127.0.0.1:{port}:{database}:{pg_password_user}:"
    pgpass.write_text(line + "s3cret-pw\n")
    pgpass.chmod(0o600)
    env = {**os.environ, "PGPASSFILE": str(pgpass), "TICKWORK_PACE": "0.1"}
    added = pg_cli("--store", url, "task", "add", "tick", "--command", "true", "--every", "1s",
                   store=False, env={"PGPASSFILE": str(pgpass)})
    assert added.code == 0, added.err
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        proc = tickwork.start(["--home", str(home), "engine", "--store", url, "--grace", "2"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: "tick: succeeded" in log.read_text(), 30)
        pgpass.write_text(line + "the-old-one\n")  # as if the server's had changed
        with pg_server.admin() as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE usename = %s", (pg_password_user,))
        wait_until(lambda: "refuses this engine's password" in log.read_text(), 30)
        pgpass.write_text(line + "s3cret-pw\n")
        wait_until(lambda: "lets this engine in again after" in log.read_text(), 30)
    finally:
        stop(proc)
    # let in, not "back": the server was there all along (it said "is back after", and the
    # catch-up "after the store's server could not be reached")
    assert "is back" not in log.read_text(), log.read_text()
    notes = [r["reason"] or "" for r in pg_cli("--store", url, "run", "list", "--json",
                                               store=False, env={"PGPASSFILE": str(pgpass)}
                                               ).json()]
    assert any("after the store's server refused this engine's password for" in n
               for n in notes), notes
    assert not any("could not be reached" in n for n in notes), notes
    said = [t for t in log.read_text().splitlines() if "tickwork.runs" not in t]
    refused = [t for t in said if "ERROR" in t and "refuses this engine's password" in t]
    assert len(refused) == 1, said
    assert refused[0].endswith(f"give the right one in {pgpass} (mode 0600), a line "
                               f"{line}PASSWORD: firing paused, retrying every second"), said
    assert any("engine stalled: the store's server refuses this engine's password" in t
               for t in said), said  # (the state the window shows)
    assert "the-old-one" not in log.read_text() and "Traceback" not in log.read_text()
