"""A crontab of 10,000 jobs previews without stalling the window: its rows are worded off
the GUI thread and the table asks only for the rows in sight. The preview built 60,000 table
items and worded every schedule on the GUI thread (0.25 s; 0.6 s with every row marked).
Counted by a profiler on the GUI thread, not timed: a test never asserts a duration."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from app.gui.qt import Qt
from app.gui.tasks.import_preview import ImportPreview
from tests.conftest import ROOT
from tests.gui.conftest import SCREENSHOTS, Gui

JOBS = 10_000
APP, TESTS = str(ROOT / "app") + "/", str(ROOT / "tests") + "/"


def test_ten_thousand_jobs_are_shown_with_little_work_on_the_gui_thread(
        gui: Gui, qtbot: Any, tmp_path: Path) -> None:
    file = tmp_path / "crontab"
    file.write_text("".join(f"{i % 60} {i % 24} * * * /bin/echo job{i}\n"
                            for i in range(JOBS - 1))
                    + "SHELL=/nonexistent/tw-sh\n5 5 * * * echo x\n")  # the last one refused
    gui.window.task_ops.import_crontab.trigger()
    dialog = gui.window.task_ops.import_preview
    assert isinstance(dialog, ImportPreview)
    gui.wait_until(dialog.isVisible)
    dialog.path.setText(str(file))
    calls: Counter[str] = Counter()

    def count(frame: FrameType, event: str, _arg: Any) -> None:
        # the app's calls, not the ones this test's own wait makes (it polls the row count:
        # a loaded machine polled more, and counted ~7,000 calls more of its own)
        if event == "call" and APP in frame.f_code.co_filename and not (
                frame.f_back is not None and TESTS in frame.f_back.f_code.co_filename):
            calls[frame.f_code.co_name] += 1

    sys.setprofile(count)  # this thread's calls only: the GUI thread's
    try:
        qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
        gui.wait_until(lambda: dialog.table.model().rowCount() == JOBS, timeout=60)
        gui.settle()
    finally:
        sys.setprofile(None)
    assert calls["schedule_words"] == 0 and calls["preview_rows"] == 0
    # (about 8,000 of the app's, most of them the rows in sight asked for; before, 154,000)
    assert sum(calls.values()) < 15_000, calls.most_common(5)
    assert dialog.create_button.text() == f"&Create {JOBS - 1:,} tasks, leave out 1"
    assert dialog.grab().save(str(SCREENSHOTS / "import-crontab-10k.png"))
