"""`tickwork --show-run RUN` (what a desktop notification's "Open log" starts when no window
is open): the real start-up path opens the window on the Runs view, every task's runs
listed, with that run selected and its detail shown — also a run older than the list's first
page, which showed the window with nothing selected and not a word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.main_window import RUNS, MainWindow
from app.gui.qt import QApplication
from tests.gui.conftest import command_task
from tests.gui.start_up import through_start_up


def _open_at(home: Path, run_id: int) -> dict[str, Any]:
    """`tickwork --home HOME --show-run RUN_ID` through the real start-up path, quit once the
    Runs view shows a run and lists runs: what the window showed then."""
    seen: dict[str, Any] = {}

    def look() -> bool:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            return False
        window = windows[0]
        view = window.runs_view
        shown = view.detail.run
        # the detail of a run older than the list's first page is read and shown at once,
        # the list's own read may land after it (under load: nothing listed yet)
        if window.current_view() != RUNS or shown is None or not view.model.rowCount():
            return False
        seen.update(view=window.current_view(), run=shown.id, window=window,
                    listed={view.model.data(view.model.index(r, 0), 0)
                            for r in range(view.model.rowCount())},
                    selected=[i.row() for i in view.table.selectionModel().selectedRows()],
                    row=view.model.row_of(run_id), title=view.detail.title.text())
        return True

    code = through_start_up(["--home", str(home), "--no-engine", "--show-run", str(run_id)],
                            look)
    window = seen.pop("window", None)
    if window is not None:
        window.hide()
        window.deleteLater()
    assert code == 0
    return seen


def _home_with_runs(home: Path, count: int) -> list[Any]:
    from app.service import Service
    from app.store.database import Store

    store = Store.open(home)
    service = Service(store, "cli")
    for name in ("backup", "report"):
        service.create_task(command_task(name))
    runs = [service.run_now(name) for name in ("backup", "report") * (count // 2)]
    store.close()
    return runs


def test_show_run_opens_the_window_at_that_run(tmp_path: Path, qapp: Any) -> None:
    runs = _home_with_runs(tmp_path / "home", 10)
    wanted = runs[3]  # a `report` run, neither the newest nor the oldest
    seen = _open_at(tmp_path / "home", wanted.id)
    assert seen.get("run") == wanted.id, seen
    assert seen["selected"] == [seen["row"]]
    assert len(seen["listed"]) > 1  # every task's runs, not only this task's


def test_show_run_opens_a_run_older_than_the_first_page(tmp_path: Path, qapp: Any) -> None:
    runs = _home_with_runs(tmp_path / "home", 260)  # the list reads 200 at a time
    wanted = runs[0]
    seen = _open_at(tmp_path / "home", wanted.id)
    assert seen.get("run") == wanted.id, seen  # (it waited for a row that never came)
    assert seen["title"] == f"Run {wanted.id} of backup"
    assert len(seen["listed"]) > 1  # among every task's runs
