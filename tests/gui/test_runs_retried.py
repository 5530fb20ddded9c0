"""One word for a failed attempt that was retried: the Runs view says "retried" (amber ↻),
as the calendar does and as the status bar's "failed, not retried" counts it; it said a red
"✕ failed" (a person's run-through). Its real end stays in the Result / note column and its
details; the status filter offers "retried"; the command line's `run list` keeps the stored
statuses. The details' Error row is shown only when it says more than the exit code."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.qt import QColor, QPalette, Qt
from app.gui.runs.model import RESULT, STATUS
from app.gui.widgets import display
from app.store.runs import FINAL_FAILURE, RETRIED
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_runs_tint import contrast


def choose_status(gui: Gui, wanted: str | None) -> None:
    """The status filter, from the keyboard (focus it, arrow keys)."""
    combo = gui.window.runs_view.status
    combo.setFocus()
    gui.qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == wanted:
            return
        gui.qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == wanted


def listed(gui: Gui) -> dict[int, str]:
    model = gui.window.runs_view.model
    return {int(model.data(model.index(r, 0))): model.data(model.index(r, STATUS))
            for r in range(model.rowCount())}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_retried_failure_reads_retried(gui: Gui, cli: Any, scheme: str,
                                         restore_palette: None) -> None:
    gui.window.set_scheme(scheme)
    s = gui.service
    s.create_task(command_task("fails with 3", ["sh", "-c", "echo about to fail; exit 3"],
                               retries=1, retry_delay=0.1))
    first = s.run_now("fails with 3")
    gui.wait_until(lambda: (retry := s.follower_of(first.id)) is not None
                   and s.get_run(retry.id).status == "failed", 30)
    second = s.follower_of(first.id)
    assert second is not None
    window = gui.window
    window.resize(1280, 760)
    window.activateWindow()
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    view = window.runs_view
    model = view.model
    gui.wait_until(lambda: listed(gui) == {first.id: "retried", second.id: "failed"})
    row = model.row_of(first.id)
    icon_colour = model.data(model.index(row, STATUS), Qt.ItemDataRole.ForegroundRole)
    assert isinstance(icon_colour, QColor)
    assert icon_colour.name() == display.status_colour("retried").name()  # amber
    assert model.data(model.index(row, RESULT)) == f"exit code 3 · retried as run {second.id}"
    tint = model.data(model.index(row, STATUS), Qt.ItemDataRole.BackgroundRole)
    assert isinstance(tint, QColor) and tint != display.row_tint("failed")
    assert contrast(icon_colour, tint) >= 4.5
    assert contrast(view.table.palette().color(QPalette.ColorRole.Text), tint) >= 7

    # its details: what happened, plainly; no Error row repeating "exit code 3"
    rect = view.table.visualRect(model.index(row, 1))
    gui.qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    detail = view.detail
    gui.wait_until(lambda: detail.run is not None and detail.run.id == first.id)
    assert detail.fields["Status"].text() == f"failed — retried as run {second.id}"
    assert detail.fields["Exit code"].text() == "3"
    assert not detail.form.isRowVisible(detail.fields["Error"])
    gui.wait_until(lambda: "about to fail" in detail.output_text())
    assert window.grab().save(str(SCREENSHOTS / f"runs-retried-{scheme}.png"))

    # the status filter: "retried", "failed" (not retried), the status bar's own
    choose_status(gui, RETRIED)
    gui.wait_until(lambda: listed(gui) == {first.id: "retried"})
    choose_status(gui, "failed")
    gui.wait_until(lambda: listed(gui) == {second.id: "failed"})
    choose_status(gui, FINAL_FAILURE)
    gui.wait_until(lambda: listed(gui) == {second.id: "failed"})
    choose_status(gui, None)
    gui.wait_until(lambda: window.status.failures.text() == "1 failed today")
    window.status.failures.click()  # the same list
    gui.wait_until(lambda: view.status.currentData() == FINAL_FAILURE)
    gui.wait_until(lambda: listed(gui) == {second.id: "failed"})
    choose_status(gui, None)
    gui.wait_until(lambda: len(listed(gui)) == 2)

    # the command line says the stored statuses, as before
    runs = {r["id"]: r["status"] for r in cli("run", "list", "--json").json()}
    assert runs == {first.id: "failed", second.id: "failed"}


def test_the_error_row_shows_what_the_exit_code_does_not(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("stuck", ["sleep", "30"], timeout=0.5))
    run = s.run_now("stuck")
    gui.wait_until(lambda: s.get_run(run.id).status == "timed_out", 30)
    window = gui.window
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    view = window.runs_view
    gui.wait_until(lambda: view.model.row_of(run.id) >= 0)
    rect = view.table.visualRect(view.model.index(view.model.row_of(run.id), 1))
    gui.qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    detail = view.detail
    gui.wait_until(lambda: detail.run is not None and detail.run.id == run.id)
    error = s.get_run(run.id).error
    assert error and error.strip() != f"exit code {s.get_run(run.id).exit_code}"
    assert detail.form.isRowVisible(detail.fields["Error"])
    assert detail.fields["Error"].text() == error
