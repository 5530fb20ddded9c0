"""The store thread reads the runs needing attention (manual runs nobody took, cancel requests)
when audit events came with a commit, and otherwise once `ATTENTION` seconds have passed: the
engine's own commits do not make it visit every active run. Driven on a simulated clock; the
thread itself is real, on a real store, and the writes come from another connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.engine.clock import SimulatedClock
from app.engine.watcher import ATTENTION, StoreWatcher
from app.store import runs


class Watched:
    """A store thread on a simulated clock, and what it reported."""

    def __init__(self, store: Any, rest: bool) -> None:
        self.clock = SimulatedClock(datetime.now(UTC))
        self.seen: list[int] = []
        self.stop = threading.Event()
        self.watcher = StoreWatcher(
            store, self.stop, lambda fn: fn(), tick=lambda: None,
            tasks_changed=lambda _changed, _names: None,
            runs_seen=lambda rows: self.seen.extend(r[0] for r in rows),
            check_clock=lambda: None, quiet=lambda: float("inf"), clock=self.clock,
            rest=rest)
        self.thread = threading.Thread(target=self.watcher.run, daemon=True)
        self.thread.start()

    def after(self, seconds: float) -> None:
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
