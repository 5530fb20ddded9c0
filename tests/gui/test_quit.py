"""Quitting as a person meets it (offscreen has no tray, like many desktops): Ctrl+Q or
closing the window asks what should happen to scheduling, with buttons that say what they
do; keeping scheduling hands the store to a detached `tickwork engine` that really fires;
a viewer of another engine quits without a question; the question follows runs that end and
start while it is open."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.gui.qt import QApplication, QMessageBox, Qt, QTimer
from app.gui.widgets import display
from app.store.lock import EngineLock
from tests.gui.conftest import SCREENSHOTS, Gui, answer_question, command_task
from tests.support import tickwork

QUESTION_BUTTONS = ["Cancel", "Keep scheduling in the background", "Quit and stop scheduling"]


def _ctrl_q(gui: Gui) -> None:
    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


@pytest.fixture
def handed(gui: Gui) -> Iterator[Gui]:
    """A window whose background engine, if it started one, is stopped at teardown
    (whatever the test saw), and its process reaped."""
    yield gui
    handover = gui.window.handover
    if handover is not None:
        if handover.process.poll() is None:
            os.killpg(handover.pid, signal.SIGTERM)
        assert handover.process.wait(30) == 0  # it stopped cleanly on SIGTERM


@pytest.mark.usefixtures("real_quit_question")
def test_ctrl_q_asks_and_says_what_stops(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("Backup", schedule={"kind": "interval", "seconds": 3600}))
    s.create_task(command_task("Report", schedule={"kind": "interval", "seconds": 7200}))
    s.create_task(command_task("Old", enabled=False,
                               schedule={"kind": "interval", "seconds": 60}))
    s.create_task(command_task("By hand"))
    due = s.get_task("Backup").next_run_at
    window = gui.window

    answer = answer_question(gui.qtbot, "Cancel", screenshot="quit-question")
    _ctrl_q(gui)
    gui.wait_until(lambda: answer.done)
    assert answer.title == "Quit Tickwork?"
    assert sorted(answer.buttons or []) == QUESTION_BUTTONS
    box = answer.text
    assert "Quitting Tickwork stops scheduling." in box
    assert ("If you quit and stop scheduling, 2 scheduled tasks will not run until you open "
            f"Tickwork again; the next is due {display.when(due)} (in ") in answer.details
    assert "): “Backup”." in answer.details
    assert window.isVisible() and not window.quitting
    assert gui.session.mode == "running"

    answer = answer_question(gui.qtbot, "Quit and stop scheduling")
    with gui.qtbot.waitSignal(window.quit_requested, timeout=20_000):
        window.close()  # the window's close button: no tray here, so it quits
    assert answer.done and not window.isVisible()


@pytest.mark.usefixtures("real_quit_question")
def test_the_question_says_whether_a_running_command_is_retried(gui: Gui) -> None:
    """A run with no retries left is not promised a retry it will not get."""
    s = gui.service
    s.create_task(command_task("Once", action={"kind": "command", "argv": ["sleep", "30"]}))
    run = s.run_now("Once")
    gui.wait_until(lambda: (gui.session.running_count() or 0) == 1, 20)
    answer = answer_question(gui.qtbot, "Cancel")
    _ctrl_q(gui)
    gui.wait_until(lambda: answer.done)
    assert "then it is interrupted and not run again: it has no retries left." in (
        answer.details or ""), answer.details
    s.cancel_run(run.id)
    gui.wait_until(lambda: (gui.session.running_count() or 0) == 0, 20)


# awaited text (or a test of the details), screenshot, then
Step = tuple[str | Callable[[str], bool], str | None, Callable[[], None] | None]


@dataclass
class Watch:
    """What an open question said, step by step (`watch_question`)."""

    seen: list[str] = field(default_factory=list)
    done: bool = False


def watch_question(qtbot: Any, steps: list[Step], button: str) -> Watch:
    """While the next modal box is open, wait for each step's text in its details, save a
    screenshot if named, do the step's action; after the last, click `button`. A box that
    never says what is awaited is rejected after 60 s (the test then fails on `done`)."""
    watch = Watch()
    deadline = time.monotonic() + 60

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible() and steps:
            awaited, shot, then = steps[0]
            said = box.informativeText()
            if awaited(said) if callable(awaited) else awaited in said:
                steps.pop(0)
                watch.seen.append(box.informativeText())
                if shot:
                    assert box.grab().save(str(SCREENSHOTS / f"{shot}.png"))
                if then is not None:
                    then()
                if not steps:
                    watch.done = True
                    buttons = {b.text().replace("&", ""): b for b in box.buttons()}
                    qtbot.mouseClick(buttons[button], Qt.MouseButton.LeftButton)
                    return
        if time.monotonic() > deadline:
            if isinstance(box, QMessageBox):
                box.reject()
            return
        QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return watch


@pytest.mark.usefixtures("real_quit_question")
def test_the_question_follows_runs_that_end_and_start_while_it_is_open(gui: Gui) -> None:
    """It said how many runs were going when it opened and no more: a run that ended, or a
    new one, left it saying what was no longer true. Now each change is said, and so is
    the end of the last run."""
    s = gui.service
    for name in ("Long A", "Long B", "Long C"):
        s.create_task(command_task(name, ["sleep", "30"]))
    first, second = s.run_now("Long A"), s.run_now("Long B")
    gui.wait_until(lambda: (gui.session.running_count() or 0) == 2, 20)
    third: list[int] = []

    def end_the_rest() -> None:
        s.cancel_run(second.id)
        s.cancel_run(third[0])

    watch = watch_question(gui.qtbot, [
        ("2 runs are still going", "quit-live-two-runs", lambda: s.cancel_run(first.id)),
        ("1 run is still going", "quit-live-one-run",
         lambda: third.append(s.run_now("Long C").id)),
        ("2 runs are still going", None, end_the_rest),
        ("The runs that were still going have ended: quitting now interrupts nothing.",
         "quit-live-ended", None),
    ], "Cancel")
    _ctrl_q(gui)
    gui.wait_until(lambda: watch.done, 60)
    assert "still going" not in watch.seen[-1].replace("were still going", "")
    assert gui.window.isVisible() and not gui.window.quitting


def test_a_viewer_quits_without_asking(gui_factory: Any, real_quit_question: None) -> None:
    first = gui_factory()
    first.service.create_task(command_task("Backup", schedule={"kind": "interval",
                                                               "seconds": 3600}))
    second = gui_factory()
    assert second.session.mode == "standby"
    answer = answer_question(second.qtbot, "Cancel")  # would cancel a question: fails
    with second.qtbot.waitSignal(second.window.quit_requested, timeout=10_000):
        _ctrl_q(second)
    assert not answer.done
    assert first.session.mode == "running"


@pytest.mark.usefixtures("real_quit_question")
def test_keep_scheduling_hands_over_to_a_background_engine(handed: Gui) -> None:
    gui = handed
    s = gui.service
    s.create_task(command_task("Tick", ["sh", "-c", "echo tick"],
                               schedule={"kind": "interval", "seconds": 3}))
    gui.wait_until(lambda: s.count_runs(task="Tick", status="succeeded") >= 1, 20)
    window = gui.window
    shown = tickwork.run(["--home", str(gui.store.home), "settings"])
    assert (f"engine now: running (process {os.getpid()}), in a Tickwork window: quitting "
            "it stops it") in " ".join(shown.stdout.split()), shown.stdout
    refused = tickwork.run(["--home", str(gui.store.home), "engine", "stop"])
    assert (refused.returncode, refused.stderr) == (1, (
        f"tickwork: the engine runs in a Tickwork window (process {os.getpid()}): quit that "
        "window to stop it\n")), refused
    assert gui.session.mode == "running"

    engine_said: list[str] = []  # the status bar's engine words, as the mode changed
    gui.session.mode_changed.connect(
        lambda _mode, _detail: engine_said.append(window.status.engine.text()))
    question = answer_question(gui.qtbot, "Keep scheduling in the background")
    said = answer_question(gui.qtbot, "OK", screenshot="quit-handed-over")
    # asked just after a tick ended, ~3 s before the next: no run is going as it asks (one
    # every second was going, now and then in a full suite, and "Keep scheduling" then
    # waits for it to end before it hands over: `_keep_scheduling_with`'s case, below)
    ticks = s.count_runs(task="Tick", status="succeeded")
    gui.wait_until(lambda: s.count_runs(task="Tick", status="succeeded") > ticks
                   and not gui.session.running_count(), 20)
    _ctrl_q(gui)
    gui.wait_until(lambda: question.done)
    gui.wait_until(lambda: said.done, 60)
    handover = window.handover
    assert handover is not None
    assert handover.took_over, handover.detail
    assert said.title == "Tickwork keeps scheduling"
    assert f"process {handover.pid}" in said.text
    assert (EngineLock(gui.store.home).holder() or {}).get("pid") == handover.pid
    assert gui.engine.state == "stopped" and not window.isVisible()
    # it said "Engine stopped" while handing over, as if nothing would run
    assert engine_said == ["● Handing scheduling over to a background engine…"], engine_said
    log = gui.store.home / "engine.log"
    assert log.stat().st_mode & 0o777 == 0o600
    # `tickwork settings` said "background engine: off" while this engine scheduled
    shown = tickwork.run(["--home", str(gui.store.home), "settings"])
    assert shown.returncode == 0, shown.stderr
    assert f"engine now: running (process {handover.pid})" in shown.stdout, shown.stdout
    assert "background service: off" in shown.stdout
    assert (f"without a window (not the background service: it does not start again at "
            f"login); to stop it: tickwork --home {gui.store.home} engine stop (its runs get "
            "a few seconds to finish)") in " ".join(shown.stdout.split()), shown.stdout
    doc = json.loads(tickwork.run(["--home", str(gui.store.home), "settings", "--json"]).stdout)
    assert (doc["engine_running"], doc["engine_pid"]) == (True, handover.pid)

    handed_at = datetime.now(UTC)
    gui.wait_until(lambda: any(r.started_at and r.started_at > handed_at
                               and r.status == "succeeded"
                               for r in s.list_runs(0, 20, task="Tick")), 30)
    # the way to stop it that `tickwork settings` named (the person killed the pid)
    stopped = tickwork.run(["--home", str(gui.store.home), "engine", "stop"])
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.startswith(f"asked the engine (process {handover.pid}) to stop"), \
        stopped.stdout
    assert "stopped: nothing schedules this home's tasks" in stopped.stdout
    assert handover.process.wait(30) == 0  # it stopped as on SIGTERM, cleanly
    assert EngineLock(gui.store.home).holder() is None
    again = tickwork.run(["--home", str(gui.store.home), "engine", "stop"])
    assert (again.returncode, again.stdout) == (
        0, "no engine is running for this home: nothing to stop\n"), again


def _keep_scheduling_with(gui: Gui, name: str, seconds: int, shots: str = "",
                          ) -> tuple[Any, Any, Any]:
    """A task `sleep seconds` (one retry) running, then Ctrl+Q answered "Keep scheduling in
    the background" and the message that follows OK: the run, the two answers (screenshots
    `quit-question{shots}`, `quit-finishing{shots}` when `shots`)."""
    s = gui.service
    s.create_task(command_task(name, action={"kind": "command", "argv": ["sleep", str(seconds)]},
                               retries=1))
    run = s.run_now(name)
    gui.wait_until(lambda: (gui.session.running_count() or 0) == 1, 20)
    question = answer_question(gui.qtbot, "Keep scheduling in the background",
                               screenshot=f"quit-question{shots}" if shots else None)
    said = answer_question(gui.qtbot, "OK",
                           screenshot=f"quit-finishing{shots}" if shots else None)
    _ctrl_q(gui)
    gui.wait_until(lambda: said.done, 60)
    return run, question, said


@pytest.mark.usefixtures("real_quit_question")
def test_keep_scheduling_with_a_run_going_lets_it_end_then_hands_over(handed: Gui) -> None:
    """"Keep scheduling in the background" stopped the window's engine at once, so a run
    going (a backup of two hours) was interrupted, the question said, "whichever you
    choose" (a walk through the real window): a person keeping scheduling expects their
    runs kept too. Now the window closes, its process runs what goes to its end, keeping the
    schedule meanwhile, and hands over once nothing runs: the run succeeds, once."""
    gui = handed
    s = gui.service
    run, question, said = _keep_scheduling_with(gui, "Backup", 2, "-run-going")
    assert (question.details or "").startswith(
        "1 run is still going. If you keep scheduling in the background, it goes on to its "
        "end in this process (the window closes; a background engine takes over once nothing "
        "runs). If you quit and stop scheduling, the engine gives it a few seconds to finish, "
        "then it is interrupted and retried when an engine starts again."), question.details
    assert said.title == "Tickwork keeps scheduling"
    assert said.text == (f"The window closes; the run still going goes on to its end in this "
                         f"process ({os.getpid()}), which keeps your tasks on time meanwhile.")
    gui.wait_until(lambda: not gui.window.isVisible())
    gui.wait_until(lambda: gui.window.handover is not None, 60)
    handover = gui.window.handover
    assert handover is not None and handover.took_over, handover
    assert (handover.interrupted, s.get_run(run.id).status) == (0, "succeeded")
    assert [r.id for r in s.list_runs(0, 20, task="Backup")] == [run.id]  # no retry
    assert (EngineLock(gui.store.home).holder() or {}).get("pid") == handover.pid
    assert gui.engine.state == "stopped" and not gui.window.isVisible()


@pytest.mark.usefixtures("real_quit_question")
def test_a_window_shown_again_while_its_runs_end_hands_nothing_over(handed: Gui) -> None:
    """The window shown again (the tray's icon) while its process waits for its runs to
    end: the person changed their mind; the window's engine goes on, nothing is handed
    over, and Quit asks again."""
    gui = handed
    s = gui.service
    run, _question, _said = _keep_scheduling_with(gui, "Long", 30)
    gui.wait_until(lambda: not gui.window.isVisible())
    with gui.qtbot.waitExposed(gui.window):
        gui.window.show_and_raise()  # as the tray's icon does (offscreen has no tray)
    gui.wait_until(lambda: not gui.window.quit_flow.asking)
    gui.qtbot.wait(600)  # (a few of its looks)
    assert gui.window.handover is None and gui.session.mode == "running"
    assert s.get_run(run.id).status == "running"
    asked = answer_question(gui.qtbot, "Cancel")
    gui.window.close()  # its title bar's close button (no tray: it quits, asking first)
    gui.wait_until(lambda: asked.done, 30)
    assert gui.window.isVisible() and gui.window.handover is None
    s.cancel_run(run.id)


@pytest.mark.usefixtures("real_quit_question")
def test_the_trays_quit_while_runs_end_behind_the_closed_window_asks_again(
        handed: Gui) -> None:
    """The tray's Quit while the window's process lets its runs end (the window closed,
    "Keep scheduling in the background") did nothing: the first Quit was still in hand.
    The person wants out now: the window comes back and asks again; "Quit and stop
    scheduling" quits (the app stops the engine, interrupting the run) and hands nothing
    over."""
    gui = handed
    s = gui.service
    run, _question, _said = _keep_scheduling_with(gui, "Long", 30)
    gui.wait_until(lambda: not gui.window.isVisible())
    asked = answer_question(gui.qtbot, "Quit and stop scheduling")
    with gui.qtbot.waitSignal(gui.window.quit_requested, timeout=30_000):  # (the app stops
        gui.window.tray.quit_requested.emit()  # its engine then) — the tray menu's Quit
    assert asked.done and (asked.details or "").startswith("1 run is still going."), asked
    assert gui.window.handover is None and not gui.window.isVisible()
    assert s.get_run(run.id).status == "running"  # (till the app stops its engine)
    gui.qtbot.wait(600)  # (a few looks of the finishing that was stopped: none hands over)
    assert gui.window.handover is None
    s.cancel_run(run.id)


def test_the_question_names_runs_in_flight_in_words() -> None:
    from app.gui.window.quitting import Scheduled, question_text

    at = datetime.now(UTC) + timedelta(hours=1)
    _text, details = question_text(1, Scheduled(1, at, "Backup"), now=at - timedelta(hours=1))
    assert ("1 scheduled task will not run until you open Tickwork again; the next is due "
            f"{display.when(at, at - timedelta(hours=1))} (in 1 h): “Backup”.") in details
    assert "1 run is still going. " in details
    assert "interrupted and retried when an engine starts again" in details
    _text, details = question_text(3, Scheduled(0))
    assert "3 runs are still going" in details and "scheduled task" not in details
    assert "they go on to their end in this process" in details
    assert "they are interrupted and retried when an engine starts again" in details
    _text, details = question_text(1, Scheduled(0), retried=0)  # no retries left: said so
    assert "then it is interrupted and not run again: it has no retries left." in details
    _text, details = question_text(3, Scheduled(0), retried=1)
    assert ("they are interrupted; 1 of them is retried when an engine starts again, the "
            "others have no retries left.") in details
    _text, details = question_text(2, Scheduled(0), retried=1)  # one left over: "the other"
    assert ("they are interrupted; 1 of them is retried when an engine starts again, the "
            "other has no retries left.") in details
    _text, details = question_text(0, Scheduled(0), ended=1)  # the last ended while asked
    assert "The run that was still going has ended: quitting now interrupts nothing." in details
    # another engine stands by: scheduling goes on, the runs here are retried by it at once
    text, details = question_text(3, Scheduled(2, at, "Backup", taken_over=True), retried=1)
    assert text == ("Another Tickwork window or engine on this computer takes over scheduling "
                    "when you quit.")
    assert "will not run" not in details and "Keep scheduling" not in details
    assert ("they are interrupted; the engine that takes over retries 1 of them at once, the "
            "others have no retries left.") in details
    # a shared store cannot tell: the words hold either way
    text, details = question_text(0, Scheduled(2, at, "Backup", taken_over=None))
    assert text == "Quitting Tickwork stops scheduling here."
    assert "If you quit and stop scheduling and no other engine of this store takes over, 2 " \
           "scheduled tasks will not run" in details


@pytest.mark.usefixtures("real_quit_question")
def test_with_another_engine_standing_by_quit_says_it_takes_over(
        gui: Gui, home: Any, tmp_path: Any) -> None:
    """A real `tickwork engine` waits as a standby: Ctrl+Q with a run going says that engine
    takes over and retries the run at once; it does, and it keeps firing."""
    from tests.engine.conftest import EngineProcess, wait_until
    from tests.support import tickwork

    s = gui.service
    s.create_task(command_task("Tick", schedule={"kind": "interval", "seconds": 1}))
    s.create_task(command_task("Long", action={"kind": "command", "argv": ["sleep", "30"]},
                               retries=1))
    tickwork.warm()
    standby = EngineProcess(home, tmp_path / "standby.log", grace=2.0)
    try:
        wait_until(lambda: EngineLock(home).standing_by(), 30)
        run = s.run_now("Long")
        gui.wait_until(lambda: (gui.session.running_count() or 0) == 1, 20)
        answer = answer_question(gui.qtbot, "Quit", screenshot="quit-question-standby")
        with gui.qtbot.waitSignal(gui.window.quit_requested, timeout=30_000):
            _ctrl_q(gui)
        assert answer.text == ("Another Tickwork window or engine on this computer takes "
                               "over scheduling when you quit.")
        assert sorted(answer.buttons or []) == ["Cancel", "Quit"]
        assert "Your scheduled tasks go on running on time." in (answer.details or "")
        # (Long's run, and a run of Tick's where one was going at that moment: Tick has no
        # retries)
        assert ("1 run is still going in this window: the engine gives it a few seconds to "
                "finish, then it is interrupted, and the engine that takes over retries it at "
                "once.") in (answer.details or "") or (
            "2 runs are still going in this window: the engine gives them a few seconds to "
            "finish, then they are interrupted; the engine that takes over retries 1 of them "
            "at once, the other has no retries left.") in (answer.details or "")
        gui.engine.stop(1.0)  # (the app stops it as the window quits)
        wait_until(lambda: (EngineLock(home).holder() or {}).get("pid") == standby.proc.pid,
                   10)
        wait_until(lambda: any(r.attempt == 2 and r.status == "running"
                               for r in s.list_runs(0, 20, task="Long")), 20)
        after = datetime.now(UTC)
        wait_until(lambda: any(r.started_at and r.started_at > after
                               for r in s.list_runs(0, 20, task="Tick")), 20)
        s.cancel_run(next(r.id for r in s.list_runs(0, 20, task="Long") if r.attempt == 2))
        assert run.attempt == 1
    finally:
        standby.stop()


def test_a_background_engine_that_dies_is_not_taken_for_a_hand_over(tmp_path: Any) -> None:
    import subprocess
    import sys

    from app.gui.window.quitting import wait_for_takeover

    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    assert not wait_for_takeover(tmp_path, process, timeout=30)
    assert process.returncode == 3


@pytest.mark.usefixtures("real_quit_question")
def test_with_an_engine_standing_by_and_no_run_going_quit_does_not_ask(
        gui: Gui, home: Any, tmp_path: Any) -> None:
    """Nothing stops when an engine stands by and nothing runs here: Ctrl+Q just quits
    (a question would be about nothing), though tasks are scheduled."""
    from tests.engine.conftest import EngineProcess, wait_until
    from tests.support import tickwork

    gui.service.create_task(command_task("Backup", schedule={"kind": "interval",
                                                             "seconds": 3600}))
    tickwork.warm()
    standby = EngineProcess(home, tmp_path / "standby.log", grace=2.0)
    try:
        wait_until(lambda: EngineLock(home).standing_by(), 30)
        question = answer_question(gui.qtbot, "Cancel")  # a question would keep it open
        with gui.qtbot.waitSignal(gui.window.quit_requested, timeout=20_000):
            _ctrl_q(gui)
        assert not question.done
    finally:
        standby.stop()


@pytest.mark.usefixtures("real_quit_question")
def test_the_question_names_a_retry_due_before_the_next_fire(gui: Gui) -> None:
    """A task's run failed and waits out its retry, due within the hour, where its schedule's
    next fire is two hours on: the question named the fire ("the next is due … (in 2 h):
    “Flaky upload”"); the retry is what stops first. F5 in the window, its own engine."""
    s = gui.service
    s.create_task(command_task("Flaky upload", action={"kind": "command", "argv": ["false"]},
                               schedule={"kind": "interval", "seconds": 7200},
                               retries=1, retry_delay=3600))
    window = gui.window
    table = window.tasks_view.table
    gui.wait_until(lambda: window.tasks_model.rowCount() == 1)
    table.selectRow(0)
    window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is window)
    table.setFocus()
    gui.qtbot.keyClick(table, Qt.Key.Key_F5)  # Run now
    gui.wait_until(lambda: (run := s.get_task("Flaky upload").last_run) is not None
                   and run.status == "retrying", 20)
    due = s.get_task("Flaky upload").last_run.due_at
    answer = answer_question(gui.qtbot, "Cancel")
    _ctrl_q(gui)
    gui.wait_until(lambda: answer.done)
    assert ("If you quit and stop scheduling, 1 scheduled task will not run until you open "
            f"Tickwork again; the next is due {display.when(due)} (in ") in answer.details
    assert "): a retry of “Flaky upload”." in answer.details, answer.details


def test_a_retry_alone_is_said_as_what_stops() -> None:
    """A retry waiting with no task scheduled (a task run by hand, or paused): it stops too."""
    from app.gui.window.quitting import Scheduled, question_text

    at = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
    _text, details = question_text(0, Scheduled(0, at, "Backup", retry=True),
                                   now=at - timedelta(minutes=30))
    assert details.startswith("If you quit and stop scheduling, a waiting retry will not run "
                              "until you open Tickwork again; the next is due "), details
    assert "(in 30 min): a retry of “Backup”." in details, details
