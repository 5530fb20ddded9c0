"""A run's details, said once and whole.

A retried attempt read Status "failed — retried as run 2" and, under it, Note "retried as
run 2": the note's clause is left to the status (the Note row goes when that was all it
said; a retry's "retry of run 1 (…)" stays).
"""

from __future__ import annotations

from typing import Any

from app.gui.main_window import RUNS
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task


def test_retried_as_is_said_by_the_status_only(gui: Gui, qtbot: Any) -> None:
    s = gui.service
    s.create_task(command_task("flaky", ["sh", "-c", "exit 3"], retries=2, retry_delay=0.1))
    first = s.run_now("flaky")
    gui.wait_until(lambda: [r.status for r in s.list_runs(0, 5, task="flaky")]
                   == ["failed"] * 3, 30)
    window = gui.window
    window.resize(1280, 760)
    window.show_view(RUNS)
    view = window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 3)
    ids = sorted(r.id for r in view.model.rows)
    assert ids[0] == first.id
    rows = {r.id: i for i, r in enumerate(view.model.rows)}
    fields = view.detail.fields

    click_row(qtbot, view.table, rows[ids[0]])
    gui.wait_until(lambda: fields["Status"].text() == f"failed — retried as run {ids[1]}")
    gui.quiet()
    assert not fields["Note"].isVisible()
    assert "retried as run" not in " ".join(f.text() for k, f in fields.items()
                                            if k != "Status" and f.isVisible())
    assert window.grab().save(str(SCREENSHOTS / "runs-retried-said-once.png"))

    click_row(qtbot, view.table, rows[ids[1]])  # a retry, retried: what it retried stays
    gui.wait_until(lambda: fields["Status"].text() == f"failed — retried as run {ids[2]}")
    gui.quiet()
    note = fields["Note"].text()
    assert fields["Note"].isVisible() and note.startswith(f"retry of run {ids[0]} (")
    assert "retried as" not in note, note

    click_row(qtbot, view.table, rows[ids[2]])  # the last attempt: nothing to leave out
    gui.wait_until(lambda: fields["Status"].text() == "failed")
    gui.quiet()
    assert fields["Note"].isVisible() and fields["Note"].text().startswith(
        f"retry of run {ids[1]} (")
