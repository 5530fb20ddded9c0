"""`tickwork-gui`, the desktop's launcher (no terminal), with a home it cannot use: an empty
$TICKWORK_HOME, or one that is a file. It ended in a traceback no one saw (the window never
opened); a box says why, naming the variable, and it exits 1 with nothing made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.gui.conftest import answer_question


@pytest.mark.parametrize(("value", "words"), [
    ("", "TICKWORK_HOME: is empty: name a folder, or unset TICKWORK_HOME for the default home"),
    ("a-file", "is not a folder"),
], ids=["empty", "a-file"])
def test_a_home_it_cannot_use_is_said_in_a_box(qtbot: Any, qapp: Any, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, value: str,
                                               words: str) -> None:
    from app.gui import bootstrap

    if value:
        (tmp_path / value).write_text("notes\n")
        value = str(tmp_path / value)
    monkeypatch.setenv("TICKWORK_HOME", value)
    monkeypatch.chdir(tmp_path)
    box = answer_question(qtbot, "OK")
    try:
        code = bootstrap.main([])
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    assert code == 1 and box.done
    assert box.title == "Tickwork cannot open its data" and words in box.text, box.text
    assert sorted(p.name for p in tmp_path.iterdir()) == (["a-file"] if value else [])


def test_a_bad_variable_its_engine_reads_is_said_in_a_box(qtbot: Any, qapp: Any,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """`tickwork-gui` with $TICKWORK_LAUNCHERS=abc: `tickwork` refuses it before the window
    (exit 2, naming it); the desktop's launcher went on, and the engine's threads raised on
    it. Now a box names it, exit 2, with nothing made."""
    from app.gui import bootstrap

    monkeypatch.setenv("TICKWORK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TICKWORK_LAUNCHERS", "abc")
    box = answer_question(qtbot, "OK")
    try:
        code = bootstrap.main([])
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    assert code == 2 and box.done
    assert box.title == "Tickwork cannot start" and "TICKWORK_LAUNCHERS" in box.text, box.text
    assert not (tmp_path / "home").exists()
