"""The store thread reads the runs needing attention (manual runs nobody took, cancel requests)
when audit events came with a commit, and otherwise once `ATTENTION` seconds have passed: the
engine's own commits do not make it visit every active run. Driven on a simulated clock; the
thread itself is real, on a real store, and the writes come from another connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.engine.clock import SimulatedClock
from app.engine.watcher import ATTENTION, CLOCK_CHECK, SETTLE, StoreWatcher
from app.store import bell, runs
from faults.harness import wait_until


class Watched:
    """A store thread on a simulated clock, and what it reported."""

    def __init__(self, store: Any, rest: bool, deaf_to: Path | None = None,
                 quiet: float = float("inf")) -> None:
        self.clock = SimulatedClock(datetime.now(UTC))
        self.seen: list[int] = []
        self.names: set[str] = set()  # tasks it saw change
        self.stop = threading.Event()
        self.watcher = StoreWatcher(
            store, self.stop, lambda fn: fn(), tick=lambda: None,
            tasks_changed=lambda _changed, names: self.names.update(names),
            runs_seen=lambda rows: self.seen.extend(r[0] for r in rows),
            check_clock=lambda: None, quiet=lambda: quiet, clock=self.clock,
            rest=rest)
        if deaf_to is not None:  # it watches another file: it hears none of the store's writes
            self.watcher._wal = str(deaf_to)
        self.thread = threading.Thread(target=self.watcher.run, daemon=True)
        self.thread.start()

    def after(self, seconds: float) -> None:
        """Move the clock on and let the thread take full turns at that time: one, and one
        more `SETTLE` later (a resting thread that hears a write in the first turn looks
        that much after it)."""
        for step in (seconds, SETTLE):
            self.turn(step)

    def turn(self, seconds: float) -> None:
        """Move the clock on and let the thread take one full turn at that time."""
        self.clock.advance(seconds)
        turned = threading.Event()
        self.watcher.submit(lambda: None)  # this turn looks at the store ...
        self.watcher.submit(turned.set)  # ... and the next one starts after it
        assert turned.wait(10)

    def close(self) -> None:
        self.stop.set()
        self.watcher.wake()
        self.thread.join(10)


@pytest.fixture(params=[True, False], ids=["resting", "polling"])
def watched(store: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    # resting: asleep until the log is written (inotify); polling: where inotify is missing
    w = Watched(store, request.param)
    w.after(1.0)  # its first look: where the store stands
    yield w
    w.close()


def test_a_manual_run_from_the_cli_is_seen_at_the_next_look(watched: Watched,
                                                             service: Any) -> None:
    task = service.create_task({"name": "job", "action": {"kind": "command", "argv": ["true"]},
                                "schedule": {"kind": "manual"}})
    run = service.run_now(task.id)  # audited in the same commit
    watched.after(1.0)
    assert run.id in watched.seen


def test_an_unaudited_unclaimed_run_is_seen_once_attention_is_due(watched: Watched,
                                                                  service: Any,
                                                                  store: Any) -> None:
    task = service.create_task({"name": "job", "action": {"kind": "command", "argv": ["true"]},
                                "schedule": {"kind": "manual"}})
    watched.after(1.0)  # the task's audit event: a read of the runs needing attention
    now = datetime.now(UTC)
    with store.write():  # a write with no audit event, as no service operation makes
        run_id = runs.insert(task.id, now, status="queued", trigger="manual", now=now)
    watched.after(1.0)
    assert run_id not in watched.seen  # the look passed over it ...
    watched.after(ATTENTION)
    assert run_id in watched.seen  # ... and owed it: read without another commit


def test_a_stream_of_writes_does_not_put_the_look_off(store: Any, service: Any) -> None:
    """A run printing every few milliseconds commits as often: a resting store thread that
    put its look off at each write never looked while it printed (a CLI edit went unseen
    for as long: found in review)."""
    w = Watched(store, rest=True)
    try:
        w.after(1.0)
        for i in range(12):  # a commit every 5 ms, each heard (a task made: an audit event)
            service.create_task({"name": f"t{i}", "schedule": {"kind": "manual"},
                                 "action": {"kind": "command", "argv": ["true"]}})
            w.turn(0.005)
        assert w.names  # seen while the writes still came
    finally:
        w.close()


def test_a_commit_no_write_was_heard_for_is_seen_at_the_clock_look(
        store: Any, service: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync slower than the looks after a write, or a watch that hears nothing: the
    resting thread still looks every `CLOCK_CHECK` seconds (found in review: a commit whose
    sync took over 2 s was not seen until something else wrote the store)."""
    monkeypatch.setattr(bell, "ring", lambda _home: None)  # a commit nothing is heard for:
    w = Watched(store, rest=True, deaf_to=tmp_path / "elsewhere-wal")  # no bell, no log
    try:
        w.after(1.0)
        service.create_task({"name": "job", "schedule": {"kind": "manual"},
                             "action": {"kind": "command", "argv": ["true"]}})
        w.after(0.5)
        assert "job" not in w.names  # nothing heard, no look due yet
        w.after(CLOCK_CHECK)
        assert "job" in w.names
    finally:
        w.close()


@pytest.mark.parametrize("quiet", [float("inf"), 0.0], ids=["resting", "busy"])
def test_a_manual_run_rings_the_thread_to_look(store: Any, service: Any,
                                               quiet: float) -> None:
    """The clock stands still: no poll, no look after a write heard falls due. Only the bell
    the service rings after committing a manual run (or a cancel request: tests/engine/
    test_bell.py) makes the thread look (app/store/bell.py) — resting, or busy (it polled
    every `POLL` seconds, and heard nothing between)."""
    w = Watched(store, rest=True, quiet=quiet)
    try:
        w.after(1.0)
        task = service.create_task({"name": "job", "schedule": {"kind": "manual"},
                                    "action": {"kind": "command", "argv": ["true"]}})
        run = service.run_now(task.id)
        wait_until(lambda: run.id in w.seen, 10)
    finally:
        w.close()
