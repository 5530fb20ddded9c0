"""File → Export tasks… of a big home holds a page of tasks at a time, never every one: with
100,000 tasks the export built all their JSON and then one 60 MB string, and the full garbage
collection and the string's joining that brought on froze the window 0.6 s and 0.5 s
(app/export_text.py). Counted here as the most memory the export held at once."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

from tests.gui.conftest import _open_gui, close_gui, said
from tests.gui.file_dialogs import choose_path, file_dialog, file_menu_entry
from tests.gui.test_many_tasks import insert_tasks

TASKS = 6_000


def test_an_export_of_many_tasks_holds_a_page_of_them_at_a_time(
        home: Path, qtbot: Any, tmp_path: Path) -> None:
    from app.store.database import Store

    store = Store.open(home, actor="gui")
    insert_tasks(store, TASKS)
    store.close()
    gui = _open_gui(home, qtbot, engine=False)
    export = tmp_path / "everything.json"
    try:
        file_menu_entry(gui, "Export tasks…")
        dialog = file_dialog(gui, gui.window.task_ops)
        tracemalloc.start()
        try:
            choose_path(gui, dialog, export)
            gui.wait_until(lambda: said(gui.window)
                           == f"Exported {TASKS:,} tasks to {export}.", timeout=120)
            held = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    finally:
        close_gui(gui)
    document = json.loads(export.read_text())
    assert [t["name"] for t in document["tasks"]] == [f"task {i:06d}" for i in range(TASKS)]
    # every task's JSON and the whole text at once: 62 MB before; a page of 500: ~10 MB
    assert held < 25_000_000, f"{held / 1e6:.0f} MB held at once"
