"""A chain task's Next run names the tasks it runs after, as a person read the Tasks list
under X: “After Nightly backup succeeds” and, beside it, “after upstream” — the code's word.
Now “after Nightly backup”; after three tasks, the first and how many more."""

from __future__ import annotations

from app.gui.tasks.model import NEXT_RUN
from tests.gui.conftest import Gui, command_task


def test_a_chain_tasks_next_run_names_what_it_runs_after(gui: Gui) -> None:
    s = gui.service
    for name in ("Nightly backup", "Fetch", "Build"):
        s.create_task(command_task(name, schedule={"kind": "cron", "expr": "0 2 * * *"}))
    s.create_task(command_task("Mail summary",
                               schedule={"kind": "after", "tasks": ["Nightly backup"]}))
    s.create_task(command_task("Publish", schedule={
        "kind": "after", "tasks": ["Fetch", "Build", "Nightly backup"]}))
    window = gui.window
    window.resize(1100, 700)
    view = window.tasks_view
    gui.wait_until(lambda: view.model.rowCount() == 5)
    shown = {view.model.index(r, 0).data(): view.model.index(r, NEXT_RUN).data()
             for r in range(5)}
    assert shown["Mail summary"] == "after Nightly backup", shown
    assert shown["Publish"] == "after Fetch and 2 more", shown
    assert all(not text.startswith("after") for name, text in shown.items()
               if name not in ("Mail summary", "Publish")), shown
