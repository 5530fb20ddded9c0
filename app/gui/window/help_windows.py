"""The Help menu's windows, both offline: the keyboard shortcuts and the user guide.

The shortcuts are read from the menus' own actions each time the list opens, so the list
says what the keys do now and cannot drift from them; the task editor's, which no menu has,
from the editor's own key constants. The guide is user-guide.md, beside
this module: written for a person who installed Tickwork (the README is for developers), it
is package data, so a source checkout, an installed wheel and the bundle
(packaging/tickwork.spec) all find it here. Tests hold its menu entries, keys, fields and
views to a real window (tests/gui/test_user_guide.py), its commands and variables to the
CLI and the app (tests/test_user_guide.py).
"""

from __future__ import annotations

import re

from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    resize_within_screen,
)

GUIDE = "user-guide.md"  # package data of app.gui.window (pyproject.toml)
START_AT = "Your first task"  # the guide opens at the section a new user wants
_FENCE = re.compile(r"^(```|~~~)")
_HEADING = re.compile(r"^(#{1,3}) +(.+?) *#*$")


def plain(text: str) -> str:
    """A menu entry's text without its Alt marker (“&Quit” → “Quit”; “&&” is “&”)."""
    return re.sub(r"&(&?)", r"\1", text)


def shortcuts(bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, entry, keys) for each menu entry shown now that has keys, in menu order; one
    in two menus (New task…) at its first."""
    found: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if isinstance(sub := action.menu(), QMenu):
                walk(sub, f"{path} → {plain(action.text())}")
            elif action.isVisible() and not action.isSeparator() and id(action) not in seen:
                seen.add(id(action))
                keys = [k.toString(QKeySequence.SequenceFormat.NativeText)
                        for k in action.shortcuts() if not k.isEmpty()]
                if keys:
                    found.append((path, plain(action.text()), ", ".join(keys)))

    for top in bar.actions():
        if isinstance(menu := top.menu(), QMenu):
            walk(menu, plain(top.text()))
    return found


def editor_keys() -> list[tuple[str, str, str]]:
    """The task editor's own keys, in the list's form: no menu has them, so the list left
    them out and a person found them only by trying (keyboard-only, under X)."""
    from app.gui.editor.page_keys import NEXT, PREVIOUS, SAVE

    def said(keys: tuple[str, ...]) -> str:
        return ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                         for k in keys)

    return [("Task editor", "Save or create", said((SAVE,))),
            ("Task editor", "Next page", said(NEXT)),
            ("Task editor", "Previous page", said(PREVIOUS))]


def guide_text() -> str | None:
    """The user guide as installed with Tickwork; None when this installation lacks it."""
    from importlib.resources import files

    try:
        return files(__package__ or "app.gui.window").joinpath(GUIDE).read_text("utf-8")
    except OSError:  # (a bundle or package built without its data)
        return None


def sections(text: str) -> list[tuple[int, str, str]]:
    """(level, title, markdown) of each heading of levels 1–3 (outside code blocks), its
    text running to the next heading of its level or above."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []  # (line, level, title)
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            heads.append((i, len(m[1]), m[2]))
    found = []
    for n, (i, level, title) in enumerate(heads):
        end = next((j for j, lv, _ in heads[n + 1:] if lv <= level), len(lines))
        found.append((level, title, "\n".join(lines[i:end])))
    return found


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: the menus' keys, as the menus have them now, then the task
    editor's."""

    def __init__(self, bar: QMenuBar, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self._bar = bar
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Keys"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Keyboard shortcuts")
        note = QLabel("Alt with a menu's underlined letter opens it; in an open menu, the "
                      "underlined letter chooses an entry.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addWidget(buttons)
        resize_within_screen(self, 560, 520)

    def fill(self) -> None:
        rows = shortcuts(self._bar) + editor_keys()
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()


class GuideDialog(QDialog):
    """Help → User guide: the guide's sections, one at a time."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tickwork user guide")
        self.contents = QListWidget(self)
        self.contents.setAccessibleName("Sections")
        self.page = QTextBrowser(self)
        self.page.setOpenExternalLinks(True)  # a web address opens in the browser
        self.page.setAccessibleName("Section")
        text = guide_text()
        self._sections = sections(text) if text else []
        for level, title, _ in self._sections:
            self.contents.addItem("    " * max(0, level - 2) + title)
        self.contents.currentRowChanged.connect(self._on_contents_row_changed)
        if not self._sections:
            self.page.setPlainText("The user guide is not included in this installation of "
                                   "Tickwork. `tickwork --help` lists the commands.")
        titles = [title for _, title, _ in self._sections]
        self.contents.setCurrentRow(titles.index(START_AT) if START_AT in titles else 0)
        self.contents.setFixedWidth(min(360, self.contents.sizeHintForColumn(0) + 32))
        row = QHBoxLayout()
        row.addWidget(self.contents)
        row.addWidget(self.page, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        resize_within_screen(self, 980, 680)

    def _on_contents_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._sections):
            self.page.setMarkdown(self._sections[row][2])


def open_shortcuts(bar: QMenuBar, parent: QWidget) -> ShortcutsDialog:
    """Show the shortcuts window (one per window), its list read afresh."""
    dialog = parent.findChild(ShortcutsDialog) or ShortcutsDialog(bar, parent)
    dialog.fill()
    _show(dialog)
    return dialog


def open_guide(parent: QWidget) -> GuideDialog:
    """Show the user guide (one per window)."""
    dialog = parent.findChild(GuideDialog) or GuideDialog(parent)
    _show(dialog)
    return dialog


def _show(dialog: QDialog) -> None:
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
