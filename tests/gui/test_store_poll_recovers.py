"""A window that is not running the engine (`tickwork gui --no-engine --store URL`: the
scheduling is done by another machine's engine) hears that store's changes through its
poll of the store's data_version. A poll that failed once — here the PostgreSQL server
restarted under it — stopped the poll for good: the window's tables froze, with one
traceback said. Now the failure is one line, said once, the store is looked at again
meanwhile, and once the server is back a task added elsewhere shows in the window."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.gui.conftest import _open_gui, close_gui
from tests.support import tickwork
from tests.support.postgres import PgServer, pg_server, pg_url

__all__ = ["pg_server", "pg_url"]

FAILING = "cannot look for changes in the store ("


def _names(gui: Any) -> list[str]:
    return [row.task.name for row in gui.window.tasks_model.rows]


def test_a_window_hears_the_store_again_after_its_server_restarted(
        home: Path, tmp_path: Path, pg_server: PgServer, pg_url: str, qtbot: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    gui = _open_gui(home, qtbot, engine=False, url=pg_url)
    try:
        gui.quiet()
        with pg_server.paused():
            gui.wait_until(lambda: any(FAILING in r.getMessage() for r in caplog.records), 15)
        added = tickwork.run(["--home", str(tmp_path / "elsewhere"), "--store", pg_url,
                              "task", "add", "after", "--manual", "--command", "true"],
                             timeout=60, cwd=ROOT, env=dict(os.environ))
        assert added.returncode == 0, added.stderr
        gui.wait_until(lambda: _names(gui) == ["after"], 20)  # heard at the next look
        failing = [r for r in caplog.records if FAILING in r.getMessage()]
        assert len(failing) == 1 and failing[0].levelno == logging.WARNING
        assert "\n" not in failing[0].getMessage() and not failing[0].exc_info
        assert gui.session.bridge.poll_failing is None  # back at its full rate
    finally:
        close_gui(gui)
