"""The bell's entry for "X failed; its fallback “Y” succeeded" wore a success's green ✓: a
failure its fallback made good is no plain success, and wears a warning's amber "!"."""

from __future__ import annotations

from app.gui.qt import QColor, Qt
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task


def _centre_colour(icon: object) -> QColor:
    image = icon.pixmap(32, 32).toImage()  # type: ignore[attr-defined]
    return image.pixelColor(3 * image.width() // 10, image.height() // 2)


def test_a_rescued_failure_is_told_with_a_warning(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("cleanup fallback"))
    s.create_task(command_task("fails with 3", ["sh", "-c", "exit 3"],
                               fallback="cleanup fallback"))
    s.run_now("fails with 3")
    window = gui.window
    panel = window.notifications
    gui.wait_until(lambda: any("its fallback" in e.note.title for e in panel.entries()), 30)
    window.resize(1280, 760)
    gui.qtbot.mouseClick(window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: window.dock.isVisible())
    items = {panel.list.item(i).text().splitlines()[0]: panel.list.item(i)
             for i in range(panel.list.count())}
    rescued = items["fails with 3 failed; its fallback “cleanup fallback” succeeded"]
    failed = items["fails with 3 failed"]
    amber = display.status_colour("warning")
    assert _centre_colour(rescued.icon()).name() == amber.name()
    assert _centre_colour(rescued.icon()).name() != display.status_colour("succeeded").name()
    assert _centre_colour(failed.icon()).name() == display.status_colour("failed").name()
    assert window.grab().save(str(SCREENSHOTS / "bell-rescued.png"))
