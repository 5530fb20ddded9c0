"""The Runs view: the log tails live while a run is going, Cancel stops it, Re-run starts
another, filters narrow the list, and a failure notification opens its run."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from app.gui.runs.view import TYPING_QUIET_MS
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task


def test_log_tails_live_and_cancel_stops_the_run(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task(
        "slow", ["sh", "-c", "echo started; sleep 0.3; echo still going; sleep 30"]))
    gui.window.show_view(RUNS)
    run = gui.service.run_now("slow")
    view = gui.window.runs_view
    gui.wait_until(lambda: view.select_run(run.id))
    gui.wait_until(lambda: "still going" in view.detail.output_text())
    assert view.detail.fields["Status"].text() == "running"  # tailing, not after the fact
    assert view.detail.cancel_button.isEnabled()
    qtbot.mouseClick(view.detail.cancel_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: view.detail.fields["Status"].text() == "cancelled", 15)
    assert not view.detail.cancel_button.isEnabled()
    qtbot.mouseClick(view.detail.rerun_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.service.count_runs(task="slow") == 2)
    gui.wait_until(lambda: view.model.rowCount() == 2)
    newest = gui.service.list_runs(0, 1)[0]
    gui.service.cancel_run(newest.id)
    gui.wait_until(lambda: gui.service.get_run(newest.id).status == "cancelled", 15)


def cancel_in_runs(gui: Gui) -> tuple[Any, Any]:
    """A command run of "backup" that has started, cancelled with the Runs view's button;
    the run and the view."""
    gui.service.create_task(command_task("backup", ["sh", "-c", "echo started; sleep 30"]))
    gui.window.show_view(RUNS)
    run = gui.service.run_now("backup")
    view = gui.window.runs_view
    gui.wait_until(lambda: view.select_run(run.id))
    gui.wait_until(lambda: "started" in view.detail.output_text())
    gui.qtbot.mouseClick(view.detail.cancel_button, Qt.MouseButton.LeftButton)
    return run, view


def test_the_status_bar_says_how_a_cancelled_run_ended(gui: Gui) -> None:
    """"cancel requested" stayed in the status bar after the run showed `cancelled` (seen
    under Xvfb): once the run ends, the message says how."""
    run, view = cancel_in_runs(gui)
    bar = gui.window.statusBar()
    gui.wait_until(lambda: view.detail.fields["Status"].text() == "cancelled", 15)
    gui.wait_until(lambda: bar.currentMessage() == f"Run {run.id} of backup: cancelled.")
    gui.wait_until(lambda: view.detail.fields["Finished"].text() != "—", 5)  # re-read
    gui.window.grab().save(str(SCREENSHOTS / "runs-cancel-ended-status-bar.png"))
    assert bar.currentMessage() == f"Run {run.id} of backup: cancelled."  # said once, kept


def test_filters_by_task_status_and_date(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("ok", ["true"]))
    gui.service.create_task(command_task("bad", ["false"], notify={"on_failure": True}))
    for name in ("ok", "bad", "ok"):
        run = gui.service.run_now(name)
        gui.wait_until(lambda r=run: gui.service.get_run(r.id).status in ("succeeded",
                                                                          "failed"))
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 3)
    view.status.setCurrentIndex(view.status.findData("failed"))
    gui.wait_until(lambda: view.model.rowCount() == 1)
    assert view.model.rows[0].task_name == "bad"
    view.status.setCurrentIndex(0)
    view.period.setCurrentIndex(view.period.findData("today"))
    gui.wait_until(lambda: view.model.rowCount() == 3)
    view.task.setFocus()
    pause = view._typed.timer  # the pause a key starts: longer than any stall of a busy
    pause.setInterval(60_000)  # machine here, so "no read per key" cannot be timing luck
    qtbot.keyClicks(view.task, "o")
    assert view.model.query().task_containing == "" and pause.isActive()  # no read per key
    pause.setInterval(TYPING_QUIET_MS)
    qtbot.keyClicks(view.task, "K")
    gui.wait_until(lambda: view.model.rowCount() == 2)  # no Enter: the filter follows
    assert view.model.query().task_containing == "oK"
    gui.wait_until(lambda: view.count.text() == "2 runs")
    qtbot.keyClicks(view.task, "x")
    qtbot.keyClick(view.task, Qt.Key.Key_Return)  # Enter reads at once
    assert view.model.query().task_containing == "oKx"
    gui.wait_until(lambda: "No task's name contains “oKx”" in view.filter_error.text())
    gui.wait_until(lambda: view.count.text() == "0 runs")  # (its own read: it may come after)
    qtbot.keyClick(view.task, Qt.Key.Key_Backspace)
    gui.wait_until(lambda: view.model.rowCount() == 2)
    assert not view.filter_error.isVisible()


def test_the_task_filter_matches_part_of_a_name_and_clears(gui: Gui, qtbot: Any) -> None:
    """Typing part of a name lists the runs of every task whose name holds it; the field's
    clear button lists every run again."""
    from app.gui.qt import QToolButton

    for name in ("Backup notes", "backup photos", "Mail"):
        gui.service.create_task(command_task(name, ["true"]))
        run = gui.service.run_now(name)
        gui.wait_until(lambda r=run: gui.service.get_run(r.id).status == "succeeded")
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 3)
    view.task.setFocus()
    qtbot.keyClicks(view.task, "backup")
    gui.wait_until(lambda: view.model.rowCount() == 2)
    assert {r.task_name for r in view.model.rows} == {"Backup notes", "backup photos"}
    clear = next(b for b in view.task.findChildren(QToolButton) if b.isVisible())
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: view.model.rowCount() == 3)
    assert view.task.text() == ""


def test_a_failure_notification_opens_its_run(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("breaks", ["sh", "-c", "echo oops >&2; exit 2"]))
    run = gui.service.run_now("breaks")
    notes = gui.window.notifications
    gui.wait_until(lambda: any(e.note.run_id == run.id for e in notes.entries()), 15)
    entry = next(e for e in notes.entries() if e.note.run_id == run.id)
    assert entry.note.kind == "failure" and "breaks" in entry.note.title
    gui.wait_until(lambda: gui.window.status.failures.text() == "1 failed today")
    gui.window.show_view(RUNS)  # the list read with another task's name: the run comes by
    view = gui.window.runs_view  # a new reading of the list, not as a row added to it
    qtbot.keyClicks(view.task, "zzz")
    qtbot.keyClick(view.task, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.model.rowCount() == 0)
    notes.list.setCurrentRow(0)
    qtbot.mouseClick(notes.open_button, Qt.MouseButton.LeftButton)
    view = gui.window.runs_view
    assert gui.window.current_view() == RUNS
    gui.wait_until(lambda: view.detail.run is not None and view.detail.run.id == run.id)
    gui.wait_until(lambda: "oops" in view.detail.output_text())
    # the run shown is the run selected, so the toolbar acts on it as the pane does (its
    # detail once showed with no row selected and the toolbar's actions off)
    gui.wait_until(lambda: view.table.currentIndex().row() == view.model.row_of(run.id) >= 0)
    gui.wait_until(gui.window.task_ops.run_now.isEnabled)
    qtbot.mouseClick(notes.retry_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.service.count_runs(task="breaks") == 2)


def test_audit_view_verifies_the_trail(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("audited"))
    gui.window.show_view(5)
    view = gui.window.audit_view
    gui.wait_until(lambda: view.model.rowCount() == 1)
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: "intact" in view.result.text())
    gui.service.set_enabled("audited", False)
    gui.wait_until(lambda: view.model.rowCount() == 2)  # new events arrive at the top
    assert view.model.rows[0].action == "task.pause"
    view.actor.setCurrentIndex(view.actor.findData("cli"))
    gui.wait_until(lambda: view.model.rowCount() == 0)


def test_a_run_shows_the_checkpoint_its_action_saved(gui: Gui, qtbot: Any, tmp_path: Any
                                                     ) -> None:
    """README: when an attempt ends its checkpoint is saved as the run's; nothing showed it.
    The run's details do now (and `run show` and `--json`, tests/cli)."""
    run, view = _ran_and_picked(gui, qtbot, {
        "name": "counter", "timezone": "UTC", "action": {
            "kind": "python", "target": "tests.support.actions:count_to",
            "kwargs": {"n": 3, "path": str(tmp_path / "steps")}}})
    gui.wait_until(lambda: view.detail.fields["Checkpoint"].text() == '{"done": 3}')
    assert "retry of this fire starts from" in view.detail.fields["Checkpoint"].toolTip()
    assert gui.service.get_run(run.id).to_json()["checkpoint"] == {"done": 3}
    assert view.detail.fields["Error"].text() == "—"  # a run that succeeded shows no error


