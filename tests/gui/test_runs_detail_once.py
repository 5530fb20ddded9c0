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


def _cut_rows(detail: Any) -> list[str]:
    """The rows of the details partly in sight (neither wholly shown nor wholly hidden) and
    not covered over."""
    area = detail.fields_area
    viewport = area.viewport()
    covers = [c.geometry() for c in area.curtains if c.isVisible()]
    cut = []
    for key, field in detail.fields.items():
        if not detail.form.isRowVisible(field):
            continue
        label = detail.form.labelForField(field)
        row = label.geometry().united(field.geometry()).translated(
            field.parentWidget().mapTo(viewport, field.parentWidget().rect().topLeft()))
        seen = row.intersected(viewport.rect())
        if seen.isEmpty() or seen == row:
            continue
        if not any(c.contains(seen) for c in covers):
            cut.append(key)
    return cut


def test_at_800_by_560_no_row_is_cut_through(gui: Gui, qtbot: Any) -> None:
    """At 800×560 "Scheduled for" showed its upper half under the five rows in sight: the
    pane ends where a row begins, and scrolled to its end the last row is whole too."""
    s = gui.service
    s.create_task(command_task("kbtask", ["date"]))
    run = s.run_now("kbtask")
    gui.wait_until(lambda: s.get_run(run.id).status == "succeeded", 15)
    window = gui.window
    window.resize(800, 560)
    window.show_view(RUNS)
    view = window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 1)
    click_row(qtbot, view.table, 0)
    detail = view.detail
    gui.wait_until(lambda: detail.fields["Status"].text() == "succeeded")
    gui.quiet()
    bar = detail.fields_area.verticalScrollBar()
    assert bar.maximum() > 0  # (the rows do not all fit: they scroll)
    assert _cut_rows(detail) == []
    assert window.grab().save(str(SCREENSHOTS / "runs-detail-800x560-whole-rows.png"))
    bar.setValue(bar.maximum() // 2)  # scrolled: a row cut at the top is covered too
    gui.quiet()
    assert _cut_rows(detail) == []
    bar.setValue(bar.maximum())
    gui.quiet()
    assert _cut_rows(detail) == []
    last = detail.fields["Checkpoint"]
    viewport = detail.fields_area.viewport()
    assert last.mapTo(viewport, last.rect().bottomLeft()).y() < viewport.height()
    assert not any(c.isVisible() and c.geometry().intersects(last.geometry().translated(
        last.parentWidget().mapTo(viewport, last.parentWidget().rect().topLeft())))
        for c in detail.fields_area.curtains)  # the last row, whole, is not covered
    assert window.grab().save(str(SCREENSHOTS / "runs-detail-800x560-scrolled.png"))
