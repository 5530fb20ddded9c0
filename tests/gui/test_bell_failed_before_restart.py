"""What the status bar's "failed today" counts, the bell can show: a failure from before the
window restarted (its engine with it), or from before a viewer opened on a headless engine,
is listed in the bell as its engine told it — read, at the time it ended — where the count
said "1 failed today" over a bell with nothing in it (a person's week under X)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.engine.conftest import holding_engine
from tests.gui.conftest import SCREENSHOTS, Gui, _open_gui, close_gui, command_task


def _failures(gui: Gui) -> list[tuple[str, int | None]]:
    return [(e.note.title, e.note.run_id) for e in gui.window.notifications.entries()
            if e.note.kind == "failure"]


def _fails(gui: Gui) -> int:
    """A task that fails, run now and ended; its run's id."""
    s = gui.service
    s.create_task(command_task("nightly", ["sh", "-c", "exit 3"]))
    s.run_now("nightly")
    gui.wait_until(lambda: [r.status for r in s.list_runs(0, 1, task="nightly")]
                   == ["failed"], 30)
    return int(s.list_runs(0, 1, task="nightly")[0].id)


def test_a_failure_from_before_the_window_restarted_is_in_the_bell(
        gui_factory: Callable[..., Gui], home: Path, qtbot: Any) -> None:
    first = _open_gui(home, qtbot)
    try:
        run_id = _fails(first)
        first.wait_until(lambda: _failures(first) == [("nightly failed", run_id)], 20)
    finally:
        close_gui(first)

    gui = gui_factory()  # the same day, the same home
    gui.quiet()
    gui.wait_until(lambda: gui.window.status.failures.text() == "1 failed today")
    gui.wait_until(lambda: _failures(gui), 10)
    assert _failures(gui) == [("nightly failed", run_id)]
    [entry] = [e for e in gui.window.notifications.entries() if e.note.kind == "failure"]
    assert entry.at == gui.service.get_run(run_id).finished_at  # when it failed, not now
    assert gui.window.notifications.unread == 0  # the red count says it: no second alarm
    gui.window.status.bell.click()
    gui.wait_until(gui.window.dock.isVisible)
    gui.quiet()
    assert gui.window.grab().save(str(SCREENSHOTS / "bell-failed-before-restart.png"))


def test_a_viewer_opened_after_the_engines_failure_has_it_in_the_bell(
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path, qtbot: Any) -> None:
    engine = holding_engine(home, tmp_path / "engine.log")
    try:
        viewer = _open_gui(home, qtbot)
        try:
            assert viewer.session.mode == "standby"
            run_id = _fails(viewer)
            viewer.wait_until(lambda: _failures(viewer), 20)
        finally:
            close_gui(viewer)

        gui = gui_factory()  # a viewer again, opened after the failure
        assert gui.session.mode == "standby"
        gui.quiet()
        gui.wait_until(lambda: gui.window.status.failures.text() == "1 failed today")
        gui.wait_until(lambda: _failures(gui), 10)
        assert _failures(gui) == [("nightly failed", run_id)]
    finally:
        assert engine.stop() == 0
