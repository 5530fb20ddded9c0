"""The default home (no --home, no $TICKWORK_HOME: the platform's data folder) reached through
a symbolic link — a home directory that is a link, as on many shared Linux machines — keeps
the window's layout where it always was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.gui.main_window import RUNS
from app.store.home import resolve_home
from tests.gui.conftest import _open_gui, close_gui


def test_the_default_home_through_a_link_keeps_the_layout_saved_before(
        tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window compared the data folder as named with the home resolved (links followed):
    they differed, so it took the default home for another, kept its layout in a group of its
    own, and a layout saved before (the view, the sorting, the size) was gone."""
    from app.gui.settings import appearance

    (tmp_path / "real").mkdir()
    (tmp_path / "data").symlink_to(tmp_path / "real")
    monkeypatch.delenv("TICKWORK_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    home = resolve_home(None)  # as a bare `tickwork` finds it
    kept = appearance.settings()
    kept.setValue("window/view", RUNS)  # saved by an earlier version: at the top
    kept.sync()
    gui = _open_gui(home, qtbot, engine=False)
    try:
        assert gui.window.current_view() == RUNS
    finally:
        close_gui(gui)
