"""A storm of failures pops up from the window as the engine's bubbles do
(app/engine/storm.py): five of their own, then one summary per window. Where the engine's
notifier reaches no notification server (Windows, macOS, a Linux session without one), the
window pops each note up itself — a tray balloon, or offscreen, with no tray, the status
bar's line; it was one per failure, each burying the last. The window's own engine, real
failing runs, no bus; the bell keeps every failure."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from app.engine.storm import BUDGET
from tests.gui.conftest import Gui, command_task, said

TASKS = 12
OWN = re.compile(r"t\d\d failed: .+")
SUMMARY = re.compile(r"(\d+) more runs failed: .+")


def test_a_storm_of_failures_pops_up_five_then_a_summary(
        gui_factory: Callable[..., Gui], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKWORK_PACE", "0.1")  # the fold's window: 3 s, as the engine's
    gui = gui_factory()
    assert not gui.session.engine_notifies_desktop() and not gui.window.tray.can_notify
    popped: list[str] = []

    def heard(_message: str) -> None:
        line = said(gui.window)
        if line and (not popped or popped[-1] != line):
            popped.append(line)

    gui.window.status.messageChanged.connect(heard)
    for i in range(TASKS):
        gui.service.create_task(command_task(f"t{i:02}", ["false"]))
    for i in range(TASKS):
        gui.service.run_now(f"t{i:02}")
    notes = gui.window.notifications

    def summaries() -> list[int]:
        return [int(m.group(1)) for line in popped if (m := SUMMARY.fullmatch(line))]

    gui.wait_until(lambda: summaries() and summaries()[-1] == TASKS - BUDGET, 30)
    own = [line for line in popped if OWN.fullmatch(line)]
    assert len(own) == BUDGET, popped
    assert len(summaries()) <= 2, popped  # one a window while the storm goes on
    # the list keeps each failure, and the bell counts them
    assert len([e for e in notes.entries() if e.note.kind == "failure"]) == TASKS
    assert notes.unread == TASKS