def _counting_run(gui: Gui, tmp_path: Any, name: str, n: int, pause: float) -> Any:
    """A run of a Python action counting to n (a checkpoint and a progress report each step,
    `pause` s apart), selected in Runs."""
    gui.service.create_task({"name": name, "timezone": "UTC", "action": {
        "kind": "python", "target": "tests.support.actions:count_to",
        "kwargs": {"n": n, "path": str(tmp_path / "steps"), "pause": pause}}})
    run = gui.service.run_now(name)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.row_of(run.id) >= 0)
    click_row(gui.qtbot, view.table, view.model.row_of(run.id))
    return run


def test_a_running_run_shows_each_checkpoint_as_it_is_saved(gui: Gui, qtbot: Any,
                                                            tmp_path: Any) -> None:
    """The Checkpoint row stayed "—" while a Python run saved checkpoints (only its end
    showed one; seen under Xvfb): it shows the last one saved while the run goes on."""
    run = _counting_run(gui, tmp_path, "slow counter", n=3, pause=4)
    view = gui.window.runs_view
    checkpoint = view.detail.fields["Checkpoint"]
    gui.wait_until(lambda: checkpoint.text() == '{"done": 1}', 20)  # as the run was read
    gui.wait_until(lambda: checkpoint.text() == '{"done": 2}', 20)  # the next, live
    assert gui.service.get_run(run.id).status == "running"
    gui.service.cancel_run(run.id)
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "cancelled", 20)


