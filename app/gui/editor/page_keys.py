"""The editor's pages from the keyboard: Ctrl+Tab and Ctrl+PgDown show the next page,
Ctrl+Shift+Tab and Ctrl+PgUp the previous one (round the end), as a tabbed dialog's keys do;
they did nothing (found keyboard-only in the real window). The cursor goes to the page's
first field (`Page.first_field`: the Action page's is the command to type, not the choice
above it), or stays in the page list if it was there. The Description, where Ctrl+Tab
types a tab, keeps it (`GeneralPage`): Ctrl+PgDown leaves it for the next page."""

from __future__ import annotations

from collections.abc import Sequence

from app.gui.editor.page import Page
from app.gui.qt import QKeySequence, QListWidget, QShortcut, Qt, QWidget

NEXT = ("Ctrl+Tab", "Ctrl+PgDown")
PREVIOUS = ("Ctrl+Shift+Tab", "Ctrl+PgUp")
SAVE = "Ctrl+Return"  # saves from any field (the dialog's; Help › Keyboard shortcuts lists all)


class PageKeys:
    """The keys on `dialog`, stepping `sidebar`'s rows (one per page of `pages`)."""

    def __init__(self, dialog: QWidget, sidebar: QListWidget, pages: Sequence[Page]) -> None:
        self._sidebar = sidebar
        self._pages = pages
        for keys, step in ((NEXT, 1), (PREVIOUS, -1)):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), dialog)
                shortcut.activated.connect(lambda step=step: self.step(step))

    def step(self, by: int) -> None:
        sidebar = self._sidebar
        row = (sidebar.currentRow() + by) % sidebar.count()
        in_list = sidebar.hasFocus()
        sidebar.setCurrentRow(row)
        if not in_list:
            self._pages[row].first_field().setFocus(Qt.FocusReason.TabFocusReason)
