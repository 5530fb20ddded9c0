"""The editor from the keyboard: the name has the cursor on open, Tab stops at every field
of every page in reading order (and Shift+Tab back), Tab moves on from multi-line fields,
the focused field wears a ring you can see in both palettes, Escape asks before losing
changes; and the schedule "In words" is never clipped (issue 10, point 7)."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.editor.dialog import TaskEditor
from app.gui.qt import (
    QAbstractSpinBox,
    QApplication,
    QColor,
    QComboBox,
    QLabel,
    QPoint,
    QRadioButton,
    QRect,
    Qt,
    QWidget,
)
from app.gui.settings import appearance
from app.gui.widgets import display
from app.gui.widgets.accessible import INTERACTIVE, current_name
from tests.gui.conftest import SCREENSHOTS, Gui, closed, command_task
from tests.gui.editing import answering, choose, choose_schedule, click, go, new_editor
from tests.gui.test_runs_tint import contrast

LONG_CRON = "5,10,15,20,25,35,40 */3 1-10,20-25 1,3,5,7,9,11 1-5"


def test_the_editor_opens_with_the_cursor_in_the_name(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    assert editor.focusWidget() is editor.general.name
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClicks(focused, "Typed straight away")
    assert editor.general.name.text() == "Typed straight away"
    editor.discard()


def test_tab_leaves_the_description_instead_of_typing_a_tab(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    click(qtbot, editor.general.name)
    qtbot.keyClick(editor.general.name, Qt.Key.Key_Tab)
    gui.wait_until(lambda: editor.focusWidget() is editor.general.description)
    qtbot.keyClicks(editor.general.description, "what it is for")
    qtbot.keyClick(editor.general.description, Qt.Key.Key_Tab)
    assert editor.general.description.toPlainText() == "what it is for"
    gui.wait_until(lambda: editor.focusWidget() is editor.general.tags)
    click(qtbot, editor.general.description)  # Ctrl+Tab, if a tab is ever wanted
    qtbot.keyClick(editor.general.description, Qt.Key.Key_Tab,
                   Qt.KeyboardModifier.ControlModifier)
    assert editor.general.description.toPlainText().endswith("\t")
    go(editor, qtbot, "Action")
    assert editor.action.kwargs.tabChangesFocus()  # the JSON arguments box, alike
    editor.discard()


def test_escape_with_changes_asks_and_without_changes_closes(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "half filled")
    seen: list[str] = []
    with answering("Keep editing", seen):
        qtbot.keyClick(editor.general.name, Qt.Key.Key_Escape)
    assert "not saved" in seen[0]
    assert editor.isVisible() and editor.general.name.text() == "half filled"
    cancel = editor.buttons.button(editor.buttons.StandardButton.Cancel)
    with answering("Keep editing"):
        click(qtbot, cancel)  # Cancel asks the same
    with answering("Keep editing"):
        editor.close()  # and so does the window's close button
    assert editor.isVisible()
    with answering("Discard changes"):
        qtbot.keyClick(editor.general.name, Qt.Key.Key_Escape)
    gui.wait_until(lambda: closed(editor))
    assert gui.service.count_tasks() == 0

    editor = new_editor(gui)  # nothing typed: Escape just closes
    qtbot.keyClick(editor.general.name, Qt.Key.Key_Escape)
    gui.wait_until(lambda: closed(editor))

    task = gui.service.create_task(command_task("kept"))
    editor = TaskEditor(gui.session, task, "edit", gui.window)
    editor.show()
    gui.settle()
    qtbot.keyClick(editor.general.name, Qt.Key.Key_Escape)  # opened, not changed
    gui.wait_until(lambda: closed(editor))



def _ring_pixels(editor: TaskEditor, widget: QWidget) -> list[QColor]:
    """The two outermost pixel columns of `widget`'s left edge, half way down, as shown."""
    image = editor.grab().toImage()
    ratio = image.devicePixelRatio()
    left = widget.mapTo(editor, widget.rect().topLeft())
    y = int((left.y() + widget.height() // 2) * ratio)
    return [image.pixelColor(int((left.x() + dx) * ratio), y) for dx in (0, 1)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focused_field_wears_a_ring_you_can_see(gui: Gui, qtbot: Any, scheme: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    appearance.apply(app, scheme)
    display.clear_icon_cache()
    try:
        editor = new_editor(gui)
        gui.wait_until(lambda: QApplication.activeWindow() is editor)
        highlight = editor.palette().color(editor.palette().ColorRole.Highlight)
        window = editor.palette().color(editor.palette().ColorRole.Window)
        assert contrast(highlight, window) >= 3  # WCAG's minimum for a focus indicator
        click(qtbot, editor.general.name)
        for widget in (editor.general.name, editor.general.description):
            if widget is editor.general.description:
                qtbot.keyClick(editor.general.name, Qt.Key.Key_Tab)
            gui.wait_until(lambda w=widget: editor.focusWidget() is w)
            gui.wait_until(lambda w=widget: all(p.rgb() == highlight.rgb()
                                                for p in _ring_pixels(editor, w)))
            other = editor.general.tags  # not focused: no ring
            assert not any(p.rgb() == highlight.rgb() for p in _ring_pixels(editor, other))
        assert editor.grab().save(str(SCREENSHOTS / f"editor-focus-{scheme}.png"))
        editor.discard()
    finally:
        appearance.apply(app, "system")
        display.clear_icon_cache()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_in_words_wraps_in_full_and_the_changed_pages_look_right(gui: Gui, qtbot: Any,
                                                                 scheme: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    appearance.apply(app, scheme)
    display.clear_icon_cache()
    try:
        gui.service.create_task(command_task("fetch"))
        gui.service.create_task(command_task("report"))
        editor = new_editor(gui)
        qtbot.keyClicks(editor.general.name, "Shell line")
        # beside Create, the first thing missing in page order (to fill in: not yet a mistake)
        gui.wait_until(lambda: editor.hint.text() == "To fill in: Action › Command")
        go(editor, qtbot, "Action")
        qtbot.keyClicks(editor.action.command, "echo tick $i; echo tock")
        gui.wait_until(editor.action.shell_hint.isVisible)
        qtbot.wait(50)
        assert editor.grab().save(str(SCREENSHOTS / f"editor-shell-hint-{scheme}.png"))

        gui.wait_until(lambda: editor.hint.text() == "Choose when it runs")  # then this
        go(editor, qtbot, "Schedule")
        qtbot.wait(50)
        assert editor.grab().save(str(SCREENSHOTS / f"editor-unscheduled-{scheme}.png"))

        go(editor, qtbot, "Dependencies")
        picker = editor.dependencies.depends_on
        for name in ("fetch", "report", "nope"):
            qtbot.keyClicks(picker.input, name)
            qtbot.keyClick(picker.input, Qt.Key.Key_Return)
        gui.wait_until(picker.error.isVisible)
        gui.wait_until(lambda: not editor.save_button.isEnabled()
                       and not editor.sidebar.item(4).icon().isNull())
        assert editor.grab().save(str(SCREENSHOTS / f"editor-waits-for-{scheme}.png"))

        go(editor, qtbot, "Schedule")
        choose(qtbot, editor.schedule.kind, "cron")
        editor.schedule.cron.selectAll()
        qtbot.keyClicks(editor.schedule.cron, LONG_CRON)
        words = editor.schedule.words
        gui.wait_until(lambda: words.text().endswith(")") and "November" in words.text())
        qtbot.wait(50)
        needed = words.heightForWidth(words.width())
        assert needed > 2 * words.fontMetrics().lineSpacing()  # it does take 3+ lines
        assert editor.grab().save(str(SCREENSHOTS / f"editor-in-words-{scheme}.png"))
        assert words.height() >= needed  # and gets them all: nothing clipped
        for width, height in ((800, 500), (1600, 1000)):  # a small laptop, a large screen
            editor.resize(width, height)
            gui.wait_until(lambda w=width, h=height: editor.width() == w
                           and editor.height() == h)
            qtbot.wait(50)
            assert words.height() >= words.heightForWidth(words.width())
            assert editor.grab().save(str(SCREENSHOTS
                                          / f"editor-in-words-{width}x{height}-{scheme}.png"))
        editor.discard()
    finally:
        appearance.apply(app, "system")
        display.clear_icon_cache()


def _mnemonics(editor: TaskEditor) -> list[str]:
    """The Alt+letter keys of every label and button a person sees now."""
    import re

    from PySide6.QtWidgets import QAbstractButton

    found = []
    for widget in editor.findChildren(QLabel) + editor.findChildren(QAbstractButton):
        match = re.search(r"&([^&\s])", widget.text())
        if match and widget.isVisibleTo(editor):
            found.append(match.group(1).lower())
    return found


def test_every_alt_letter_on_screen_is_unique_and_ctrl_return_saves(gui: Gui,
                                                                   qtbot: Any) -> None:
    editor = new_editor(gui)
    for page in [p.title for p in editor.pages]:
        go(editor, qtbot, page)
        kinds = ([editor.schedule.kind.itemData(i) for i in range(editor.schedule.kind.count())]
                 if page == "Schedule" else [None])
        for kind in kinds:
            if kind is not None:
                choose(qtbot, editor.schedule.kind, kind)
            keys = _mnemonics(editor)
            assert len(keys) == len(set(keys)), (page, kind, sorted(keys))
    choose(qtbot, editor.schedule.kind, "manual")
    go(editor, qtbot, "General")
    qtbot.keyClicks(editor.general.name, "by keyboard")
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.keyClick(editor.action.command, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: closed(editor))
    assert gui.service.get_task("by keyboard").spec.schedule.kind == "manual"


def test_ctrl_return_with_a_field_missing_puts_the_cursor_in_it(gui: Gui, qtbot: Any) -> None:
    """Save with the command still empty: the Action page shows, the cursor in the command,
    so what is typed next lands there; Tab from the page list reaches a field you can see."""
    editor = new_editor(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    qtbot.keyClicks(editor.general.name, "Keyboard only")
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "manual")
    qtbot.keyClick(editor.schedule.kind, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: editor.stack.currentIndex() == editor.pages.index(editor.action))
    gui.wait_until(lambda: QApplication.focusWidget() is editor.action.command)
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClicks(focused, "true")
    assert editor.action.command.text() == "true"
    click(qtbot, editor.sidebar)
    qtbot.keyClick(editor.sidebar, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None and focused.isVisible() and focused is not editor.sidebar
    assert focused.window() is editor and type(focused).__name__ != "QScrollArea"
    editor.discard()


# -- Tab through every page ---------------------------------------------------------------

def _field(widget: QWidget) -> QWidget:
    """The field a focused widget belongs to (a spin box's or combo box's own line edit)."""
    parent = widget.parentWidget()
    return parent if isinstance(parent, QComboBox | QAbstractSpinBox) else widget


def _name(widget: QWidget) -> str:
    """What a screen reader calls the field (from its label, or its own text)."""
    return widget.accessibleName() or current_name(widget)


def _tab_stops(editor: TaskEditor, qtbot: Any, back: bool = False) -> list[QWidget]:
    """The fields Tab (Shift+Tab: `back`) stops at, from where the focus is until it has
    gone through the page and left it; a date or time field is one stop (Tab first steps
    through its sections)."""
    page = editor.stack.currentWidget()
    modifier = Qt.KeyboardModifier.ShiftModifier if back else Qt.KeyboardModifier.NoModifier
    stops: list[QWidget] = []
    for _ in range(200):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab, modifier)
        focused = QApplication.focusWidget()
        assert focused is not None
        if not page.isAncestorOf(focused):
            if stops:
                return stops
            continue
        field = _field(focused)
        if not stops or stops[-1] is not field:
            stops.append(field)
    raise AssertionError("Tab never went through the page")


def _inputs(page: QWidget) -> list[QWidget]:
    """Every field a person can type in or press on the page now, in reading order: by
    line, top to bottom, then left to right (a field's centre line decides its line). One
    that takes the focus only from a click is a field Tab passes over, so it counts; of a
    group of radio buttons, Tab stops at the chosen one (the arrow keys choose)."""
    found = [w for w in page.findChildren(QWidget)
             if isinstance(w, INTERACTIVE) and w.isVisible() and w.isEnabled()
             and w.focusPolicy() != Qt.FocusPolicy.NoFocus
             and not (isinstance(w, QRadioButton) and not w.isChecked())
             and not isinstance(w.parentWidget(), QComboBox | QAbstractSpinBox)]

    def box(widget: QWidget) -> QRect:
        return QRect(widget.mapTo(page, widget.rect().topLeft()), widget.size())

    lines: list[list[QWidget]] = []
    for widget in sorted(found, key=lambda w: box(w).center().y()):
        last = lines[-1][-1] if lines else None
        if last is not None and box(last).top() <= box(widget).center().y() <= box(last).bottom():
            lines[-1].append(widget)
        else:
            lines.append([widget])
    return [w for line in lines for w in sorted(line, key=lambda w: box(w).left())]


def _walk(editor: TaskEditor, qtbot: Any, page: str) -> list[str]:
    """Tab through the page from the page list: the names of the fields it stops at, after
    checking they are every field there is, in reading order, and Shift+Tab goes back."""
    qtbot.wait(10)  # a row just added shows on the next pass of the event loop
    go(editor, qtbot, page)
    forward = _tab_stops(editor, qtbot)
    everything = _inputs(editor.stack.currentWidget())
    assert [_name(w) for w in forward] == [_name(w) for w in everything]
    assert forward == everything
    assert _tab_stops(editor, qtbot, back=True) == forward[::-1]
    return [_name(w) for w in forward]


def _tick(qtbot: Any, box: QWidget) -> None:
    """Click a tick box on its box (a wide one's middle can be past its text)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


TIME_ROWS = ["Time zone", "Not before", "Not after", "Missed runs"]
NOT_ON = ["Date to exclude", "Add date", "Import .ics…"]
WORKING_FOLDER = ["Working folder: (your home folder)", "Browse…",
                  "Don't check now that the program, module and folder exist"]
TAB_STOPS = {
    "General": ["Name", "Description", "Tags", "Enabled (runs on its schedule)"],
    "Action": ["Run a command", "Command",
               "Run through the shell (pipes, redirections, variables)", "Standard input",
               *WORKING_FOLDER],
    "manual": ["Runs"],
    "date": ["Runs", "At", "Add another schedule", *TIME_ROWS],
    "interval": ["Runs", "Every", "Every", "Add another schedule", *NOT_ON, *TIME_ROWS],
    "cron": ["Runs", "Cron: minute hour day-of-month month day-of-week", "Cron",
             "Add another schedule", *NOT_ON, *TIME_ROWS],
    "calendar": ["Runs", "Every", "Every", "at", "Add another schedule", *NOT_ON, *TIME_ROWS],
    "after": ["Runs", "After", "Add", *TIME_ROWS],
    "Execution": ["Priority", "Stop after", "Retries", "Retry delay", "Retry delay", "Backoff",
                  "At most running", "When still running",
                  "Concurrency group: (none) e.g. backup-disk", "Runs on: local: this engine's "
                  "own worker processes; celery or celery:",
                  "Use the default (90 days, 100 runs)"],
    "Dependencies": ["Waits for", "Add", "Give up after", "Fallback task"],
    "Environment & secrets": ["Add variable"],
    "Notifications": ["Notify me"],
    # with every optional field switched on
    "Action, shell": ["Run a command", "Command",
                      "Run through the shell (pipes, redirections, variables)",
                      "Shell program", "Standard input", *WORKING_FOLDER],
    "Action, Python": ["Call a Python function", "Function", "Arguments (JSON)",
                       *WORKING_FOLDER],
    "Execution, all on": ["Priority", "Stop after", "Time limit", "Time limit", "Retries",
                          "Retry delay", "Retry delay", "Backoff", "At most running",
                          "When still running", "Concurrency group: (none) e.g. backup-disk",
                          "Concurrency group: at once", "Runs on: local: this engine's own "
                          "worker processes; celery or celery:",
                          "Use the default (90 days, 100 runs)", "Keep every run of the last",
                          "and at least the newest"],
    "Dependencies, all on": ["Waits for", "Add", "Give up after", "Waiting limit",
                             "Waiting limit", "Fallback task"],
}


def _tick(qtbot: Any, box: QWidget) -> None:
    """Click a tick box on its box (a wide one's middle can be past its text)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def test_tab_stops_at_every_field_of_every_page_in_reading_order(gui: Gui, qtbot: Any) -> None:
    """Each page, each schedule kind, with its optional fields off and then on: Tab from the
    page list stops at every field there is, top to bottom and left to right, and Shift+Tab
    goes back the same way (Cron, After, Time limit, Retry delay, Concurrency group and
    Working folder were passed over; a one-off date offers no dates to leave out)."""
    editor = new_editor(gui)
    seen = {page: _walk(editor, qtbot, page) for page in ("General", "Action")}
    for kind in ("manual", "date", "interval", "cron", "calendar", "after"):
        choose_schedule(editor, qtbot, kind)
        seen[kind] = _walk(editor, qtbot, "Schedule")
        if kind == "cron":
            assert editor.grab().save(str(SCREENSHOTS / "editor-tab-schedule.png"))
    for page in ("Execution", "Dependencies", "Environment & secrets", "Notifications"):
        seen[page] = _walk(editor, qtbot, page)
        assert editor.grab().save(str(SCREENSHOTS / f"editor-tab-{page.split()[0]}.png"))

    go(editor, qtbot, "Action")
    _tick(qtbot, editor.action.shell)
    seen["Action, shell"] = _walk(editor, qtbot, "Action")
    assert editor.grab().save(str(SCREENSHOTS / "editor-tab-Action.png"))
    click(qtbot, editor.action.is_python)
    seen["Action, Python"] = _walk(editor, qtbot, "Action")
    go(editor, qtbot, "Execution")
    execution = editor.execution
    for box in (execution.timeout.enabled_box, execution.keep.use_default):
        assert box is not None
        _tick(qtbot, box)
    qtbot.keyClicks(execution.group, "disk")
    seen["Execution, all on"] = _walk(editor, qtbot, "Execution")
    assert editor.grab().save(str(SCREENSHOTS / "editor-tab-Execution-all-on.png"))
    go(editor, qtbot, "Dependencies")
    box = editor.dependencies.dependency_timeout.enabled_box
    assert box is not None
    _tick(qtbot, box)
    seen["Dependencies, all on"] = _walk(editor, qtbot, "Dependencies")
    assert seen == TAB_STOPS

    go(editor, qtbot, "Environment & secrets")  # rows added later stop where they show
    for _ in range(2):
        click(qtbot, editor.env.add_button)
    stops = _walk(editor, qtbot, "Environment & secrets")
    assert stops[0] == "Variable name" and stops.count("Variable name") == 2
    assert stops[-1] == "Add variable"
    editor.discard()
