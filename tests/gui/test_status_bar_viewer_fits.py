"""A viewer's status bar at 800 px: the engine's long state ("Scheduling is done by another
engine (process N); this window shows its work") is cut with "…", the whole of it in its
tooltip, so the failures today and the bell stay in the window. (They were pushed past its
right edge: "3 failed toda", no bell.) Widened, the window says it whole again."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app.gui.qt import QPoint
from app.store.lock import EngineLock
from tests.gui.conftest import SCREENSHOTS, Gui

WHOLE = (f"● Scheduling is done by another engine (process {os.getpid()}); "
         "this window shows its work")


def test_a_viewers_state_is_cut_so_the_failures_and_bell_stay_in_sight(
        gui_factory: Any, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    other = EngineLock(home)
    assert other.try_acquire("another engine")
    try:
        gui: Gui = gui_factory()
        assert gui.session.mode == "standby"
        window = gui.window
        bar = window.status
        window.resize(800, 560)
        gui.wait_until(lambda: bar.overview is not None)
        gui.quiet()

        def inside(widget: Any) -> bool:
            right = widget.mapTo(window, QPoint(widget.width(), 0)).x()
            return widget.isVisible() and right <= window.width()

        gui.wait_until(lambda: inside(bar.failures) and inside(bar.bell))
        assert inside(bar.next_fire) and inside(bar.running)
        assert bar.engine.text().endswith("…") and bar.engine.text().startswith("● Sched")
        assert bar.engine.toolTip().startswith(WHOLE)
        assert "shows and edits them" in bar.engine.toolTip()
        assert window.grab().save(str(SCREENSHOTS / "status-bar-viewer-800.png"))

        window.resize(1180, 720)
        gui.wait_until(lambda: bar.engine.text() == WHOLE)
        assert bar.engine.toolTip().startswith("Another Tickwork engine holds this store")
        assert inside(bar.failures) and inside(bar.bell)
    finally:
        other.release()
