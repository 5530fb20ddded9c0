"""A failure its fallback made good, in the bell.

Its entry ("X failed; its fallback “Y” succeeded") wore a success's green ✓: a failure its
fallback made good is no plain success, and wears a warning's amber "!".

The failure's own entry ("X failed", a red ✗, "exit code 3") stayed beside it, at the same
second, and the bell counted two: the list contradicted itself. The sequel takes the place
of its failure's entry (the same failed run), and the bell counts one; other entries stay.
"""

from __future__ import annotations

from app.gui.qt import QColor, Qt
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task


def _centre_colour(icon: object) -> QColor:
    image = icon.pixmap(32, 32).toImage()  # type: ignore[attr-defined]
    return image.pixelColor(3 * image.width() // 10, image.height() // 2)


def _titles(gui: Gui) -> list[str]:  # without the window's own "No system tray"
    return [e.note.title for e in gui.window.notifications.entries() if e.note.kind != "info"]


def test_a_rescued_failure_is_one_entry_told_with_a_warning(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("cleanup fallback"))
    s.create_task(command_task("fails with 3", ["sh", "-c", "exit 3"],
                               fallback="cleanup fallback"))
    s.create_task(command_task("fails alone", ["sh", "-c", "exit 4"]))
    window = gui.window
    panel = window.notifications
    alone = s.run_now("fails alone")
    gui.wait_until(lambda: any(e.note.run_id == alone.id for e in panel.entries()), 30)
    failed = s.run_now("fails with 3")
    # the failure's entry is there before its fallback ends (it may be passed on the way)
    gui.wait_until(lambda: any(failed.id in (e.note.run_id, e.note.replaces)
                               for e in panel.entries()), 30)
    gui.wait_until(lambda: any("its fallback" in e.note.title for e in panel.entries()), 30)
    assert _titles(gui) == [
        "fails with 3 failed; its fallback “cleanup fallback” succeeded", "fails alone failed"]
    assert panel.unread == 2 and window.status.bell.text() == " 2"
    window.resize(1280, 760)
    gui.qtbot.mouseClick(window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: window.dock.isVisible())
    assert window.status.bell.text() == ""
    rescued, other = (panel.list.item(i) for i in range(2))
    amber = display.status_colour("warning")
    assert _centre_colour(rescued.icon()).name() == amber.name()
    assert _centre_colour(rescued.icon()).name() != display.status_colour("succeeded").name()
    assert _centre_colour(other.icon()).name() == display.status_colour("failed").name()
    assert window.grab().save(str(SCREENSHOTS / "bell-rescued.png"))


def test_the_sequel_of_a_failure_already_read_counts_once_and_stays_selected(
        gui: Gui) -> None:
    """The failure's entry was looked at (and selected) before its fallback ended: the
    sequel is news (the bell counts it), and it is the one selected in its place."""
    s = gui.service
    gate = s.store.home / "go"
    s.create_task(command_task("waits", ["sh", "-c", f"while ! test -e {gate}; do "
                                                     "sleep 0.05; done"]))
    s.create_task(command_task("breaks", ["false"], fallback="waits"))
    window = gui.window
    panel = window.notifications
    failed = s.run_now("breaks")
    gui.wait_until(lambda: any(e.note.run_id == failed.id for e in panel.entries()), 30)
    window.resize(1280, 760)
    gui.qtbot.mouseClick(window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: window.dock.isVisible() and panel.unread == 0)
    panel.list.setFocus()
    gui.qtbot.keyClick(panel.list, Qt.Key.Key_Home)
    assert panel.list.currentRow() == 0 and panel.retry_button.isEnabled()
    gui.qtbot.mouseClick(window.status.bell, Qt.MouseButton.LeftButton)  # hidden again
    gate.touch()
    gui.wait_until(lambda: panel.unread == 1, 30)
    assert _titles(gui) == [
        "breaks failed; its fallback “waits” succeeded"]
    assert window.status.bell.text() == " 1" and panel.list.currentRow() == 0
    assert panel.open_button.isEnabled() and panel.retry_button.isEnabled()


def test_open_log_on_a_rescued_failure_opens_the_failed_run(gui: Gui) -> None:
    """"breaks failed; its fallback “mends” succeeded", Open log: the window showed the
    fallback's run ("mends", its output) and not the run the entry is about, whose failure
    and output the person came to read. It shows the failed run (its note names the
    fallback's run, for the rest)."""
    from app.gui.main_window import RUNS

    s = gui.service
    s.create_task(command_task("mends", ["sh", "-c", "echo mended"]))
    s.create_task(command_task("breaks", ["sh", "-c", "echo oops >&2; exit 2"],
                               fallback="mends"))
    window = gui.window
    panel = window.notifications
    failed = s.run_now("breaks")
    gui.wait_until(lambda: any("its fallback" in e.note.title for e in panel.entries()), 30)
    window.resize(1280, 760)
    gui.qtbot.mouseClick(window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: window.dock.isVisible())
    row = next(i for i, e in enumerate(panel.entries()) if "its fallback" in e.note.title)
    rect = panel.list.visualItemRect(panel.list.item(row))
    gui.qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    gui.wait_until(panel.open_button.isEnabled)
    gui.qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    view = window.runs_view
    assert window.current_view() == RUNS
    gui.wait_until(lambda: view.detail.run is not None and view.detail.run.id == failed.id)
    gui.wait_until(lambda: "oops" in view.detail.output_text())
    assert view.detail.title.text() == f"Run {failed.id} of breaks"
    assert "fell back to “mends”" in view.detail.fields["Note"].text()
    assert window.grab().save(str(SCREENSHOTS / "bell-rescued-open-log.png"))
