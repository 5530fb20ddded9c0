"""Under a storm of writes the writer commits at most every `GATHER`, so the writes come
together: back to back, a few writes a commit, each commit cost ~0.75 ms of CPU (its fsync,
its pages written again) — 20,000 commits in 30 s at 100,000 Python fires a minute. What
comes within a gather is committed at a stop. With a backlog (runs queued to start, waiting
for workers, not for commits) it gathers longer: every `GATHER_BACKLOG`."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.engine.ready_queue import Pending, ReadyQueue
from app.engine.writer import BACKLOG, GATHER, GATHER_BACKLOG, Writer
from app.store.models import set_meta


def meta_on_disk(home: Path, key: str) -> str | None:
    """A meta value as committed (read by a connection of its own), None without one."""
    con = sqlite3.connect(f"file:{home / 'tickwork.db'}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])
    finally:
        con.close()


@contextmanager
def warm_writer() -> Iterator[Writer]:
    """A started writer that has committed once (its connection open), stopped after."""
    writer = Writer()
    writer.start()
    try:
        writer.submit(lambda: set_meta("warm", "1"))
        assert writer.flush()
        yield writer
    finally:
        writer.stop()


def storm(writer: Writer) -> tuple[int, float]:
    """600 writes, one every ~0.5 ms, as runs end in a storm: (commits, seconds taken)."""
    before = writer.batches
    began = time.monotonic()
    committed = threading.Semaphore(0)
    for i in range(600):
        writer.submit(lambda i=i: set_meta(f"k{i % 7}", str(i)),
                      lambda _r, _e: committed.release())
        time.sleep(0.0005)
    assert writer.flush()
    took = time.monotonic() - began
    for _ in range(600):
        assert committed.acquire(timeout=5)
    return writer.batches - before, took


def test_a_storm_of_writes_commits_at_most_every_gather(store: Any, home: Path) -> None:
    with warm_writer() as writer:
        commits, took = storm(writer)
        assert commits <= took / GATHER + 2, (commits, took)
        assert meta_on_disk(home, "k0") == "595"  # the last of k0's writes


def test_with_a_backlog_of_runs_a_storm_commits_less_often(store: Any, home: Path) -> None:
    """A backlog: the dispatcher's queue (the engine's writer asks it) holds BACKLOG runs."""
    with warm_writer() as writer:
        writer.waiting = lambda: BACKLOG
        commits, took = storm(writer)
        assert commits <= took / GATHER_BACKLOG + 2, (commits, took)
        assert meta_on_disk(home, "k0") == "595"


def test_the_engines_writer_asks_its_dispatchers_queue(engine: Any) -> None:
    assert engine.writer.waiting == engine.dispatcher.ready.backlog


def test_a_backlog_is_runs_waiting_for_a_worker_not_runs_held_by_their_group() -> None:
    """150 runs in a group of one, eight workers: one runs, 149 wait for it, not for a
    worker — no backlog (the writer need not gather longer). 150 more of other tasks: the
    eight are busy, and what is queued is a backlog."""
    ready = ReadyQueue(8)
    for run_id in range(150):
        ready.push(Pending(run_id, task_id=run_id, group="serial", group_limit=1))
    assert len(ready.take()) == 1
    assert len(ready) == 149 and ready.backlog() == 0
    for run_id in range(150, 300):
        ready.push(Pending(run_id, task_id=run_id))
    assert len(ready.take()) == 7
    assert ready.backlog() == len(ready) == 292


def test_what_comes_within_a_gather_is_committed_at_a_stop(store: Any, home: Path) -> None:
    with warm_writer() as writer:
        time.sleep(GATHER * 3)  # a pause: the next write's commit begins as it comes
        writer.submit(lambda: set_meta("b", "1"))
        assert writer.flush()
        assert meta_on_disk(home, "b") == "1"
        writer.submit(lambda: set_meta("c", "1"))  # within the gather of b's commit
        writer.stop()  # wakes the gather and commits it
        assert meta_on_disk(home, "c") == "1"
