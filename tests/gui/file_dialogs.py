"""Driving the window's file dialogs as a person does: open one from the File menu or a
Browse… button, put a path in its name field and press Enter, or press Escape; and the
dialog an import opens for the secrets this home lacks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from app.gui.qt import QApplication, QFileDialog, QLineEdit, QMenu, Qt, QTimer, alive
from tests.gui.conftest import Gui


class Driver(Protocol):
    """What driving a dialog needs: a `Gui`, or a bare widget's test (test_file_choice.py)."""

    qtbot: Any

    def wait_until(self, check: Callable[[], Any], timeout: float = 10.0) -> None: ...


def import_tasks(gui: Gui, path: Path) -> None:
    """File › Import tasks…, the file chosen in its dialog."""
    file_menu_entry(gui, "Import tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), path)


def when_secrets_asked(act: Callable[[Any], None]) -> None:
    """When an import's secrets dialog shows (it blocks in `exec()`), `act` on it (a
    `SecretsNeeded`), as a person does; looked for every 20 ms until it is there."""
    from app.gui.tasks.secrets_needed import SecretsNeeded

    def look() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, SecretsNeeded) or not box.isVisible():
            QTimer.singleShot(20, look)
            return
        act(box)
    QTimer.singleShot(20, look)


def type_secret_while(gui: Gui, secret: str, value: str, meanwhile: Callable[[], None]
                      ) -> list[bool]:
    """When an import asks for secrets: type `value` for `secret`, call `meanwhile` (another
    process changing the home), then press Enter; the list holds True once it is done."""
    typed: list[bool] = []

    def act(box: Any) -> None:
        field = box.fields[secret]
        gui.qtbot.keyClicks(field, value)
        meanwhile()
        typed.append(True)
        gui.qtbot.keyClick(field, Qt.Key.Key_Return)
    when_secrets_asked(act)
    return typed


def file_menu_entry(gui: Gui, text: str) -> None:
    """Click a File menu entry (its text, without '&'), as a person picks it from the menu."""
    (menu,) = [a.menu() for a in gui.window.menuBar().actions() if a.text() == "&File"]
    assert isinstance(menu, QMenu)
    (action,) = [a for a in menu.actions() if a.text().replace("&", "") == text]
    assert action.isEnabled() and action.isVisible()
    action.trigger()


def file_dialog(gui: Gui, owner: Any) -> QFileDialog:
    """The file dialog `owner` opened, once it shows."""
    gui.wait_until(lambda: isinstance(owner.file_dialog, QFileDialog)
                   and alive(owner.file_dialog) and owner.file_dialog.isVisible())
    dialog: QFileDialog = owner.file_dialog
    assert QApplication.activeModalWidget() is dialog
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    return dialog


def choose_path(gui: Driver, dialog: QFileDialog, path: Path) -> None:
    """Paste the path into the dialog's file name field and press Enter, once the dialog has
    the keyboard (before, Enter went to the window: with a task selected there, it opened
    the task's editor): the dialog closes with it chosen."""
    gui.wait_until(lambda: QApplication.activeWindow() is dialog)
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    assert isinstance(name, QLineEdit)
    name.selectAll()
    QApplication.clipboard().setText(str(path))
    gui.qtbot.keyClick(name, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    gui.qtbot.keyClick(name, Qt.Key.Key_Return)
    gui.wait_until(lambda: not alive(dialog) or not dialog.isVisible())


def cancel(gui: Driver, dialog: QFileDialog) -> None:
    """Escape: the dialog closes, nothing chosen."""
    gui.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    gui.wait_until(lambda: not alive(dialog) or not dialog.isVisible())
