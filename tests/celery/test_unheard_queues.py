"""A run sent to a Celery queue that no worker listens on says so where a person looks
(`run show`, `run list`), and takes it back once a worker listens: before, it stood `queued`
without a word for good. Real redis-server and `tickwork worker` processes
(tests/celery/conftest.py, whose beat of 0.5 s makes the engine look after 2.5 s)."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from faults.harness import wait_until
from tests.celery.test_celery_runs import ended, output
from tests.conftest import command_task
from tests.support.tickwork import run as run_tickwork

WAITING = re.compile(r"waiting: no Celery worker listens on queue “nightly” "
                     r"\(checked \d\d:\d\d:\d\d\)")
WAITED = re.compile(r"waited: no Celery worker listened on queue “nightly” "
                    r"\(checked \d\d:\d\d:\d\d\)")


def shell_task(name: str, script: str, queue: str, **extra: Any) -> dict[str, Any]:
    return command_task(name, action={"kind": "command", "argv": [script], "shell": True},
                        runs_on=f"celery:{queue}", **extra)


def tickwork(home: Path, *args: str) -> str:
    """What `tickwork --home HOME ARGS` prints, its lines' runs of spaces made one."""
    done = run_tickwork(["--home", str(home), *args], timeout=60)
    assert done.returncode == 0, done.stderr
    return "\n".join(" ".join(line.split()) for line in done.stdout.splitlines())


def test_a_run_on_a_queue_no_worker_listens_on_says_so_until_a_worker_takes_it(
        engine: Any, service: Any, start_worker: Any, home: Path, caplog: Any) -> None:
    """Its time limit (2 s) does not count while it waits for a worker: it starts when the
    worker takes it, as a local run's starts when it starts. The engine's log says it once."""
    service.create_task(shell_task("report", "echo ran", "nightly", timeout=2))
    run = service.run_now("report")
    shown = wait_until(lambda: WAITING.search(text := tickwork(home, "run", "show",
                                                               str(run.id))) and text, 30)
    assert re.search(r"status: queued", shown), shown
    listed = tickwork(home, "run", "list")
    assert "waiting: no Celery worker listens on queue “nightly”" in listed, listed
    assert service.get_run(run.id).status == "queued"  # neither failed nor cancelled
    start_worker(queue="nightly")
    done = ended(service, run.id)
    assert done.status == "succeeded" and "ran" in output(service, run.id)
    assert (done.started_at - done.queued_at).total_seconds() > 2  # longer than its limit
    shown = tickwork(home, "run", "show", str(run.id))
    assert WAITED.search(shown) and "listens" not in shown, shown
    said = [r.getMessage() for r in caplog.records if "listens on queue" in r.getMessage()]
    assert said == ["no Celery worker listens on queue “nightly”: its runs wait until one "
                    "does"], said


def test_a_run_behind_busy_workers_of_its_queue_is_said_nothing(
        engine: Any, service: Any, start_worker: Any, home: Path, caplog: Any) -> None:
    """Its wait is no fault: the worker listens, its two threads are busy."""
    caplog.set_level(logging.DEBUG, logger="tickwork.engine")
    start_worker(queue="nightly")  # two threads (tests/celery/conftest.py)
    for name in ("long-1", "long-2"):
        service.create_task(shell_task(name, "sleep 60", "nightly"))
    service.create_task(shell_task("short", "echo ran", "nightly"))
    longs = [service.run_now(name) for name in ("long-1", "long-2")]
    wait_until(lambda: all(service.get_run(r.id).status == "running" for r in longs), 30)
    run = service.run_now("short")
    wait_until(lambda: "listen on the queues ['nightly']" in caplog.text, 30)
    assert service.get_run(run.id).status == "queued"  # it was waiting when looked at
    assert "Celery worker" not in tickwork(home, "run", "show", str(run.id))
    for r in longs:
        service.cancel_run(r.id)
    assert ended(service, run.id).status == "succeeded"
    assert service.get_run(run.id).note is None


