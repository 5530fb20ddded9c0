"""The Runs view says how a run ended as a person reads it. A run cancelled from its details
read "Error: cancelled on request": a cancel (a timeout, the engine's stop, a skip) is no
error; its row now reads "Why it ended", a failure's still "Error". And a Python action that
succeeded had an empty "Result / note" beside a command's "exit code 0", as if nothing were
known of it: it reads "returned" (the value it returned is in its output)."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from app.gui.runs.model import RESULT, RUN
from tests.gui.conftest import Gui, click_row, command_task


def _clicked(gui: Gui, qtbot: Any, run_id: int) -> None:
    """Click the run's row in the Runs view, as a person picks it."""
    view = gui.window.runs_view
    gui.wait_until(lambda: any(view.model.index(r, RUN).data() == str(run_id)
                               for r in range(view.model.rowCount())))
    row = next(r for r in range(view.model.rowCount())
               if view.model.index(r, RUN).data() == str(run_id))
    click_row(qtbot, view.table, row)
    gui.wait_until(lambda: view.detail.title.text().startswith(f"Run {run_id} of "))


def _error_row(gui: Gui) -> tuple[str, str]:
    """The details' error row as it reads: its label, its words."""
    detail = gui.window.runs_view.detail
    field = detail.fields["Error"]
    return detail.form.labelForField(field).text(), field.text()


def test_a_cancelled_run_says_why_it_ended_and_a_failure_its_error(gui: Gui,
                                                                    qtbot: Any) -> None:
    gui.service.create_task(command_task("slow", ["sh", "-c", "echo started; sleep 30"]))
    gui.service.create_task({"name": "breaks", "timezone": "UTC", "action": {
        "kind": "python", "target": "tests.support.actions:boom",
        "kwargs": {"message": "no such account"}}})
    gui.window.show_view(RUNS)
    slow = gui.service.run_now("slow")
    detail = gui.window.runs_view.detail
    _clicked(gui, qtbot, slow.id)
    gui.wait_until(lambda: "started" in detail.output_text(), 15)
    qtbot.mouseClick(detail.cancel_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: detail.fields["Status"].text() == "cancelled", 15)
    gui.wait_until(lambda: _error_row(gui)[1] != "—", 5)  # (its re-read after the end)
    assert _error_row(gui) == ("Why it ended", "cancelled on request")
    broke = gui.service.run_now("breaks")
    gui.wait_until(lambda: gui.service.get_run(broke.id).status == "failed", 20)
    _clicked(gui, qtbot, broke.id)
    gui.wait_until(lambda: detail.fields["Status"].text() == "failed")
    assert _error_row(gui) == ("Error", "RuntimeError: no such account")
    _clicked(gui, qtbot, slow.id)  # each run its own label
    assert _error_row(gui) == ("Why it ended", "cancelled on request")


def test_a_python_run_that_succeeded_says_it_returned(gui: Gui) -> None:
    gui.service.create_task({"name": "tidy", "timezone": "UTC", "action": {
        "kind": "python", "target": "tests.support.actions:noop"}})
    gui.service.create_task(command_task("copy"))
    ran = [gui.service.run_now(name) for name in ("tidy", "copy")]
    gui.wait_until(lambda: all(gui.service.get_run(r.id).status == "succeeded"
                               for r in ran), 20)
    gui.window.show_view(RUNS)
    model = gui.window.runs_view.model
    gui.wait_until(lambda: model.rowCount() == 2)
    gui.quiet()
    results = {model.index(r, RUN).data(): model.index(r, RESULT).data()
               for r in range(model.rowCount())}
    assert results == {str(ran[0].id): "returned", str(ran[1].id): "exit code 0"}
