"""The "Quit Tickwork?" question holds still while it is open (a person's review: a run
ended meanwhile, the box grew a paragraph and its buttons dropped 28 px, so the click meant
for "Keep scheduling in the background" landed on the text; that paragraph spoke of a run
the box had never said was going; and "the next is due today 15:46:14" stayed after that
time had passed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from app.gui.qt import QApplication, QMessageBox, QPoint
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_quit import Watch, _ctrl_q, watch_question


def _buttons() -> dict[str, QPoint]:
    """Where the open question's buttons are on the screen."""
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    return {b.text().replace("&", ""): b.mapToGlobal(QPoint(0, 0)) for b in box.buttons()}


@pytest.mark.usefixtures("real_quit_question")
def test_a_run_ending_while_it_asks_does_not_move_its_buttons(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("Backup", schedule={"kind": "interval", "seconds": 3600}))
    s.create_task(command_task("Long", ["sleep", "30"]))
    run = s.run_now("Long")
    gui.wait_until(lambda: (gui.session.running_count() or 0) == 1, 20)
    where: list[dict[str, QPoint]] = []

    def end_it() -> None:
        where.append(_buttons())
        s.cancel_run(run.id)

    watch = watch_question(gui.qtbot, [
        ("1 run is still going", "quit-steady-run-going", end_it),
        ("The run that was still going has ended: quitting now interrupts nothing.",
         "quit-steady-run-ended", lambda: where.append(_buttons())),
    ], "Cancel")
    _ctrl_q(gui)
    gui.wait_until(lambda: watch.done, 60)
    assert where[0] == where[1], where
    assert "still going:" not in watch.seen[-1]


FollowStep = tuple[Callable[[str], bool], Callable[[], None] | None]


def _follow(qtbot: Any, steps: list[FollowStep], button: str) -> Watch:
    """While the next question is open, wait for its details to satisfy each step's test in
    turn, then do its action; after the last, click `button` (`watch_question`)."""
    return watch_question(qtbot, [(test, None, then) for test, then in steps], button)


@pytest.mark.usefixtures("real_quit_question")
def test_a_run_it_never_said_was_going_is_not_said_to_have_ended(gui: Gui) -> None:
    """Asked with no run going: a run that starts meanwhile is said (quitting would
    interrupt it), in the room kept for it; once it ends, the question says again what it
    said first, not "the run that was still going has ended"."""
    s = gui.service
    s.create_task(command_task("Backup", schedule={"kind": "interval", "seconds": 3600}))
    s.create_task(command_task("Long", ["sleep", "30"]))
    where: list[dict[str, QPoint]] = []
    started: list[int] = []

    def start() -> None:
        where.append(_buttons())
        started.append(s.run_now("Long").id)

    def end_it() -> None:
        where.append(_buttons())
        s.cancel_run(started[0])

    def shot() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        assert box.grab().save(str(SCREENSHOTS / "quit-steady-run-started.png"))
        end_it()

    watch = _follow(gui.qtbot, [
        (lambda said: "If you quit and stop scheduling" in said, start),
        (lambda said: "1 run is still going. If you keep scheduling" in said, shot),
        (lambda said: "still going" not in said, lambda: where.append(_buttons())),
    ], "Cancel")
    _ctrl_q(gui)
    gui.wait_until(lambda: watch.done, 60)
    assert where[0] == where[1] == where[2], where
    def steady(said: str) -> str:  # (the time left to the next task counts down)
        return re.sub(r"\(in [^)]*\)", "(in …)", said)

    assert steady(watch.seen[0]) == steady(watch.seen[2])
    assert "ended" not in watch.seen[2] and "still going" not in watch.seen[2]


@pytest.mark.usefixtures("real_quit_question")
def test_the_next_task_due_is_said_as_it_is_now(gui: Gui) -> None:
    """A task firing every 3 s: the question's "next is due" moves on to the next fire once
    one has come, and says how long until it."""
    s = gui.service
    s.create_task(command_task("Tick", ["true"], schedule={"kind": "interval", "seconds": 3}))
    due = re.compile(r"the next is due (today [0-9:]+) \((in [0-9]+ s|now)\): “Tick”\.")
    said: list[str] = []

    def first(details: str) -> bool:
        found = due.search(details)
        if found:
            said.append(found.group(1))
        return bool(found)

    def moved_on(details: str) -> bool:
        found = due.search(details)
        return found is not None and found.group(1) != said[0]

    watch = _follow(gui.qtbot, [(first, None), (moved_on, None)], "Cancel")
    _ctrl_q(gui)
    gui.wait_until(lambda: watch.done, 30)
    assert len(watch.seen) == 2, watch.seen
