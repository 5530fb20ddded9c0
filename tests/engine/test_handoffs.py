"""A kill -9 costs no run the dead engine had claimed but never handed to a worker
(app/engine/handoffs.py).

An engine claims runs before it can start them: a backlog behind its workers (`queued`),
runs held back by their group's limit (`waiting`). Killed, it left them claimed; the next
start could not tell them from runs handed over just before the kill, so it interrupted them
all — and a task without retries never ran that fire. Now the engine logs each hand-off
before it happens, and the next start runs, as they are, the runs its log shows no worker
ever had; the one that was running is interrupted as before.
"""

from __future__ import annotations

import os
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest

from app.engine import handoffs
from app.engine.handoffs import HandOffLog
from tests.engine.conftest import wait_until


def _row(home: Path, run_id: int) -> tuple[str, str | None, str | None]:
    with sqlite3.connect(home / "tickwork.db") as db:
        row = db.execute("SELECT status, engine, reason FROM run WHERE id = ?",
                         (run_id,)).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


@pytest.mark.parametrize("held", ["queued", "waiting"])
def test_runs_a_killed_engine_never_handed_over_run_at_the_next_start(
        held: str, spawn: Any, cli: Any, home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if held == "queued":  # one run at a time: the rest wait in the engine's backlog
        monkeypatch.setenv("TICKWORK_WORKERS", "1")
        limit: list[str] = []
    else:  # one run of the group at a time: the rest are held back
        limit = ["--group", "g:1"]
    marks = tmp_path / "marks.txt"
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "add", "long", "--command", "sleep 60", "--manual", *limit).code == 0
    long = cli("task", "run", "long", "--json").json()["id"]
    wait_until(lambda: _row(home, long)[0] == "running", 15)
    later = []
    for n in (1, 2, 3):
        assert cli("task", "add", f"b{n}", "--command", f"echo {n} >> {marks}", "--shell",
                   "--manual", *limit).code == 0
        later.append(cli("task", "run", f"b{n}", "--json").json()["id"])
    # claimed by the engine, not started
    wait_until(lambda: all(_row(home, r)[:1] == (held,) and _row(home, r)[1]
                           for r in later), 15)
    log = handoffs.log_path(home, str(_row(home, long)[1]))
    assert log.exists()
    first.kill9()

    second = spawn("second")
    second.wait_for("engine running")
    wait_until(lambda: all(_row(home, r)[0] == "succeeded" for r in later), 20)
    assert sorted(marks.read_text().split()) == ["1", "2", "3"]
    for run_id in later:
        assert "no worker had it" in str(_row(home, run_id)[2])
    status, _, reason = _row(home, long)
    assert status == "interrupted", reason  # handed over: cut off, retried only by policy
    assert not log.exists()  # settled: the dead engine's log is gone
    # a clean stop removes the engine's own log
    assert second.stop() == 0
    assert not [p for p in (home / handoffs.FOLDER).iterdir()]


def test_a_log_that_is_not_whole_is_not_read(tmp_path: Path) -> None:
    """Without a whole log, every orphan counts as handed over (interrupted, as before)."""
    log = HandOffLog(tmp_path, "host:1:2")
    log.record([5, 7], list)
    assert handoffs.handed(tmp_path, "host:1:2") == {5, 7}
    with log.path.open("ab") as f:  # a torn tail
        f.write(b"\x01\x02")
    assert handoffs.handed(tmp_path, "host:1:2") is None
    assert handoffs.handed(tmp_path, "other:1:2") is None  # no log


def test_a_log_from_before_the_last_boot_is_not_read(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    log = HandOffLog(tmp_path, "host:1:2")
    log.record([5], list)
    boot = tmp_path / "boot_id"
    boot.write_text("another-boot\n")
    monkeypatch.setattr(handoffs, "BOOT_ID", boot)  # the machine restarted since
    assert handoffs.handed(tmp_path, "host:1:2") is None


def test_a_failed_write_leaves_no_log_to_trust(tmp_path: Path) -> None:
    """A full disk (here /dev/full's ENOSPC) mid-log: the log is removed and no more is
    written, so the next start interrupts this engine's orphans, as without a log."""
    log = HandOffLog(tmp_path, "host:1:2")
    log.record([1], list)
    assert log._fd is not None
    full = os.open("/dev/full", os.O_WRONLY)
    os.dup2(full, log._fd)
    os.close(full)
    log.record([2], list)
    assert log.broken and handoffs.handed(tmp_path, "host:1:2") is None
    assert not log.path.exists()
    log.record([3], list)  # writes nothing more
    assert not log.path.exists()


def test_a_full_generation_carries_the_runs_in_flight(tmp_path: Path) -> None:
    header = len(handoffs._header("host:1:2", handoffs.boot_id() or ""))
    log = HandOffLog(tmp_path, "host:1:2", limit=header + 8 * 4)
    log.record([1, 2, 3, 4], list)
    log.record([5], lambda: [3])  # the first generation is full: it becomes `.prev`
    assert handoffs.handed(tmp_path, "host:1:2") == {1, 2, 3, 4, 5}
    log.record([6, 8], list)
    log.record([7], lambda: [5, 6])  # the oldest generation goes (1 to 4 ended)
    assert handoffs.handed(tmp_path, "host:1:2") == {3, 5, 6, 7, 8}
    data = log.path.read_bytes()[header:]
    assert struct.unpack(f"<{len(data) // 8}q", data) == (5, 6, 7)


def test_a_run_given_back_again_says_so_once(store: Any, service: Any) -> None:
    """Each kill gave the backlog back with one more note: its reason grew a line a kill."""
    from app.store import ledger
    from tests.conftest import command_task

    service.create_task(command_task("b"))
    run = service.run_now("b")
    note = "the engine died before it started (no worker had it): the next start runs it"
    for _ in range(3):
        with store.write():
            ledger.release(run.id, note)
    again = service.get_run(run.id)
    assert again.status == "queued" and str(again.reason).count(note) == 1
