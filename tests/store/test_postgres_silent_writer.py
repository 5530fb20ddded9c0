"""A process stopped (SIGSTOP, a debugger) inside a write to a shared PostgreSQL store lets
go of the store's write lock: the server ends its session once it has been silent in its
transaction for `WRITE_SILENCE` seconds (30), and the writes waiting behind it go on. Only
the leading engine's ledger writer had a bound (3 s): a leader stopped in any other write
held the lock for good — its standby got the lease but could never bump the epoch under
that lock ("cannot ask … who leads it (canceling statement due to lock timeout)", seen in a
fresh clone's run of tests/engine/test_stopped_leader.py), and every CLI write failed
after 10 s. A CLI write that waits for a busy holder as long as that says so in one line."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.store.connection import WRITE_SILENCE
from tests.conftest import ROOT
from tests.support import tickwork

HOLDER = """
import sys, time
from pathlib import Path
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
