"""A run's note says why it ran, waited, was skipped or retried ("retried as run 8"); it was
the second last of the details' rows, below the fold of a window at its first size, so a
person had to scroll to see why a run was retried. It is under the status now."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import RUNS
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task


def _in_sight(detail: Any, key: str) -> bool:
    """Is the whole of the row `key` within the details' pane as it is scrolled now?"""
    viewport = detail.fields_area.viewport()
    widget = detail.fields[key]
    top_left = widget.mapTo(viewport, widget.rect().topLeft())
    bottom_right = widget.mapTo(viewport, widget.rect().bottomRight())
    return viewport.rect().contains(top_left) and viewport.rect().contains(bottom_right)


def test_a_runs_note_is_in_sight_without_scrolling(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("flaky", ["sh", "-c", "exit 2"], retries=1,
                                         retry_delay=0.5))
    gui.service.run_now("flaky")
    gui.wait_until(lambda: [r.status for r in gui.service.list_runs(0, 5, task="flaky")]
                   == ["failed", "failed"], 20)
    window = gui.window
    assert (window.width(), window.height()) == (1180, 720)  # its first size
    window.show_view(RUNS)
    view = window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 2)
    first = next(i for i, r in enumerate(view.model.rows) if r.attempt == 1)
    click_row(qtbot, view.table, first)
    detail = view.detail
    retry = view.model.rows[1 - first].id
    # said once, by the status (tests/gui/test_runs_detail_once.py)
    gui.wait_until(lambda: detail.fields["Status"].text() == f"failed — retried as run {retry}")
    gui.quiet()
    assert detail.fields_area.verticalScrollBar().value() == 0
    for key in ("Status", "Exit code", "Error"):
        assert _in_sight(detail, key), key
    assert window.grab().save(str(SCREENSHOTS / "runs-note-in-sight.png"))
