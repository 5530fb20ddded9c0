"""A window left open for weeks: clicking through runs keeps no copies behind. The detail's
wrapping fields measured their height on a copy of their text (`QTextDocument.clone`) that
PySide leaves to Qt and nothing freed: a soak of the window showing runs kept ~100 a minute."""

from __future__ import annotations

import gc
from typing import Any

from PySide6.QtGui import QTextDocument

from app.gui.main_window import RUNS
from tests.gui.conftest import Gui, click_row, command_task


def _documents() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, QTextDocument))


def test_clicking_through_runs_leaves_no_documents_behind(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("a", ["sh", "-c", "echo one; exit 3"]))
    gui.service.create_task(command_task("b", ["sh", "-c", "echo a long line " * 20]))
    runs = [gui.service.run_now(name) for name in ("a", "b")]
    gui.wait_until(lambda: all(gui.service.get_run(r.id).status in ("failed", "succeeded")
                               for r in runs), 20)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 2)

    def round_of_clicks(times: int) -> None:
        for i in range(times):
            click_row(qtbot, view.table, i % 2)
            gui.wait_until(lambda i=i: view.detail.run is not None
                           and view.detail.run.id == runs[1 - i % 2].id)
            gui.quiet()

    round_of_clicks(4)  # what showing a run makes once (fields, plots) is made
    before = _documents()
    round_of_clicks(30)
    assert _documents() - before <= 2
