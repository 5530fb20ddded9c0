"""A process stopped (SIGSTOP, a debugger) inside a write to a shared PostgreSQL store lets
go of the store's write lock: the server ends its session once it has been silent in its
transaction for `WRITE_SILENCE` seconds (30), and the writes waiting behind it go on. Only
the leading engine's ledger writer had a bound (3 s): a leader stopped in any other write
held the lock for good — its standby got the lease but could never bump the epoch under
that lock ("cannot ask … who leads it (canceling statement due to lock timeout)", seen in a
fresh clone's run of tests/engine/test_stopped_leader.py), and every CLI write failed
after 10 s. A CLI write that waits for a busy holder as long as that says so in one line;
one the server ended for its own silence in a write says that ("could not be reached
mid-command", it read, of a server that was there), whether the server's word came as a
statement's answer (a command busy between two statements) or between two (a command
stopped with an answer unread). Those run the CLI with `WRITE_SILENCE` shortened."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from app.store.connection import WRITE_SILENCE
from tests.conftest import ROOT
from tests.support import tickwork

HOLDER = """
import sys, time
from pathlib import Path
from typing import Any
from app.store.database import Store
from app.store.models import db
store = Store.open(Path(sys.argv[1]), url=sys.argv[2])
with store.write():  # (the store's write lock, held until the transaction ends)
    print("holding", flush=True)
    if sys.argv[3] == "busy":
        db.execute_sql("SELECT pg_sleep(60)")  # busy, not silent: its lock stays
    time.sleep(600)
"""


@contextmanager
def _holding(pg_url: str, tmp_path: Path, how: str) -> Iterator[subprocess.Popen[str]]:
    """Another process inside a write to the store, `silent` or `busy` in it."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "holder"), pg_url,
                               how], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def _add(home: Path, pg_url: str) -> subprocess.CompletedProcess[str]:
    return tickwork.run(["--home", str(home), "--store", pg_url, "task", "add", "after",
                         "--command", "true", "--manual"], cwd=ROOT, timeout=60)


def test_a_writer_stopped_inside_a_write_lets_go_of_the_write_lock(
        home: Path, pg_url: str, tmp_path: Path) -> None:
    with _holding(pg_url, tmp_path, "silent") as holder:
        holder.send_signal(signal.SIGSTOP)
        began = time.monotonic()
        tries = []
        while time.monotonic() - began < WRITE_SILENCE + 20:
            done = _add(home, pg_url)
            tries.append(done.stderr)
            if done.returncode == 0:
                break
            assert "stayed busy" in done.stderr, done.stderr  # (each try waits 10 s)
        assert done.returncode == 0, tries
        assert time.monotonic() - began < WRITE_SILENCE + 15


def test_a_cli_write_that_waits_too_long_for_the_lock_says_so_in_one_line(
        home: Path, pg_url: str, tmp_path: Path) -> None:
    """It read "failed: OperationalError: canceling statement due to lock timeout"."""
    with _holding(pg_url, tmp_path, "busy"):
        done = _add(home, pg_url)
        assert done.returncode == 1
        assert done.stderr == ("tickwork: error: the store stayed busy: another process held "
                               "a lock this command needed for 10 s (a long write, or a "
                               "process stopped in one); what was not committed was not "
                               "changed — try again\n"), done.stderr
    assert "after" not in tickwork.run(["--home", str(home), "--store", pg_url, "task", "list"],
                                       cwd=ROOT, timeout=60).stdout


# the `tickwork` command with the silence a write may keep shortened to its first argument
SHORT_SILENCE = ("import sys; import app.store.backend as b; b.WRITE_SILENCE = "
                 "float(sys.argv.pop(1)); from app.cli import main; sys.exit(main(program=True))")


def _silenced(silence: float, home: Path, pg_url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", SHORT_SILENCE, str(silence), "--home",
                             str(home), "--store", pg_url, *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _count(pg_url: str, sql: str) -> int:
    with psycopg.connect(pg_url, autocommit=True) as con:
        row = con.execute(sql).fetchone()
        assert row is not None
        return int(row[0])


def _until(check: Any, seconds: float) -> None:
    began = time.monotonic()
    while not check():
        assert time.monotonic() - began < seconds
        time.sleep(0.05)


def _ended_for_silence(silence: str) -> str:
    return ("tickwork: error: the PostgreSQL server ended this command for staying silent "
            f"inside a transaction too long ({silence} s for a write holding the store's "
            "lock; the process was stopped, or busy between two statements); what was not "
            "committed was not changed — try again\n")


def test_a_cli_write_stopped_until_the_server_ends_it_says_so(
        home: Path, pg_url: str, tmp_path: Path) -> None:
    """Stopped (Ctrl-Z) with the write lock's grant unread, the command met "server closed
    the connection unexpectedly" on going on: the server's word came between statements."""
    with _holding(pg_url, tmp_path, "silent"):
        cli = _silenced(1, home, pg_url, "task", "add", "after", "--command", "true",
                        "--manual")
        try:
            _until(lambda: _count(pg_url, "SELECT count(*) FROM pg_locks WHERE locktype = "
                                          "'advisory' AND NOT granted") == 1, 20)
            cli.send_signal(signal.SIGSTOP)  # waiting for the lock: stopped before its grant
        except BaseException:
            cli.kill()
            cli.wait()
            raise
    try:  # (the holder gone, the lock is the stopped command's: the server ends it in 1 s)
        _until(lambda: _count(pg_url, "SELECT count(*) FROM pg_stat_activity WHERE datname "
                                      "= current_database() AND pid <> pg_backend_pid()") == 0,
               20)
    finally:
        cli.send_signal(signal.SIGCONT)
    out, err = cli.communicate(timeout=60)
    assert (cli.returncode, out, err) == (1, "", _ended_for_silence("1"))
    assert "after" not in tickwork.run(["--home", str(home), "--store", pg_url, "task", "list"],
                                       cwd=ROOT, timeout=60).stdout


def test_a_cli_write_silent_between_statements_until_the_server_ends_it_says_so(
        home: Path, pg_url: str, tmp_path: Path) -> None:
    """An import checks and builds its tasks inside its write: given 1 ms of silence, the
    server ends it there, and the next statement reads why (SQLSTATE 25P03). It read
    "failed: InterfaceError: Cannot rollback, database connection not open."."""
    tasks = [{"name": f"t{i}", "action": {"kind": "command", "argv": ["true"]},
              "schedule": {"kind": "manual"}} for i in range(500)]
    file = tmp_path / "tasks.json"
    file.write_text(json.dumps({"version": 1, "tasks": tasks}))
    cli = _silenced(0.001, home, pg_url, "import", str(file))
    out, err = cli.communicate(timeout=60)
    assert (cli.returncode, out, err) == (1, "", _ended_for_silence("0.001"))
    assert json.loads(tickwork.run(["--home", str(home), "--store", pg_url, "task", "list",
                                    "--json"], cwd=ROOT, timeout=60).stdout) == []