def test_a_running_run_shows_its_latest_progress_live(gui: Gui, qtbot: Any,
                                                      tmp_path: Any) -> None:
    """A Python action's `progress(...)` showed only as log lines (seen under Xvfb): the
    detail says the latest, as it comes; a run that reports none has no Progress row."""
    gui.service.create_task(command_task("quiet", ["true"]))
    quiet = gui.service.run_now("quiet")
    gui.wait_until(lambda: gui.service.get_run(quiet.id).status == "succeeded", 15)
    run = _counting_run(gui, tmp_path, "copier", n=4, pause=1.5)
    view = gui.window.runs_view
    progress = view.detail.fields["Progress"]
    gui.wait_until(lambda: progress.text() == "25 % — step 1", 20)  # as the run was read
    assert progress.isVisible()
    gui.wait_until(lambda: progress.text() == "50 % — step 2", 20)  # the next, live
    assert gui.service.get_run(run.id).status == "running"
    gui.window.grab().save(str(SCREENSHOTS / "runs-detail-progress.png"))
    click_row(qtbot, view.table, view.model.row_of(quiet.id))  # a run with no progress
    gui.wait_until(lambda: view.detail.fields["Status"].text() == "succeeded")
    assert not progress.isVisible()
    gui.service.cancel_run(run.id)
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "cancelled", 20)


def test_a_runs_note_is_not_shown_as_its_error(gui: Gui, qtbot: Any) -> None:
    """A chained run that succeeded showed "Error: chain: after X succeeded" (found by a
    window run-through): its note has its own row."""
    from tests.gui.conftest import click_row

    gui.service.create_task(command_task("up"))
    gui.service.create_task(command_task("down", schedule={"kind": "after", "tasks": ["up"]}))
    gui.service.run_now("up")
    gui.wait_until(lambda: [r.status for r in gui.service.list_runs(0, 5, task="down")]
                   == ["succeeded"], 20)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 2)
    row = next(i for i, r in enumerate(view.model.rows) if r.task_name == "down")
    click_row(qtbot, view.table, row)
    gui.wait_until(lambda: view.detail.fields["Note"].text().startswith("chain"))
    assert view.detail.fields["Error"].text() == "—"


