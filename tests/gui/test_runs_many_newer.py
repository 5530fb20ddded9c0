"""More newer runs than the Runs view keeps, arriving between two of its updates (100,000
fires a minute bring ~400 in each): they are read as many as it keeps and become the
window, newest first, each as it ended; the rows they push out are not re-read. Fewer than
that are put above the rows shown, which are re-read for their ends."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import RUNS
from tests.gui.conftest import Gui, command_task

KEPT = 5


def _shown(view: Any) -> list[tuple[int, str]]:
    model = view.model
    return [(run.id, run.status) for run in (model.run(i) for i in range(model.rowCount()))
            if run is not None]


def _ended(gui: Gui, ids: list[int]) -> None:
    gui.wait_until(lambda: all(gui.service.get_run(i).status == "succeeded" for i in ids))


def test_more_newer_runs_than_the_view_keeps_become_the_window(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("tick", ["true"]))
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    view.model.page_size = KEPT  # (the window keeps 200; five make the test short)
    first = [gui.service.run_now("tick").id for _ in range(3)]
    _ended(gui, first)
    gui.wait_until(lambda: _shown(view) == [(i, "succeeded") for i in reversed(first)])

    few = [gui.service.run_now("tick").id for _ in range(2)]  # fewer than it keeps
    _ended(gui, few)
    gui.wait_until(lambda: [i for i, _ in _shown(view)] == [*reversed(few), *reversed(first)])
    gui.wait_until(lambda: {s for _, s in _shown(view)} == {"succeeded"})

    many = [gui.service.run_now("tick").id for _ in range(3 * KEPT)]  # more than it keeps
    _ended(gui, many)
    every = [(i, "succeeded") for i in reversed([*first, *few, *many])]

    def newest_first() -> bool:  # (the table asks for more rows to fill its height)
        shown = _shown(view)
        return len(shown) >= KEPT and shown == every[:len(shown)]
    gui.wait_until(newest_first)
    gui.settle()
    assert newest_first(), _shown(view)
    assert view.model.total == len(every)
