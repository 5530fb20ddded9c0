"""Help › User guide (F1) showed the README, written for developers (the window as a spec,
tests and benchmarks named). It shows the user's guide, by section, opening at “Your first
task”. The guide names the window's menus, keys, editor fields and views as a person meets
them; these tests hold each name to a real window and editor, so a renamed entry or a
changed key fails here instead of leaving the guide wrong."""

from __future__ import annotations

import re
from typing import Any

from app.gui.main_window import VIEWS
from app.gui.qt import (
    QAbstractButton,
    QAction,
    QComboBox,
    QGroupBox,
    QKeySequence,
    QLabel,
    QMenu,
    QShortcut,
    Qt,
    QWidget,
)
from app.gui.window.help_windows import GuideDialog, plain
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import new_editor
from tests.test_user_guide import TEXT

# the guide's prose: code blocks and `code` are what a person types, not the window's words
PROSE = re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", TEXT, flags=re.S | re.M))
BOLD = [" ".join(b.split()) for b in re.findall(r"\*\*(.+?)\*\*", PROSE, re.S)]
# a menu entry and its keys: “**Task › Run now** (F5)”, “(**View › Graph**, Ctrl+3)”
MENU_KEYS = re.compile(r"\*\*([^*]+›[^*]+)\*\*(?: \(|, )((?:Ctrl|Alt|Shift)\+\S+?|F\d+|Del)\)")
KEY = re.compile(r"\b(?:(?:Ctrl|Alt|Shift)\+)+(?:PgUp|PgDown|Return|Tab|F\d+|[A-Z0-9,])(?!\w)"
                 r"|\bF\d{1,2}\b")
PORTABLE = QKeySequence.SequenceFormat.PortableText


def _menu_paths(gui: Gui) -> dict[tuple[str, ...], QAction]:
    """Every menu entry by its path as the menus read (“File”, “Settings…”)."""
    found: dict[tuple[str, ...], QAction] = {}

    def walk(menu: QMenu, path: tuple[str, ...]) -> None:
        for action in menu.actions():
            if action.isSeparator():
                continue
            entry = (*path, plain(action.text()))
            found[entry] = action
            if isinstance(sub := action.menu(), QMenu):
                walk(sub, entry)

    for top in gui.window.menuBar().actions():
        if isinstance(menu := top.menu(), QMenu):
            found[(plain(top.text()),)] = top
            walk(menu, (plain(top.text()),))
    return found


def _words(root: QWidget) -> set[str]:
    """The words a person reads in `root`: labels, buttons, list choices, box titles."""
    texts = [w.text() for w in root.findChildren(QLabel)]
    texts += [w.text() for w in root.findChildren(QAbstractButton)]
    texts += [w.title() for w in root.findChildren(QGroupBox)]
    for box in root.findChildren(QComboBox):
        texts += [box.itemText(i) for i in range(box.count())]
    return {" ".join(plain(t).split()) for t in texts if t}


def _keys(*roots: QWidget) -> set[str]:
    actions = [a for r in roots for a in r.findChildren(QAction)]
    actions += [a for r in roots for w in [r, *r.findChildren(QWidget)] for a in w.actions()]
    found = {k.toString(PORTABLE) for a in actions for k in a.shortcuts()}
    found |= {s.key().toString(PORTABLE) for r in roots for s in r.findChildren(QShortcut)}
    return found - {""}


def test_every_menu_entry_key_field_and_view_the_guide_names_is_the_windows(
        gui: Gui, qtbot: Any) -> None:
    menus = _menu_paths(gui)
    editor = new_editor(gui)  # File › New task…, as the guide's first steps open it
    qtbot.mouseClick(editor.env.add_button, Qt.MouseButton.LeftButton)  # a variable's row
    pages = {page.title: _words(page) for page in editor.pages}
    everything = set().union(_words(gui.window), *pages.values(),
                             {path[-1] for path in menus}, set(pages))
    checked = 0
    for bold in BOLD:
        if "›" not in bold:  # a button, a field, a choice: somewhere in the window or editor
            assert bold in everything, f"the guide's “{bold}” is nowhere in the window"
            continue
        path = tuple(part.strip() for part in bold.split("›"))
        if path[0] in pages:  # an editor field: Execution › Retries
            assert path[1] in pages[path[0]], f"the editor's {path[0]} page has no “{path[1]}”"
        else:
            assert path in menus, f"no menu entry {bold}"
        checked += 1
    assert checked > 40  # (the guide is read: a regex that found nothing proves nothing)

    for path, keys in MENU_KEYS.findall(" ".join(PROSE.split())):
        action = menus[tuple(part.strip() for part in path.split("›"))]
        assert keys in [k.toString(PORTABLE) for k in action.shortcuts()], (path, keys)
    known = _keys(gui.window, editor)
    named = set(KEY.findall(PROSE))
    assert {"F1", "Ctrl+N", "F5", "Ctrl+P", "Ctrl+R", "Ctrl+Return"} <= named
    assert named <= known, f"keys the guide names that nothing has: {named - known}"

    said_pages = set(re.findall(r"\b(?:the|its) ([A-Z][\w&]*(?: & \w+)?) page\b", PROSE))
    assert said_pages and said_pages <= set(pages), said_pages - set(pages)
    said_views = set(re.findall(r"\bthe ([A-Z]\w+) view\b", PROSE))
    assert said_views and said_views <= set(VIEWS), said_views - set(VIEWS)
    editor.discard()  # (the row added: a change it would ask about)


def test_f1_opens_the_guide_at_the_first_steps_and_its_sections_by_the_keys(
        gui: Gui, qtbot: Any) -> None:
    gui.window.activateWindow()
    qtbot.waitUntil(gui.window.isActiveWindow)
    qtbot.keyClick(gui.window, Qt.Key.Key_F1)
    dialog = gui.window.findChild(GuideDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    titles = [dialog.contents.item(r).text().strip() for r in range(dialog.contents.count())]
    assert titles[:3] == ["Tickwork user guide", "Your first task", "Python functions"]
    for wanted in ["Choosing when a task runs", "Sleep, crashes and restarts",
                   "Picking up where a run left off (checkpoints)", "Where your data lives"]:
        assert wanted in titles
    assert dialog.contents.currentItem().text() == "Your first task"
    page = dialog.page.toPlainText()
    assert page.startswith("Your first task") and "File › New task… (Ctrl+N)" in page
    assert "tests/" not in page and "README" not in page
    assert dialog.grab().save(str(SCREENSHOTS / "help-guide.png"))

    dialog.contents.setFocus()  # down to the section a person looks for, by the keys
    while not dialog.page.toPlainText().startswith("Sleep, crashes and restarts"):
        row = dialog.contents.currentRow()
        qtbot.keyClick(dialog.contents, Qt.Key.Key_Down)
        assert dialog.contents.currentRow() == row + 1
    assert "Missed runs" in dialog.page.toPlainText()
    assert dialog.grab().save(str(SCREENSHOTS / "help-guide-sleep.png"))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
