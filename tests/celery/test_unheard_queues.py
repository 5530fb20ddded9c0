"""A run sent to a Celery queue that no worker listens on says so where a person looks
(`run show`, `run list`), and takes it back once a worker listens: before, it stood `queued`
without a word for good. Real redis-server and `tickwork worker` processes
(tests/celery/conftest.py, whose beat of 0.5 s makes the engine look after 2.5 s)."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import ValidationError
from faults.harness import wait_until
from tests.celery.test_celery_runs import ended, output
from tests.conftest import command_task
from tests.support.tickwork import run as run_tickwork

WAITING = re.compile(r"waiting: no Celery worker listens on queue “nightly” "
                     r"\(since \d\d:\d\d:\d\d\)")
WAITED = re.compile(r"waited: no Celery worker listened on queue “nightly” "
                    r"\(from \d\d:\d\d:\d\d\)")


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


def test_the_note_follows_what_the_looks_found_while_the_run_waits() -> None:
    """Said once two looks 5 beats apart found nobody on the queue, since the first; not
    written again while the looks find the same (it was renewed at each look, every 30
    beats, on every waiting run); in the past once a worker listens (its threads busy: the
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

    nightly_05 = "waiting: no Celery worker listens on queue “nightly” (since 12:00:05)"
    other_09 = unheard("other", "12:00:09")
    runs = [Run(1, "nightly", 100.0), Run(2, "other", 100.0)]
    listeners = Looked(Sink(), "redis://127.0.0.1:1/0", 1.0, lambda: runs, threading.Event())
    assert look(104.0) == []  # not waited 5 s yet: no look
    assert look(105.0, {"other"}) == []  # nobody on “nightly”: asked again before a word
    runs.append(Run(3, "nightly", 104.0))
    assert look(106.0) == []  # run 3 waited 2 s: no look
    assert look(109.0, set()) == []  # run 3 waited 5 s: nobody on either, “nightly” for 4 s
    assert look(110.0, set()) == [(1, None, nightly_05), (3, None, nightly_05)]  # for 5 s
    assert look(113.0) == []
    assert look(114.0, set()) == [(2, None, other_09)]
    assert look(144.0, set()) == []  # 30 s later, nobody still: nothing written again
    assert look(174.0, set()) == []
    assert look(204.0, {"nightly", "other"}) == [  # a worker listens
        (1, nightly_05, "waited: no Celery worker listened on queue “nightly” (from "
                        "12:00:05)"),
        (2, other_09, unheard_then(other_09)), (3, nightly_05, unheard_then(nightly_05))]
    del runs[0]  # a worker took run 1
    assert look(234.0, set()) == []  # the worker went: asked again first
    assert look(238.0) == []
    assert look(239.0, set()) == [
        (2, unheard_then(other_09), unheard("other", "12:02:14")),
        (3, unheard_then(nightly_05), unheard("nightly", "12:02:14"))]
    answers[:] = [None]  # 30 s later the broker cannot be asked: nothing said, and no look
    listeners.look_and_say(269.0, at(269.0))  # for 5 beats (a failed look took ~6 s)
    assert answers == [] and len(notes) == 8
    assert look(273.0) == []
    assert look(274.0, set()) == []  # nobody still: the notes stand


def test_one_look_that_misses_a_worker_is_not_taken_for_no_worker(
        engine: Any, service: Any, start_worker: Any, home: Path, caplog: Any) -> None:
    """A worker that answers a look late (a busy machine; here a worker stopped, SIGSTOP,
    through the first look) was said not to listen on its queue: its run said "no Celery
    worker listens" though it was taken a moment later. Only a look 5 beats later that
    finds nobody still says it."""
    caplog.set_level(logging.DEBUG, logger="tickwork.engine")
    worker = start_worker(queue="nightly")
    service.create_task(shell_task("report", "echo ran", "nightly"))
    os.kill(worker.proc.pid, signal.SIGSTOP)  # it neither takes the run nor answers
    try:
        run = service.run_now("report")
        wait_until(lambda: "listen on the queues (none)" in caplog.text, 30)
    finally:
        os.kill(worker.proc.pid, signal.SIGCONT)
    assert ended(service, run.id).status == "succeeded"
    shown = tickwork(home, "run", "show", str(run.id))
    assert "Celery worker listen" not in shown, shown


def test_looks_that_find_what_the_last_found_write_no_note_again(
        broker: str, store: Any, service: Any, start_worker: Any, home: Path, caplog: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each look (every 30 beats while runs wait) wrote the note of every run out on the
    queue again, for the time of its check in it: a write per run every 30 s, for good (as
    many runs as the engine has workers, up to 256). Now a note is written when what it
    says changes: the looks after it write nothing (the engine's events for the notes
    counted: each is sent once its write is committed), and a worker that comes still
    turns the notes of the runs left waiting to the past. A beat of 0.2 s here: a look
    every 6 s; an engine of 30 workers, 30 runs out at once."""
    from app.engine.engine import Engine
    from app.engine.events import Event, RunChanged

    monkeypatch.setenv("TICKWORK_CELERY_BEAT", "0.2")  # read as the first run goes out
    caplog.set_level(logging.DEBUG, logger="tickwork.engine")
    notes: list[RunChanged] = []

    def heard(event: Event) -> None:
        if isinstance(event, RunChanged) and "Celery worker" in (event.reason or ""):
            notes.append(event)

    many = 30
    engine = Engine(store, workers=many, metrics=False)
    service.subscribe(engine.on_service_change)
    engine.subscribe(heard, watches=False)
    engine.start()
    try:
        service.create_task(shell_task("report", "sleep 60", "nightly", max_instances=many))
        runs = [service.run_now("report").id for _ in range(many)]
        wait_until(lambda: len(notes) >= many, 60)
        assert {e.run_id for e in notes} == set(runs)
        assert all(WAITING.fullmatch(e.reason or "") for e in notes), notes[0]

        def looks() -> int:
            return caplog.text.count("the Celery workers listen on the queues (none)")

        seen = looks()
        wait_until(lambda: looks() >= seen + 2, 60)  # a second and a third look since
        assert len(notes) == many, [e.reason for e in notes[many:]][:3]
        start_worker(queue="nightly")  # two threads: two runs taken, the others wait
        last = runs[-1]
        shown = wait_until(lambda: WAITED.search(
            text := tickwork(home, "run", "show", str(last))) and text, 30)
        assert "status: queued" in shown, shown
        assert [e.run_id for e in notes[many:]].count(last) == 1  # written, once
        for run_id in runs:  # (one a loaded machine's missed beats ended is left as it is)
            with contextlib.suppress(ValidationError):
                service.cancel_run(run_id)
    finally:
        engine.stop(grace=3.0)



def test_a_run_sent_after_its_queue_was_emptied_waits_anew_for_its_note(
        engine: Any, service: Any, start_worker: Any, home: Path, caplog: Any) -> None:
    """A look that found nobody on “nightly” was kept after a worker came and took that
    queue's run: a run sent there later, once the worker had gone, was said "waiting: no
    Celery worker listens" after a single look of its own, "since" a time before that
    worker took the first run (seen by hand: a worker killed, its run's retry "since
    20:01:02", a minute before). Now its wait counts from its own looks: two, 5 beats
    apart, since a time after it was sent."""
    from tests.support.processes import stop

    caplog.set_level(logging.DEBUG, logger="tickwork.engine")
    service.create_task(shell_task("report", "echo ran", "nightly"))

    def looks() -> int:
        return int(caplog.text.count("the Celery workers listen on the queues (none)"))

    first = service.run_now("report")
    wait_until(lambda: looks() >= 1, 30)  # nobody on the queue
    worker = start_worker(queue="nightly")
    assert ended(service, first.id).status == "succeeded"
    stop(worker.proc, 15)
    sent_at = datetime.now().astimezone().strftime("%H:%M:%S")
    before = looks()
    second = service.run_now("report")
    shown = wait_until(lambda: WAITING.search(text := tickwork(home, "run", "show",
                                                               str(second.id))) and text, 60)
    assert looks() - before >= 2, caplog.text[-3000:]  # two looks found nobody
    since = re.search(r"\(since (\d\d:\d\d:\d\d)\)", shown)
    assert since and since[1] >= sent_at, (sent_at, shown)
    service.cancel_run(second.id)