def test_a_queue_is_looked_at_once_a_run_waited_long_enough_and_again_while_it_waits(
        ) -> None:
    """The rule alone, its times given (monotonic seconds; a beat of 1 s: 5 s, then 30)."""
    from app.remote.listeners import look_due

    assert not look_due([], None, 100.0, 1.0)
    assert not look_due([95.5], None, 100.0, 1.0)  # sent 4.5 s ago: not yet
    assert look_due([95.0], None, 100.0, 1.0)
    assert not look_due([95.0], 100.0, 101.0, 1.0)  # looked at since it waited 5 s
    assert look_due([95.0, 99.0], 100.0, 104.0, 1.0)  # another waited 5 s since that look
    assert not look_due([95.0], 100.0, 129.9, 1.0)
    assert look_due([95.0], 100.0, 130.0, 1.0)  # looked at again 30 s later
    assert look_due([97.5], None, 100.0, 0.5)  # a beat of 0.5 s (the tests'): 2.5 s


class Run:
    """A run as the engine's Celery side holds it while no worker has started it."""

    def __init__(self, run_id: int, queue: str, sent_at: float) -> None:
        from app.engine.attempts import Attempt

        self.attempt = Attempt.__new__(Attempt)
        self.attempt.run_id = run_id
        self.celery_id = f"c{run_id}"
        self.queue = queue
        self.sent = True
        self.sent_at = sent_at


def test_the_note_follows_what_each_look_found_while_the_run_waits() -> None:
    """Renewed while nobody listens, in the past once a worker does (its threads busy: the
    run still waits), said again if the worker goes; nothing for a run not waited enough.
    The looks' answers given, the times too (beat 1 s); the notes as the sink hears them."""
    import threading

    from app.core.run import unheard, unheard_then
    from app.remote.listeners import Listeners

    notes: list[tuple[int, str | None, str]] = []
    answers: list[set[str] | None] = []

    class Sink:
        def on_note(self, attempt: Any, old: str | None, new: str,
                    waiting: bool = False) -> None:
            assert waiting
            notes.append((attempt.run_id, old, new))

    class Looked(Listeners):
        def queues_heard(self) -> set[str] | None:
            return answers.pop(0)

    def at(now: float) -> datetime:  # the wall time of a look: 12:00:00 at 100
        return datetime(2026, 12, 5, 12, 0) + timedelta(seconds=now - 100)

    def look(now: float, answer: set[str] | None = None) -> list[tuple[int, str | None, str]]:
        """The notes said at `now` (a look's answer given when one is due)."""
        answers[:] = [] if answer is None else [answer]
        said = len(notes)
        listeners.look_and_say(now, at(now))
        assert answers == [], "no look was due"
        return notes[said:]

    nightly_05 = "waiting: no Celery worker listens on queue “nightly” (checked 12:00:05)"
    nightly_09, other_09 = unheard("nightly", "12:00:09"), unheard("other", "12:00:09")
    runs = [Run(1, "nightly", 100.0), Run(2, "other", 100.0)]
    listeners = Looked(Sink(), "redis://127.0.0.1:1/0", 1.0, lambda: runs, threading.Event())
    assert look(104.0) == []  # not waited 5 s yet: no look
    assert look(105.0, {"other"}) == [(1, None, nightly_05)]
    runs.append(Run(3, "nightly", 104.0))
    assert look(106.0) == []  # run 3 waited 2 s: the look at 105 says nothing of it
    assert look(109.0, set()) == [(1, nightly_05, nightly_09),  # renewed
                                  (2, None, other_09), (3, None, nightly_09)]
    assert look(110.0) == []  # nothing new
    assert look(139.0, {"nightly", "other"}) == [  # 30 s later: a worker listens
        (1, nightly_09, "waited: no Celery worker listened on queue “nightly” (checked "
                        "12:00:09)"),
        (2, other_09, unheard_then(other_09)), (3, nightly_09, unheard_then(nightly_09))]
    del runs[0]  # a worker took run 1
    assert look(169.0, set()) == [  # the worker went: the others say it again
        (2, unheard_then(other_09), unheard("other", "12:01:09")),
        (3, unheard_then(nightly_09), unheard("nightly", "12:01:09"))]
    answers[:] = [None]  # 30 s later the broker cannot be asked: nothing said, and no look
    listeners.look_and_say(199.0, at(199.0))  # for 5 beats (a failed look took ~6 s)
    assert answers == [] and len(notes) == 9
    assert look(203.0) == []
    assert look(204.0, set()) == [
        (2, unheard("other", "12:01:09"), unheard("other", "12:01:44")),
        (3, unheard("nightly", "12:01:09"), unheard("nightly", "12:01:44"))]
