"""The editor names every mistake at once: a person who typed -30 days and -5 runs saw only
the runs' error (the task's check stops at its first bad field), fixed it, and only then
met the days' (a run-through under X). Each wrong field is named under itself, each page
with one is marked, and the hint beside Save leads to the first in page order; fixing one
leaves the others said."""

from __future__ import annotations

from typing import Any

from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import fill_manual_command, go, new_editor, save
from tests.gui.test_editor_live_checks import _retype, _tick

WRONG = {  # field: (page, what is typed, the start of what is said under it)
    "retries": ("Execution", "-3", "⚠ must be between 0 and 100"),
    "group": ("Execution", "bad group!", "⚠ use letters, digits"),
    "keep_days": ("Execution", "-30", "⚠ must be between 0 and 36500"),
    "keep_runs": ("Execution", "-5", "⚠ must be between 1 and 1000000"),
    "fallback": ("Dependencies", "Photos backup", "⚠ Photos backup → Photos backup"),
}


def _label(editor: Any, field: str) -> Any:
    page = next(p for p in editor.pages if field in p.errors)
    return page.errors[field][0]


def _marked(editor: Any) -> set[str]:
    return {page.title for i, page in enumerate(editor.pages)
            if not editor.sidebar.item(i).icon().isNull()}


def _type_wrong(editor: Any, qtbot: Any) -> None:
    execution, keep = editor.execution, editor.execution.keep
    go(editor, qtbot, "Execution")
    _retype(qtbot, execution.retries, "-3")
    _retype(qtbot, execution.group, "bad group!")
    _tick(qtbot, keep.use_default)  # its own history values
    _retype(qtbot, keep.keep_days, "-30")
    _retype(qtbot, keep.keep_runs, "-5")
    go(editor, qtbot, "Dependencies")
    fallback = editor.dependencies.fallback.lineEdit()
    _retype(qtbot, fallback, "Photos backup")  # its own name: a cycle


def test_every_wrong_field_is_named_at_once_and_each_fix_leaves_the_others(
        gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "Photos backup")
    _type_wrong(editor, qtbot)
    gui.wait_until(lambda: all(not _label(editor, f).isHidden() for f in WRONG))
    for field, (_page, _typed, said) in WRONG.items():
        assert _label(editor, field).text().startswith(said), (field, _label(editor, field).text())
    assert _marked(editor) == {"Execution", "Dependencies"}
    assert not editor.save_button.isEnabled()
    assert editor.hint.text().startswith("Execution › Retries: must be between 0 and 100")
    assert editor.grab().save(str(SCREENSHOTS / "editor-every-error.png"))

    execution, keep = editor.execution, editor.execution.keep
    go(editor, qtbot, "Execution")
    assert editor.grab().save(str(SCREENSHOTS / "editor-every-error-execution.png"))
    _retype(qtbot, execution.retries, "3")  # one fixed: the hint goes to the next
    gui.wait_until(lambda: _label(editor, "retries").isHidden())
    assert all(not _label(editor, f).isHidden() for f in WRONG if f != "retries")
    gui.wait_until(lambda: editor.hint.text().startswith(
        "Execution › Concurrency group: use letters, digits"))
    _retype(qtbot, execution.group, "disk")
    # whole, where the dialog has room for it (it was cut at "must be between 0 a…")
    gui.wait_until(lambda: editor.hint.text()
                   == "Execution › Keep every run of the last: must be between 0 and 36500")
    _retype(qtbot, keep.keep_days, "30")
    _retype(qtbot, keep.keep_runs, "5")
    gui.wait_until(lambda: _marked(editor) == {"Dependencies"})
    assert not _label(editor, "fallback").isHidden() and not editor.save_button.isEnabled()
    go(editor, qtbot, "Dependencies")
    _retype(qtbot, editor.dependencies.fallback.lineEdit(), "")
    gui.wait_until(lambda: not _marked(editor))
    save(gui, qtbot, editor)
    spec = gui.service.get_task("Photos backup").spec
    assert (spec.retries, spec.group, spec.keep_days, spec.keep_runs, spec.fallback) == \
        (3, "disk", 30, 5, None)


def test_a_command_left_empty_and_a_wrong_value_elsewhere_are_both_named(
        gui: Gui, qtbot: Any) -> None:
    """A page that cannot even be read (no command) does not hide the others' mistakes."""
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "Empty")
    go(editor, qtbot, "Action")
    _retype(qtbot, editor.action.command, "")
    go(editor, qtbot, "Execution")
    _retype(qtbot, editor.execution.retries, "-1")
    gui.wait_until(lambda: not _label(editor, "command").isHidden()
                   and not _label(editor, "retries").isHidden())
    assert _marked(editor) == {"Action", "Execution"}
    assert editor.hint.text().startswith("Action")
