"""A notification naming a long path (the engine's line when its store's file was replaced:
its log kept as backups/tickwork-20261207T140531.751818Z-overwritten.db-wal) in the narrow
notification panel: Qt breaks lines only at spaces (and never between "-" and a digit), so
the word widened the list past the panel — a horizontal scroll bar, the line's end cut off
(seen in the real window under Xvfb). Long words now break after / - _ . and the like; a
screen reader still reads the words as they are."""

from __future__ import annotations

from typing import Any

from app.engine.events import Notification
from app.gui.notifications.panel import NotificationList
from app.gui.qt import QApplication, Qt

LINE = ("/home/someone/.local/share/tickwork/tickwork.db was overwritten while the engine ran "
        "(its log is kept as /home/someone/.local/share/tickwork/backups/"
        "tickwork-20261207T140531.751818Z-overwritten.db-wal)")


def test_a_long_path_wraps_inside_the_narrow_panel(qtbot: Any) -> None:
    panel = NotificationList()
    qtbot.addWidget(panel)
    panel.resize(240, 500)
    panel.show()
    qtbot.waitExposed(panel)
    panel.add(Notification("store", "Tickwork stopped: its store's file was replaced", LINE))
    QApplication.processEvents()
    panel.list.doItemsLayout()
    QApplication.processEvents()
    assert panel.list.horizontalScrollBar().maximum() == 0  # (52 pixels of it before)
    item = panel.list.item(0)
    said = item.data(Qt.ItemDataRole.AccessibleTextRole)
    assert said.startswith("Tickwork stopped: its store's file was replaced\n" + LINE), said
    assert item.text().replace("\u200b", "") == said
