"""`tickwork-gui`, the desktop's launcher (no terminal), with a home it cannot use: an empty
$TICKWORK_HOME, or one that is a file. It ended in a traceback no one saw (the window never
opened); a box says why, naming the variable, and it exits 1 with nothing made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.gui.conftest import answer_question, quit_once_shown


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


@pytest.mark.parametrize("how", ["--home", "TICKWORK_HOME"])
def test_the_window_started_at_login_makes_no_new_home_where_an_engine_kept_one(
        qtbot: Any, qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        how: str) -> None:
    """`tickwork --minimized` (the login entry) on a data home an engine kept, moved or on a
    drive not mounted yet: nobody is there to see a new empty home made in its place (and a
    folder moved back then goes inside it), so a box says where it went, exit 1, nothing
    made. Opened by a person (no `--minimized`), the window asks first (below). How to name
    another home is said as this one was named (it said `--home` of a TICKWORK_HOME)."""
    from app.gui import bootstrap
    from app.store import kept_homes

    home = tmp_path / "home"
    kept_homes.note(home)  # (as an engine notes the home it keeps a store in)
    box = answer_question(qtbot, "OK")
    try:
        if how == "TICKWORK_HOME":
            monkeypatch.setenv("TICKWORK_HOME", str(home))
        code = bootstrap.main([*(["--home", str(home)] if how == "--home" else []),
                               "--minimized"])
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    assert code == 1 and box.done
    assert box.title == "Tickwork cannot open its data", box.title
    named = "`--home`" if how == "--home" else "TICKWORK_HOME"
    assert (f"the data home {home} is not there (moved or deleted?): an engine kept its store "
            "there, and Tickwork makes no new empty one in its place; put it back, or start "
            f"Tickwork with {named} naming where it went") in box.text, box.text
    other = "tickwork --home DIR" if how == "--home" else "TICKWORK_HOME=DIR tickwork"
    assert f"start Tickwork with another one ({other}, " in box.text, box.text
    assert not home.exists()


def _kept_and_gone(tmp_path: Path) -> Path:
    """A home an engine kept a store in, gone (moved, deleted, a drive not mounted)."""
    from app.store import kept_homes

    home = tmp_path / "drive" / "home"
    kept_homes.note(home)
    return home


def test_a_person_opening_the_window_on_a_kept_home_gone_is_asked_and_can_quit(
        qtbot: Any, qapp: Any, tmp_path: Path) -> None:
    """The window opened by hand made a new empty home there without a word: "No tasks yet",
    and on a drive not mounted yet the tasks made then went where the drive would hide them.
    It asks now; Quit (the default) makes nothing."""
    from app.gui import bootstrap

    home = _kept_and_gone(tmp_path)
    box = answer_question(qtbot, "Quit", screenshot="home_gone_question")
    try:
        code = bootstrap.main(["--home", str(home)])
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    assert code == 1 and box.done
    assert box.title == "Tickwork's data is not there", box.title
    assert box.text.startswith(f"The data home {home} is not there: moved or deleted, or on a "
                               "drive not mounted yet? An engine kept its tasks there."), box.text
    assert not (tmp_path / "drive").exists()


@pytest.mark.parametrize("how", ["start-afresh", "--new-home"])
def test_a_person_can_start_afresh_where_a_kept_home_was(qtbot: Any, qapp: Any,
                                                          tmp_path: Path, how: str) -> None:
    """Start afresh in the question, or `tickwork --new-home` (which the window ignored), opens
    the window on a new, empty home there."""
    from app.gui import bootstrap

    home = _kept_and_gone(tmp_path)
    box = answer_question(qtbot, "Start afresh") if how == "start-afresh" else None
    shown = quit_once_shown()
    try:
        code = bootstrap.main(["--home", str(home), "--no-engine",
                               *(["--new-home"] if how == "--new-home" else [])])
    finally:
        shown.stop()
        qapp.setQuitOnLastWindowClosed(True)
    assert code == 0 and shown.title == str(home), shown.title
    assert (home / "tickwork.db").is_file()
    if box is not None:
        assert box.done
    else:  # (no box was asked for: one would have blocked the window's opening)
        assert not [w for w in qapp.topLevelWidgets() if w.isVisible()
                    and w.windowTitle() == "Tickwork's data is not there"]
