"""Screenshots of every view and of the editor, in light and dark palettes.

Written to tests/screenshots/ (git-ignored) for people to look at: text not clipped,
nothing overlapping, colours readable. The test also checks the basic promise of the dark
palette: text is light on a dark base in every view.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.gui.editor.dialog import TaskEditor
from app.gui.main_window import VIEWS
from app.gui.qt import QApplication, QPalette
from app.gui.settings import appearance
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task

SIZES = ((800, 500), (1600, 1000))  # a laptop with a panel or a tiled half screen; a big one


def _populate(gui: Gui) -> None:
    s = gui.service
    now = datetime.now(UTC)
    s.create_task(command_task("Back up notes", ["sh", "-c", "echo copying; echo done"],
                               schedule={"kind": "cron", "expr": "0 2 * * *"},
                               tags=["backup", "nightly"], priority=5))
    s.create_task(command_task("Pull reports", ["sh", "-c", "echo pulling >&2; exit 3"],
                               schedule={"kind": "interval", "seconds": 900}))
    s.create_task(command_task("Mail the summary", ["echo", "mailed"],
                               schedule={"kind": "after", "tasks": ["Pull reports"]}))
    s.create_task(command_task("Renew certificate", ["echo", "renewed"],
                               schedule={"kind": "date",
                                         "at": (now + timedelta(days=3)).isoformat()}))
    s.create_task(command_task("Weekly cleanup", ["echo", "clean"], enabled=False,
                               schedule={"kind": "cron", "expr": "30 3 * * 0"}))
    for name in ("Back up notes", "Pull reports"):
        run = s.run_now(name)
        gui.wait_until(lambda r=run: s.get_run(r.id).status in ("succeeded", "failed"))
    gui.settle()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(gui: Gui, qapp: Any, scheme: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    _populate(gui)
    gui.window.set_scheme(scheme)
    for width, height in SIZES:
        gui.window.resize(width, height)
        gui.qtbot.waitUntil(lambda w=width, h=height: gui.window.size().toTuple() == (w, h))
        for i, name in enumerate(VIEWS):
            gui.window.show_view(i)
            gui.settle()
            if name == "Runs":
                gui.window.runs_view.table.selectRow(0)
                gui.settle()
            if name == "Audit":
                gui.window.audit_view.verify()
                gui.settle()
            gui.quiet()
            shot = SCREENSHOTS / f"{name.lower()}-{width}x{height}-{scheme}.png"
            assert gui.window.grab().save(str(shot))
            text = gui.window.views[i].palette().color(QPalette.ColorRole.Text)
            base = gui.window.views[i].palette().color(QPalette.ColorRole.Base)
            assert (text.lightness() > base.lightness()) == (scheme == "dark")
    gui.window.show_view(0)
    gui.window.tasks_view.table.selectRow(0)
    task = gui.service.get_task("Back up notes")
    for mode, page in (("edit", 0), ("edit", 1), ("edit", 2), ("edit", 3), ("edit", 5)):
        editor = TaskEditor(gui.session, task, mode, gui.window)
        row = editor.env.add_row("API_TOKEN", "s3cret-value")
        row.secret.setChecked(True)
        editor.sidebar.setCurrentRow(page)
        editor.show()
        gui.settle()
        title = editor.pages[page].title.split()[0].lower()
        assert editor.grab().save(str(SCREENSHOTS / f"editor-{title}-{scheme}.png"))
        editor.discard()
    editor = TaskEditor(gui.session, None, "new", gui.window)
    editor.show()
    editor.schedule.kind.setCurrentIndex(editor.schedule.kind.findData("cron"))
    editor.sidebar.setCurrentRow(2)
    editor.general.name.setText("Bad cron")
    editor.action.command.setText("true")
    editor.schedule.cron.setText("61 * * * *")
    gui.settle()
    gui.qtbot.waitUntil(lambda: not editor.save_button.isEnabled())
    gui.qtbot.wait(200)
    assert editor.grab().save(str(SCREENSHOTS / f"editor-invalid-{scheme}.png"))
    editor.discard()
    appearance.apply(QApplication.instance(), "system")  # type: ignore[arg-type]
    display.clear_icon_cache()