def test_editing_a_task_from_runs_stays_in_runs(gui: Gui, qtbot: Any) -> None:
    """Edit task → Save from a run's details threw the window over to Tasks (found by a
    window run-through); it stays where the edit began."""
    from tests.gui.conftest import closed

    _run, view = _ran_and_picked(gui, qtbot, command_task("t"))
    gui.wait_until(view.detail.open_button.isEnabled)
    qtbot.mouseClick(view.detail.open_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.task_ops.editor is not None
                   and gui.window.task_ops.editor.isVisible())
    editor = gui.window.task_ops.editor
    qtbot.keyClicks(editor.general.description, "edited from Runs")
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    gui.wait_until(lambda: gui.service.get_task("t").spec.description == "edited from Runs")
    gui.settle()
    assert gui.window.current_view() == RUNS


def _ran_and_picked(gui: Gui, qtbot: Any, task: dict[str, Any], status: str = "succeeded"
                    ) -> tuple[Any, Any]:
    """A task made, run by hand to its end (`status`), and its run clicked in Runs."""
    from tests.gui.conftest import click_row

    gui.service.create_task(task)
    run = gui.service.run_now(task["name"])
    gui.wait_until(lambda: gui.service.get_run(run.id).status == status, 20)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 1)
    click_row(qtbot, view.table, 0)
    return run, view


