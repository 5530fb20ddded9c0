"""A task whose run failed and waits out its retry delay runs its retry next, before its
schedule's next fire: `task list`'s NEXT RUN and `task show`'s "next run" say the retry's
time, marked as a retry, and `task show`'s "last run" says the retry is due then — it said
"due" at the time of the fire it retries, which had passed. `run list --json` carries the
time (`due_at`). A real engine makes the retry; it is read once the engine has stopped (a
stop keeps a retry waiting, for the next engine)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.cli.output import local
from faults.harness import wait_until
from tests.conftest import ROOT


@contextmanager
def _engine(home: Path, tmp_path: Path) -> Iterator[None]:
    """`tickwork engine` on `home` while the block runs, stopped by SIGTERM after it (a stop
    keeps a retry waiting, for the next engine)."""
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        engine = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home),
                                   "engine", "--grace", "1"], cwd=ROOT, stderr=err,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: "engine running" in log.read_text(), 30)
        yield
    finally:
        engine.send_signal(signal.SIGTERM)
        assert engine.wait(30) == 0, log.read_text()


def test_a_retry_waiting_out_its_delay_is_the_next_run(cli: Any, home: Path,
                                                        tmp_path: Path) -> None:
    assert cli("task", "add", "flaky", "--command", "exit 3", "--shell", "--every", "2h",
               "--retries", "2", "--retry-delay", "1h").code == 0
    with _engine(home, tmp_path):
        assert cli("task", "run", "flaky").code == 0
        retrying = wait_until(lambda: [r for r in cli("run", "list", "--json").json()
                                       if r["status"] == "retrying"], 30)
    retry = retrying[0]
    due = datetime.fromisoformat(retry["due_at"])
    failed_at = datetime.fromisoformat(retry["scheduled_for"])
    assert timedelta(minutes=50) < due - failed_at < timedelta(minutes=70)  # 1h ± 10 %

    task = cli("task", "show", "flaky", "--json").json()
    assert task["last_run"]["due_at"] == retry["due_at"]
    scheduled = datetime.fromisoformat(task["next_run_at"])
    assert due < scheduled  # (its schedule's next fire is two hours on)

    shown = cli("task", "show", "flaky").out
    assert f"last run: retrying, due {local(due)} (run {retry['id']})" in shown, shown
    assert (f"next run: {local(due)} (retry: run {retry['id']}), then {local(scheduled)}"
            in shown), shown

    listed = cli("task", "list").out.splitlines()
    assert f"{local(due)} (retry)" in listed[1], listed
    assert local(scheduled) not in listed[1]


def test_a_retry_behind_a_newer_run_is_still_the_next_run(cli: Any, home: Path,
                                                          tmp_path: Path) -> None:
    """A task running two fires at once (--max-instances 2): the first failed and waits out
    its retry, the second is running — its newest run, which hid the retry: `task list` and
    `task show` said the schedule's fire an hour on while the retry was due in ten minutes
    (the status bar, which reads every retry, said the retry)."""
    slow = tmp_path / "slow"
    assert cli("task", "add", "multi", "--shell", "--command",
               f"test -e {slow} && sleep 60; touch {slow}; exit 1", "--every", "1h",
               "--retries", "2", "--retry-delay", "10m", "--max-instances", "2").code == 0
    with _engine(home, tmp_path):
        assert cli("task", "run", "multi").code == 0
        retrying = wait_until(lambda: [r for r in cli("run", "list", "--json").json()
                                       if r["status"] == "retrying"], 30)
        assert cli("task", "run", "multi").code == 0
        wait_until(lambda: cli("run", "list", "--json").json()[0]["status"] == "running", 30)
        shown = cli("task", "show", "multi").out
        listed = cli("task", "list").out.splitlines()
    retry = retrying[0]
    due = datetime.fromisoformat(retry["due_at"])
    assert f"{local(due)} (retry)" in listed[1], listed
    assert f"next run: {local(due)} (retry: run {retry['id']}), then " in shown, shown
