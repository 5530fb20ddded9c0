"""A run held back by its task's or group's limit says why while it waits, and what it waited
for once it has run: `run show` said "held back: … it starts when one ends" of a run that had
long since started and timed out (a newcomer's run-through)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.core.run import broker_away, reason_now, unheard, unheard_then
from tests.engine.conftest import wait_until

HOLD = "held back: at most 1 run of this task at a time: it starts when one ends"


def test_a_held_runs_note_says_what_it_waited_for_once_it_has_run(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    spawn().wait_for("engine running on")
    # `--overlap skip` judges scheduled fires only: a run started by hand waits its turn
    assert cli("task", "add", "one", "--manual", "--overlap", "skip", "--command",
               f"sh -c 'while [ ! -e {gate} ]; do sleep 0.05; done'").code == 0
    assert cli("task", "run", "one").code == 0
    assert cli("task", "run", "one").code == 0

    def shown(run: int) -> Any:
        return cli("run", "show", str(run), "--json").json()

    wait_until(lambda: shown(2)["status"] == "waiting", 20)
    assert shown(2)["reason"] == HOLD  # while it waits: why, and when it starts
    assert f"        note: {HOLD}\n" in cli("run", "show", "2").out
    gate.touch()
    wait_until(lambda: shown(2)["status"] == "succeeded", 20)
    assert shown(2)["reason"] == "waited: at most 1 run of this task at a time"
    assert "        note: waited: at most 1 run of this task at a time\n" in cli(
        "run", "show", "2").out
    listed = cli("run", "list").out
    assert "waited: at most 1 run" in listed and "it starts when" not in listed
    # the task's card: the last run's start and end, not the time it was due
    last = next(line for line in cli("task", "show", "one").out.splitlines()
                if "last run:" in line)
    assert re.fullmatch(r" *last run: succeeded, started \S+ \S+, ended \S+ \S+ \(run 2\)",
                        last), last


def test_a_run_held_by_its_group_says_when_it_starts_as_one_held_by_its_task(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    """A group's note said only "held back: group g runs at most 1 at a time", not when the
    run starts, which a task's note says: they say the same now."""
    gate = tmp_path / "gate"
    spawn().wait_for("engine running on")
    for name in ("first", "second"):
        assert cli("task", "add", name, "--manual", "--group", "g:1", "--command",
                   f"sh -c 'while [ ! -e {gate} ]; do sleep 0.05; done'").code == 0
    assert cli("task", "run", "first").code == 0
    wait_until(lambda: cli("run", "show", "1", "--json").json()["status"] == "running", 20)
    assert cli("task", "run", "second").code == 0
    wait_until(lambda: cli("run", "show", "2", "--json").json()["status"] == "waiting", 20)
    held = "held back: group g runs at most 1 at a time: it starts when one ends"
    assert cli("run", "show", "2", "--json").json()["reason"] == held
    assert f"        note: {held}\n" in cli("run", "show", "2").out
    gate.touch()
    wait_until(lambda: cli("run", "show", "2", "--json").json()["status"] == "succeeded", 20)
    assert cli("run", "show", "2", "--json").json()["reason"] == (
        "waited: group g runs at most 1 at a time")


def test_a_note_reads_as_the_run_now_stands() -> None:
    group = "held back: group g runs at most 2 at a time"
    assert reason_now(HOLD, "waiting", False) == HOLD
    assert reason_now(f"retry of run 4; {HOLD}", "timed_out", True) == (
        "retry of run 4; waited: at most 1 run of this task at a time")
    assert reason_now(HOLD, "cancelled", False) == (
        "was held back: at most 1 run of this task at a time")
    assert reason_now(group, "running", True) == "waited: group g runs at most 2 at a time"
    assert reason_now("chain: after x", "succeeded", True) == "chain: after x"
    assert reason_now(None, "succeeded", True) is None


def test_a_note_of_the_celery_broker_reads_as_the_run_now_stands() -> None:
    """The engine rewords it when the run goes out or is cancelled unsent
    (tests/celery/test_celery_runs.py); a run the engine's stop ended meanwhile still
    does not say it waits."""
    away = broker_away("redis://h:6379/0")
    assert away == ("not sent yet: the Celery broker redis://h:6379/0 is unreachable: it is "
                    "sent when the broker is back")
    assert reason_now(f"run now; {away}", "queued", False) == f"run now; {away}"
    assert reason_now(f"run now; {away}; given back", "interrupted", True) == (
        "run now; the Celery broker redis://h:6379/0 was unreachable; given back")
    assert reason_now(f"{away}; {HOLD}", "cancelled", False) == (
        "the Celery broker redis://h:6379/0 was unreachable; was held back: at most 1 run of "
        "this task at a time")
    refused = broker_away("redis://***@h:6379/0", "refused")  # test_refused_notes.py
    assert refused == ("not sent yet: the Celery broker redis://***@h:6379/0 refuses the "
                       "engine's password: it is sent once the broker lets the engine in")
    assert reason_now(f"run now; {refused}", "queued", False) == f"run now; {refused}"
    assert reason_now(f"run now; {refused}; given back", "interrupted", True) == (
        "run now; the Celery broker redis://***@h:6379/0 refused the engine's password; "
        "given back")
    other = broker_away("redis://h:22/0", "not_redis")  # tests/celery/test_runs_on.py
    assert reason_now(f"run now; {other}", "queued", False) == f"run now; {other}"
    assert reason_now(f"{other}; given back", "cancelled", False) == (
        "the Celery broker redis://h:22/0 did not answer as Redis does; given back")
    assert "unreachable" not in other


def test_a_note_of_a_queue_no_worker_listens_on_reads_as_the_run_now_stands() -> None:
    """Said while the run waits (tests/celery/test_unheard_queues.py); in the past once it
    left its queue, whoever took it or ended it — an engine killed meanwhile included."""
    none = unheard("nightly", "12:00:05")
    assert none == "waiting: no Celery worker listens on queue “nightly” (since 12:00:05)"
    assert reason_now(none, "queued", False) == none
    then = "waited: no Celery worker listened on queue “nightly” (from 12:00:05)"
    assert unheard_then(none) == then
    older = "waiting: no Celery worker listens on queue “nightly” (checked 12:00:05)"
    assert unheard_then(f"run now; {older}; given back (since 12:01:00)") == (  # its own
        "run now; waited: no Celery worker listened on queue “nightly” (checked 12:00:05); "
        "given back (since 12:01:00)")
    for status, started in (("running", True), ("succeeded", True), ("cancelled", False),
                            ("interrupted", True)):
        assert reason_now(f"run now; {none}", status, started) == f"run now; {then}"
