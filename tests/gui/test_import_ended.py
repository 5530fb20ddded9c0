"""File → Import tasks… of an export with a task whose end is past: imported, and the status
bar's summary of the import says it never fires, as `tickwork import`'s note does."""

from __future__ import annotations

import json
from pathlib import Path

from tests.gui.conftest import Gui, said
from tests.gui.file_dialogs import choose_path, file_dialog, file_menu_entry


def test_the_window_s_import_says_a_task_s_end_is_past(gui: Gui, tmp_path: Path) -> None:
    export = tmp_path / "tasks.json"
    task = {"name": "ended", "timezone": "UTC", "action": {"kind": "command", "argv": ["true"]},
            "schedule": {"kind": "interval", "seconds": 3600},
            "end_at": "2025-01-01T00:00:00+00:00"}
    export.write_text(json.dumps({"version": 1, "tasks": [task]}))
    file_menu_entry(gui, "Import tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: said(gui.window).startswith("Imported 1 task"))
    assert said(gui.window) == (
        "Imported 1 task: “ended”. Task 'ended' ends 2025-01-01 00:00 (UTC), in the past: it "
        "never fires until its end is cleared or moved")
    assert [t.name for t in gui.service.list_tasks()] == ["ended"]
