"""A data home put back as a copy (`cp -a` of the folder moved away, a sync tool, a backup
put in its place) under a window with no engine of its own: the window's look for other
processes' changes kept the file it first opened — an SQLite connection holds its file
wherever it goes — so a task another process added to the copy never showed, with nothing
said. The window notices the file at the store's path is another (its device and inode),
says so once, reads it from then on, hears its changes, and writes its own edits there."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.gui.conftest import Gui, command_task, said
from tests.support import tickwork

OTHER = "is another file than the one this window was reading"


def _names(gui: Gui) -> list[str]:
    return sorted(row.task.name for row in gui.window.tasks_model.rows)


@pytest.mark.parametrize("away_seen", [False, True], ids=["at-once", "after-away-said"])
def test_a_home_put_back_as_a_copy_is_read_and_heard(
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path,
        caplog: pytest.LogCaptureFixture, away_seen: bool) -> None:
    caplog.set_level(logging.INFO)
    gui = gui_factory(engine=False)
    gui.service.create_task(command_task("before"))
    gui.wait_until(lambda: _names(gui) == ["before"])
    gui.quiet()
    away = tmp_path / "away"
    home.rename(away)
    if away_seen:  # the window said the home went, and looks for it every 5 s
        gui.window.status.refresh()
        gui.wait_until(lambda: "was moved or deleted" in gui.window.status.engine.toolTip(), 15)
    shutil.copytree(away, home, symlinks=True)  # (`cp -a`: new files, their modes and times)
    if away_seen:
        gui.wait_until(lambda: "was moved or deleted" not in gui.window.status.engine.toolTip(),
                       20)
    added = tickwork.run(["--home", str(home), "task", "add", "after", "--manual",
                          "--command", "true"], timeout=60, cwd=ROOT)
    assert added.returncode == 0, added.stderr
    gui.wait_until(lambda: _names(gui) == ["after", "before"], 15)
    store = home / "tickwork.db"
    lines = [r for r in caplog.records if OTHER in r.getMessage()]
    assert len(lines) == 1 and f"{store} {OTHER}" in lines[0].getMessage(), lines
    assert not lines[0].exc_info
    if not away_seen:  # (after the home was said away, its return may be said last)
        assert f"{store} {OTHER}" in said(gui.window)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    # its own edits go to the copy too: each was refused ("… was replaced by a restore while
    # this waited for it: nothing was written; run it again"), for as long as it stayed open
    gui.service.create_task(command_task("mine"))
    listed = tickwork.run(["--home", str(home), "task", "list", "--json"], timeout=60, cwd=ROOT)
    assert sorted(t["name"] for t in json.loads(listed.stdout)) == ["after", "before", "mine"]

