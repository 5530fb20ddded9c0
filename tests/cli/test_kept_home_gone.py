"""A data home an engine kept a store in, moved or deleted (or its `tickwork.db`), then a
scripted command on its path: `task add` made a new, empty home where the folder had been
(the folder moved back went inside it), and `task list` answered an empty list, as if all
were well. Every command now refuses it in the engine's words, naming the home and what to
do, exit 2, making nothing; `--new-home` makes one there all the same, and a first use on a
new machine (no engine ever kept a store there) makes the home as ever."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.engine.conftest import EngineProcess

GONE = ("(moved or deleted?): an engine kept its store there, and Tickwork makes no new empty "
        "one in its place; put it back, or start Tickwork with {how} naming where it went "
        "(to start afresh there, run `tickwork --home {home} --new-home task list` first)")



def _gone(home: Path, how: str = "`--home`") -> str:
    """The refusal's words for `home`, named by `how` (as the person named it)."""
    return GONE.format(home=home, how=how)


def _kept(cli: Any, home: Path, tmp_path: Path) -> None:
    """A task stored in `home`, then an engine started on it, and stopped: it noted it."""
    assert cli("task", "add", "kept", "--command", "true", "--manual").code == 0
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running", 30)
    finally:
        assert engine.stop() == 0, engine.text()


def _refused(done: Any, line: str) -> None:
    assert (done.code, done.out, done.err) == (2, "", f"tickwork: error: {line}\n"), done


def test_a_command_on_a_kept_home_moved_away_makes_no_new_one(
        cli: Any, home: Path, tmp_path: Path) -> None:
    _kept(cli, home, tmp_path)
    away = tmp_path / "away"
    home.rename(away)
    line = f"home: the data home {home} is not there {_gone(home)}"
    for args in (("task", "add", "new", "--command", "true"), ("task", "list", "--json"),
                 ("run", "list"), ("export", str(tmp_path / "out.json")), ("check",),
                 ("settings", "--shared-store", "off"), ("engine", "stop")):
        _refused(cli(*args), line)
        assert not home.exists(), args  # the folder moved back goes where it was
    away.rename(home)
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["kept"]


def test_its_store_file_deleted_and_tickwork_home_naming_it_say_the_same(
        cli: Any, home: Path, tmp_path: Path, monkeypatch: Any) -> None:
    """... the home still there, its tickwork.db gone; the home named by TICKWORK_HOME (the
    line names that); `--new-home` starts afresh there, and the engine then starts on it."""
    from tests.support import tickwork

    _kept(cli, home, tmp_path)
    store = home / "tickwork.db"
    store.rename(tmp_path / "kept.db")
    _refused(cli("task", "list"), f"home: {store} is not there {_gone(home)}")
    monkeypatch.setenv("TICKWORK_HOME", str(home))
    by_variable = tickwork.run(["task", "add", "new", "--command", "true"], timeout=60)
    assert (by_variable.returncode, by_variable.stderr) == (
        2, f"tickwork: error: TICKWORK_HOME: {store} is not there "
        f"{GONE.replace('--home {home} ', '').format(how='TICKWORK_HOME')}\n"), by_variable
    assert not store.exists()
    assert cli("--new-home", "task", "list", "--json").json() == []
    assert cli("task", "list", "--json").json() == []  # (a store there now: no refusal)
    engine = EngineProcess(home, tmp_path / "afresh.log")
    try:
        engine.wait_for("engine running", 30)
    finally:
        assert engine.stop() == 0, engine.text()


def test_a_first_use_makes_the_home_and_a_command_notes_none(cli: Any, home: Path) -> None:
    """No engine ever kept a store there (a new machine): made, as ever, for a write and
    for a read; only an engine notes a home (app/store/kept_homes.py)."""
    assert cli("task", "list", "--json").json() == []
    assert (home / "tickwork.db").is_file()
    (home / "tickwork.db").unlink()
    assert cli("task", "add", "t", "--command", "true").code == 0
    assert not (Path(os.environ["XDG_STATE_HOME"]) / "tickwork" / "homes").exists()


def test_a_command_racing_an_engine_s_first_start_on_a_new_home_is_not_refused(
        home: Path, monkeypatch: Any) -> None:
    """An engine makes a new home's store, then notes the home. A command looking at the
    same moment looked for the store first (not there yet), then for the note (there by
    then), and was refused, "… tickwork.db is not there": a full run's `task add` beside a
    `tickwork engine` starting, under load. The engine's steps are played here between the
    command's two looks, as the race had them."""
    from app.store import home as homes
    from app.store import kept_homes

    real = os.path.lexists

    def engine_between(path: Any) -> bool:
        there = real(path)
        if Path(path) == home / homes.DB_NAME and not there:  # the engine's start, meanwhile
            home.mkdir(parents=True, exist_ok=True)
            (home / homes.DB_NAME).touch()
            kept_homes.note(home)
        return there

    monkeypatch.setattr(kept_homes.os.path, "lexists", engine_between)
    assert kept_homes.missing(home) is None


def test_a_restore_into_a_kept_home_gone_makes_no_new_one(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """`restore FILE` on a kept home moved away (or the empty mount point of its drive, not
    mounted) made a new home there, put the backup in it and said "restored": the folder
    moved back, or the drive mounted over it, hid it. It is refused in the other commands'
    words, making nothing; into the home with only its store file gone it puts the store
    back, as ever, and `--new-home` restores into a new home all the same."""
    _kept(cli, home, tmp_path)
    backup = tmp_path / "backup.db"
    assert cli("backup", str(backup)).code == 0
    away = tmp_path / "away"
    home.rename(away)
    _refused(cli("restore", str(backup)),
             f"home: the data home {home} is not there {_gone(home)}")
    assert not home.exists()
    home.mkdir()  # a drive's mount point, the drive not mounted
    _refused(cli("restore", str(backup)),
             f"home: {home / 'tickwork.db'} is not there {_gone(home)}")
    assert list(home.iterdir()) == []
    home.rmdir()
    away.rename(home)
    (home / "tickwork.db").unlink()  # the home there, its store deleted: put back
    restored = cli("restore", str(backup))
    assert restored.code == 0 and restored.out.startswith(f"restored {backup}"), restored
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["kept"]
    home.rename(tmp_path / "away again")
    afresh = cli("--new-home", "restore", str(backup))
    assert afresh.code == 0, afresh
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["kept"]
