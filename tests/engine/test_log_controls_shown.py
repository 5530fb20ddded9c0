"""`tickwork engine`'s log on stderr shows controls, never obeys them, as the command line's
lines do (README: controls are shown, never obeyed, in every message): a home folder's name
and a run's error holding an escape sequence reached a terminal raw, one line recoloured
(tests/cli/test_controls_shown.py checks the command line's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import EngineProcess

RED = "\x1b[31m"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / f"home {RED}red"


def test_the_engines_log_shows_controls_escaped(home: Path, tmp_path: Path, cli: Any) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "boom.py").write_text(f"def go():\n    raise RuntimeError({RED + 'boom'!r})\n")
    assert cli("task", "add", "boom", "--python", "boom:go", "--cwd", str(jobs),
               "--manual").code == 0
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running on")
        ran = cli("task", "run", "boom", "--wait", "30")
        assert ran.code == 1, ran
        engine.wait_for("run 1 of boom: failed")
    finally:
        assert engine.stop() == 0
    log = engine.text()
    assert "\x1b" not in log, log
    assert f"engine running on {home}".replace(RED, "\\x1b[31m") in log, log
    assert "boom failed: RuntimeError: \\x1b[31mboom" in log, log


def test_a_record_of_several_lines_is_indented_after_its_first(tmp_path: Path, cli: Any
                                                                ) -> None:
    """A record's later lines are indented: a home folder whose name holds a newline and a
    log line's shape ("… INFO tickwork.runs: run 99 of payroll: succeeded") cannot pass for
    the engine's word on a run (a run's own error is logged by its first line only)."""
    forged = "2026-12-06 16:00:00,000 INFO tickwork.runs: run 99 of payroll: succeeded"
    home = tmp_path / f"home\n{forged}"
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running on")
    finally:
        assert engine.stop() == 0
    lines = engine.text().splitlines()
    assert [line for line in lines if line.startswith(f"    {forged}")], lines
    assert not [line for line in lines if line.startswith(forged)], lines