def test_every_detail_row_can_be_read_in_a_small_window(gui: Gui, qtbot: Any) -> None:
    """At 900×600 the details scroll, and a long error (one word longer than the pane: a
    path) wraps inside the pane instead of running off its edge; the wheel brings the last
    row into view."""
    from app.gui.qt import QApplication, QPoint, QPointF, QWheelEvent

    long_word = "/very/long/path/" + "x" * 150
    _run, view = _ran_and_picked(gui, qtbot, {
        "name": "breaks", "timezone": "UTC", "action": {
            "kind": "python", "target": "tests.support.actions:boom",
            "kwargs": {"message": f"{long_word} and then some words " * 3}}}, "failed")
    gui.window.resize(900, 600)
    gui.wait_until(lambda: view.detail.fields["Status"].text() == "failed")
    area = view.detail.fields_area
    viewport = area.viewport()
    error = view.detail.fields["Error"]
    assert long_word in error.text()
    bar = area.verticalScrollBar()
    # every line of the error, at the width it is given (once the layout has followed)
    gui.wait_until(lambda: error.height() >= error.heightForWidth(error.width()) > 60)
    assert bar.maximum() > 0  # the rows do not fit: they scroll
    centre = QPointF(viewport.rect().center())
    for _ in range(40):
        if bar.value() == bar.maximum():
            break
        wheel = QWheelEvent(centre, QPointF(viewport.mapToGlobal(centre.toPoint())),
                            QPoint(), QPoint(0, -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(viewport, wheel)
    assert bar.value() == bar.maximum()
    shown = viewport.rect()
    last = view.detail.fields["Checkpoint"]  # the last row in sight
    corner = last.mapTo(viewport, last.rect().bottomRight())
    assert shown.contains(corner), (corner, shown)
    right = error.mapTo(viewport, error.rect().bottomRight()).x()  # (the error: near the top)
    assert right <= shown.right(), (right, shown)  # within the pane's width
    assert error.viewport().height() >= error.document().size().height()  # no line hidden
    gui.window.grab().save(str(SCREENSHOTS / "runs-detail-900x600-long-error.png"))


def test_a_date_range_that_ends_before_it_starts_is_said(gui: Gui, qtbot: Any) -> None:
    """From after until gave "0 runs" and nothing more (a newcomer's run-through): the
    dates' row says why, and the message goes once the range is put right."""
    from app.gui.qt import QPoint
    from tests.gui.editing import choose

    window = gui.window
    window.show_view(RUNS)
    view = window.runs_view
    gui.settle()
    choose(qtbot, view.period, "between")
    gui.wait_until(view.since.isVisible)
    until_year = int(view.until.text()[:4])
    line = view.since.lineEdit()  # the year of From, typed over: a year after until's
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton,
                     pos=QPoint(line.fontMetrics().horizontalAdvance("20") + 4,
                                line.height() // 2))
    qtbot.wait(20)
    qtbot.keyClicks(view.since, str(until_year + 1))
    gui.wait_until(view.dates_error.isVisible)
    assert view.dates_error.text().endswith("until is before From: no run can be in between")
    assert window.grab().save(str(SCREENSHOTS / "runs-dates-backwards.png"))
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton,
                     pos=QPoint(line.fontMetrics().horizontalAdvance("20") + 4,
                                line.height() // 2))
    qtbot.wait(20)
    qtbot.keyClicks(view.since, str(until_year - 1))
    gui.wait_until(lambda: not view.dates_error.isVisible())


def test_another_run_shows_its_details_from_the_top(gui: Gui, qtbot: Any) -> None:
    """Scrolled down the details of one run, the next run picked opened scrolled down too,
    its Status and Trigger out of sight (a run-through under X at 1024×640)."""
    gui.service.create_task(command_task("ok", ["true"]))
    runs = [gui.service.run_now("ok") for _ in range(2)]
    for run in runs:
        gui.wait_until(lambda r=run: gui.service.get_run(r.id).status == "succeeded", 15)
    gui.window.resize(800, 500)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 2)
    click_row(qtbot, view.table, 0)
    bar = view.detail.fields_area.verticalScrollBar()
    gui.wait_until(lambda: bar.maximum() > 0)  # (the details do not fit: they scroll)
    bar.setValue(bar.maximum())  # as a person drags the bar down
    click_row(qtbot, view.table, 1)
    gui.wait_until(lambda: view.detail.run is not None and view.detail.run.id == runs[0].id)
    assert bar.value() == 0


def test_a_list_narrowed_to_a_task_that_is_deleted_shows_every_task_again(
        gui: Gui, qtbot: Any) -> None:
    """Its name stayed in the filter over "0 runs" while other tasks ran (a run-through
    under X)."""
    s = gui.service
    s.create_task(command_task("kb task", ["true"]))
    s.create_task(command_task("other", ["true"]))
    for name in ("kb task", "other"):
        run = s.run_now(name)
        gui.wait_until(lambda r=run: s.get_run(r.id).status == "succeeded", 15)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    view.show_task(s.get_task("kb task").id, "kb task")  # as Task ▸ Show runs does
    gui.wait_until(lambda: view.model.rowCount() == 1)
    s.delete_task("kb task")
    gui.wait_until(lambda: view.task.text() == "" and view.model.rowCount() == 1)
    assert view.filter_error.text() == "⚠ “kb task” was deleted: showing every task's runs."
    assert view.count.text() == "1 run"


def test_a_retry_says_which_run_it_retries_and_when_it_was_due(gui: Gui, qtbot: Any) -> None:
    """A finished retry read "attempt 1 failed…; retry in 1.9s" (still to come, and not the
    2 s the task says), beside its fire's time and a lateness of 6 ms two seconds after it
    (a run-through under X): it names the run it retries and the delay as it was due, its
    fire's time is said to be the fire's, and its lateness is from when it was due."""
    gui.service.create_task(command_task("flaky", ["sh", "-c", "exit 2"], retries=1,
                                         retry_delay=0.5))
    first = gui.service.run_now("flaky")
    gui.wait_until(lambda: [r.status for r in gui.service.list_runs(0, 5, task="flaky")]
                   == ["failed", "failed"], 20)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 2)
    row = next(i for i, r in enumerate(view.model.rows) if r.attempt == 2)
    click_row(qtbot, view.table, row)
    fields = view.detail.fields
    gui.wait_until(lambda: fields["Attempt"].text() == "2")
    note = fields["Note"].text()
    assert note.startswith(f"retry of run {first.id} (attempt 1 failed: exit code 2), due 0.")
    assert note.endswith(" s after it ended, the retry delay ± 10 %"), note
    assert "retry in" not in note
    assert fields["Scheduled for"].text().endswith(" (the fire it retries)")
    assert fields["Lateness"].text().endswith(" ms after its retry was due")
    assert view.detail.grab().save(str(SCREENSHOTS / "runs-retry-details.png"))
    click_row(qtbot, view.table, 1 - row)  # the first attempt: its own fire, plainly late
    gui.wait_until(lambda: fields["Attempt"].text() == "1")
    retry = view.model.rows[row].id  # what followed it, said in its note and its row
    gui.wait_until(lambda: fields["Status"].text() == f"failed — retried as run {retry}")
    assert not fields["Note"].isVisible()  # its note said only that again
    result = view.model.index(1 - row, view.model.COLUMNS.index("Result / note"))
    assert result.data() == f"exit code 2 · retried as run {retry}"
    assert not fields["Scheduled for"].text().endswith(")")
    assert not fields["Lateness"].text().endswith("due")
