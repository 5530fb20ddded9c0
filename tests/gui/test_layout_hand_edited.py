"""The window's kept layout as a person may have edited it by hand (Tickwork.conf is a
text file): a task column's width that is no number the window can read is passed over,
that column at its default width, the rest as kept; the window opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.tasks.model import NEXT_RUN, PRIORITY
from tests.gui.conftest import _open_gui, close_gui


def test_a_hand_edited_column_width_leaves_that_column_at_its_default(
        tmp_path: Path, qtbot: Any) -> None:
    """"²" is a digit to Python's `isdigit`, not a number to `int`: the window did not open,
    a ValueError ("invalid literal for int() with base 10: '²'") in its layout's restore."""
    from app.gui.settings import appearance

    first = _open_gui(tmp_path / "default-home", qtbot, engine=False)  # $TICKWORK_HOME
    widths = dict(part.split(":") for part in first.window.tasks_view.columns.kept().split())
    close_gui(first)
    narrower = int(widths[str(PRIORITY)]) - 20
    kept = appearance.settings()
    kept.setValue("tasks/widths", f"{NEXT_RUN}:1²0 {PRIORITY}:{narrower} x:y ::")
    kept.sync()
    gui = _open_gui(tmp_path / "default-home", qtbot, engine=False)
    try:
        assert gui.window.tasks_view.columns.kept() == " ".join(
            f"{i}:{narrower if i == str(PRIORITY) else w}" for i, w in widths.items())
    finally:
        close_gui(gui)
