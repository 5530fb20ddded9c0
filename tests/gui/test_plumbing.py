"""The bridge (engine threads → Qt signals, coalesced) and the background helper
(work off the GUI thread, result or error back on it, never swallowed)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from app.core.errors import ValidationError
from app.engine.events import EngineState, RunChanged, RunOutput
from app.gui.background import Background
from app.gui.bridge import Bridge
from app.gui.qt import QThreadPool, QTimer


def test_bridge_delivers_every_event_from_threads_in_few_batches(qtbot: Any) -> None:
    bridge = Bridge()
    runs: list[RunChanged] = []
    output: list[RunOutput] = []
    states: list[str] = []
    batches: list[int] = []
    main = threading.current_thread()
    threads_seen: set[bool] = set()

    def on_runs(events: list[RunChanged]) -> None:
        threads_seen.add(threading.current_thread() is main)
        batches.append(len(events))
        runs.extend(events)

    bridge.runs_changed.connect(on_runs)
    bridge.run_output.connect(output.extend)
    bridge.engine_state_changed.connect(lambda s, _d: states.append(s))
    now = datetime.now(UTC)

    def produce(offset: int) -> None:
        for i in range(5000):
            bridge.on_engine_event(RunChanged(offset + i, 1, "t", "running", now))
            bridge.on_engine_event(RunOutput(offset + i, 0, "stdout", "x\n"))

    workers = [threading.Thread(target=produce, args=(k * 10_000,)) for k in range(4)]
    for w in workers:
        w.start()
    bridge.on_engine_event(EngineState("running"))
    for w in workers:
        w.join()
    qtbot.waitUntil(lambda: len(runs) == 20_000 and len(output) == 20_000, timeout=10_000)
    assert threads_seen == {True}  # slots ran on the GUI thread
    assert len(batches) < 2000  # coalesced, not one delivery per event
    assert states == ["running"]


def test_a_storm_of_events_comes_once_a_second_and_a_trickle_at_once(qtbot: Any) -> None:
    """Hundreds of events a delivery (a storm: 100,000 fires a minute) are then delivered
    once a second, not five times (each delivery's repaint took CPU from the engine in the
    window's process); once they thin out, five times a second again, and the first after
    a quiet spell at once."""
    from app.gui.bridge import COALESCE_MS, STORM_EVENTS, STORM_MS

    bridge = Bridge()
    batches: list[int] = []
    bridge.runs_changed.connect(lambda events: batches.append(len(events)))
    now = datetime.now(UTC)
    assert bridge.coalesce_ms == COALESCE_MS
    for i in range(STORM_EVENTS + 1):  # the first goes at once, the rest wait together
        bridge.on_engine_event(RunChanged(i, 1, "t", "running", now))
    assert batches == [1]
    qtbot.waitUntil(lambda: batches == [1, STORM_EVENTS], timeout=5_000)
    assert bridge.coalesce_ms == STORM_MS
    qtbot.waitUntil(lambda: not bridge.pending, timeout=5_000)
    bridge.on_engine_event(RunChanged(0, 1, "t", "succeeded", now))  # after a quiet spell
    assert batches == [1, STORM_EVENTS, 1]
    assert bridge.coalesce_ms == COALESCE_MS


def test_background_brings_result_and_errors_back(qtbot: Any) -> None:
    bg = Background()
    main = threading.current_thread()
    results: list[Any] = []
    errors: list[BaseException] = []
    unhandled: list[tuple[str, str]] = []
    bg.error.connect(lambda title, message: unhandled.append((title, message)))

    def done(value: Any) -> None:
        assert threading.current_thread() is main
        results.append(value)

    bg.run(lambda: threading.current_thread() is not main, done)
    bg.run(lambda: (_ for _ in ()).throw(ValidationError("cron", "bad")), done, errors.append)
    bg.run(lambda: 1 / 0, done, title="Dividing")
    qtbot.waitUntil(lambda: bool(results and errors and unhandled), timeout=5000)
    assert results == [True]
    assert isinstance(errors[0], ValidationError) and errors[0].field == "cron"
    assert unhandled == [("Dividing", "ZeroDivisionError: division by zero")]
    assert not bg.busy


def test_background_drops_results_for_a_closed_owner(qtbot: Any) -> None:
    from app.gui.qt import QWidget

    bg = Background()
    owner = QWidget()
    got: list[int] = []
    gate = threading.Event()
    bg.run(lambda: gate.wait(5) and 1, got.append, owner=owner)
    owner.deleteLater()
    QTimer.singleShot(50, gate.set)
    qtbot.waitUntil(lambda: not bg.busy, timeout=5000)
    assert got == []


def test_a_closed_background_starts_nothing_more(qtbot: Any) -> None:
    """Its window's session stopped (`close`): a result landing then started the next read
    (the notifications' look at the runs does), which ran on the pool through the process's
    one database, against whatever store was opened since. What ran already is told."""
    bg = Background()
    gate = threading.Event()
    got: list[int] = []
    ran: list[bool] = []

    def then(value: int) -> None:
        got.append(value)
        bg.run(lambda: ran.append(True))  # the next look, as a result asks for it

    bg.run(lambda: gate.wait(5) and 1, then)
    bg.close()
    gate.set()
    qtbot.waitUntil(lambda: got == [1], timeout=5000)
    bg.wait()
    qtbot.wait(50)
    assert ran == [] and not bg.busy


def test_background_deleted_while_its_work_runs_tells_nobody_and_raises_nothing(
        qtbot: Any) -> None:
    """A window closed while its work runs: the pool waits for the job as it is deleted, and
    the job's end finds no one to tell (it used to raise in the pool thread)."""
    from app.gui.qt import QObject

    parent = QObject()
    bg = Background(parent)
    started, gate = threading.Event(), threading.Event()
    got: list[int] = []

    def work() -> int:
        started.set()
        gate.wait(5)
        return 1
    bg.run(work, got.append)
    assert started.wait(5)
    threading.Timer(0.1, gate.set).start()  # another thread: deleting waits for the job
    del bg
    parent.deleteLater()
    qtbot.wait(300)
    assert got == []


@pytest.mark.parametrize("n", [2000])
def test_pool_threads_close_their_store_connections(store: Any, qtbot: Any, n: int) -> None:
    from app.store.models import db

    bg = Background()
    open_after: list[bool] = []
    for _ in range(20):
        bg.run(lambda: store.data_version())
    bg.wait()
    pool = QThreadPool()
    pool.start(lambda: open_after.append(db.is_closed()))
    pool.waitForDone()
    assert open_after == [True]
