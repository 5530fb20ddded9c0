"""The editor from the keyboard: the name has the cursor on open, Tab moves on from
multi-line fields, the focused field wears a ring you can see in both palettes, Escape asks
before losing changes; and the schedule "In words" is never clipped (issue 10, point 7)."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.editor.dialog import TaskEditor
from app.gui.qt import QApplication, QColor, QLabel, Qt, QWidget
from app.gui.settings import appearance
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, closed, command_task
from tests.gui.editing import answering, choose, click, go, new_editor

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


def _luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def _contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


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
        assert _contrast(highlight, window) >= 3  # WCAG's minimum for a focus indicator
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
        # beside Create, the first thing missing in page order
        gui.wait_until(lambda: editor.hint.text() == "Action: The command is empty: type what "
                       "to run")
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
