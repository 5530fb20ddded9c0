"""A task's name in the notification list's tooltip is drawn as it is: a tooltip reads text
that looks like markup as markup, so "<i>x</i> & co failed" came up as an italic "x & co
failed" (and a name with "<b>" in bold to its end)."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument

from app.gui.qt import (
    QApplication,
    QEvent,
    QHelpEvent,
    QLabel,
    QToolTip,
    might_be_rich,
)
from tests.gui.conftest import Gui, command_task

NAME = "<i>x</i> & co <b>nightly"


def _drawn(text: str) -> str:
    """What a tooltip label left to guess (QToolTip's, `Qt.AutoText`) shows of `text`."""
    if not might_be_rich(text):
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText().replace("\u2028", "\n").replace("\xa0", " ")


def test_the_lists_tooltip_shows_a_marked_up_name_as_it_is(gui: Gui) -> None:
    gui.service.create_task(command_task(NAME, ["sh", "-c", "exit 3"]))
    run = gui.service.run_now(NAME)
    window = gui.window
    panel = window.notifications
    gui.wait_until(lambda: any(e.note.run_id == run.id for e in panel.entries()), 30)
    window.status.bell.click()  # the list, as a person opens it
    assert window.dock.isVisible()
    row = next(i for i in range(panel.list.count())
               if panel.entries()[i].note.run_id == run.id)
    item = panel.list.item(row)
    viewport = panel.list.viewport()
    pos = panel.list.visualItemRect(item).center()
    QToolTip.hideText()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, pos,
                                                viewport.mapToGlobal(pos)))
    gui.wait_until(QToolTip.isVisible)
    [label] = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, QLabel) and w.objectName() == "qtooltip_label"]
    shown = _drawn(label.text())
    assert shown.startswith(f"{NAME} failed\n"), shown
    assert "exit code 3" in shown, shown
