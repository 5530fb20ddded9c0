"""Points 9 and 10: a file that is not Tickwork's is refused untouched; modes are only ever
tightened, and every folder Tickwork creates is 0700 whatever the umask."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def side_files(path: Path) -> list[str]:
    return [p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "-")]


def test_foreign_sqlite_database_is_refused_untouched(home: Path, cli: Any) -> None:
    home.mkdir(mode=0o700)
    db = home / "tickwork.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE stuff (x)")
    con.execute("INSERT INTO stuff VALUES (1)")
    con.commit()
    con.close()
    os.chmod(db, 0o644)
    before = digest(db)
    for args in (("task", "list"), ("task", "add", "t", "--command", "true", "--manual"),
                 ("engine",), ("backup",)):
        res = cli(*args, timeout=30)
        assert res.code == (65 if args == ("engine",) else 1), (args, res)  # (headless.py)
        assert "not a Tickwork database" in res.err and len(res.err.splitlines()) == 1, res.err
        assert "Traceback" not in res.err
    assert digest(db) == before
    assert side_files(db) == []
    assert mode(db) == 0o644  # not ours: not even its mode is changed


def test_foreign_wal_database_without_wal_file_is_refused_untouched(home: Path,
                                                                     cli: Any) -> None:
    home.mkdir(mode=0o700)
    db = home / "tickwork.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("CREATE TABLE stuff (x)")
    con.commit()
    con.close()
    before = digest(db)
    res = cli("task", "list")
    assert res.code == 1 and "not a Tickwork database" in res.err
    assert digest(db) == before
    assert side_files(db) == []


def test_text_file_at_the_database_path_is_refused_untouched(home: Path, cli: Any) -> None:
    home.mkdir(mode=0o700)
    db = home / "tickwork.db"
    db.write_text("my shopping list\n" * 20)
    before = digest(db)
    res = cli("task", "list")
    assert res.code == 1
    assert "not an SQLite database" in res.err and len(res.err.splitlines()) == 1
    assert digest(db) == before
    assert side_files(db) == []


def test_stricter_modes_are_refused_never_loosened(home: Path, cli: Any) -> None:
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    db = home / "tickwork.db"
    os.chmod(home, 0o500)
    try:
        res = cli("task", "add", "u", "--command", "true", "--manual")
        assert res.code == 1 and "cannot write it (mode 0500)" in res.err, res.err
        assert len(res.err.splitlines()) == 1
        assert mode(home) == 0o500
    finally:
        os.chmod(home, 0o700)
    before = digest(db)
    os.chmod(db, 0o400)
    res = cli("task", "add", "u", "--command", "true", "--manual")
    assert res.code == 1 and "cannot write it (mode 0400)" in res.err, res.err
    # (what only reads reads it: tests/cli/test_unwritable_home.py)
    assert mode(db) == 0o400
    assert digest(db) == before


def test_looser_modes_lose_only_group_and_other_bits(home: Path, cli: Any) -> None:
    assert cli("task", "list").code == 0
    os.chmod(home, 0o750)
    os.chmod(home / "tickwork.db", 0o640)
    assert cli("task", "list").code == 0
    assert mode(home) == 0o700
    assert mode(home / "tickwork.db") == 0o600
    (fixed,) = [e for e in cli("audit", "--json").json()
                if e["action"] == "store.permissions_fixed"]  # README: the fix audited
    db = str(home / "tickwork.db")
    assert fixed["before"]["modes"] == {str(home): "0o750", db: "0o640"}
    assert fixed["after"]["modes"] == {str(home): "0o700", db: "0o600"}
    os.chmod(home, 0o755)
    assert cli("task", "list").code == 0
    assert mode(home) == 0o700


def test_folders_tickwork_creates_are_0700_under_umask_000(tmp_path: Path) -> None:
    home = tmp_path / "a" / "b" / "home"
    script = (
        "import os, sys; os.umask(0); from app.cli import main; "
        f"sys.exit(main(['--home', {str(home)!r}, 'task', 'add', 't', '--command', 'true', "
        "'--manual']) or main(['--home', " + repr(str(home)) + ", 'backup']))"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for folder in (tmp_path / "a", tmp_path / "a" / "b", home, home / "backups"):
        assert mode(folder) == 0o700, folder
    for file in [home / "tickwork.db", *(home / "backups").iterdir()]:
        assert mode(file) == 0o600, file


def test_check_and_backup_refuse_a_foreign_database_untouched(home: Path, cli: Any) -> None:
    home.mkdir(mode=0o700)
    db = home / "tickwork.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE stuff (x)")
    con.commit()
    con.close()
    before = digest(db)
    for args in (("check",), ("backup",)):
        res = cli(*args)
        assert res.code == 1 and "not a Tickwork database" in res.err, res
        assert len(res.err.splitlines()) == 1
    assert digest(db) == before and side_files(db) == []
    assert not (home / "backups").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand a folder to another user")
def test_a_home_or_database_of_another_user_is_refused_untouched(home: Path, cli: Any) -> None:
    """Root running Tickwork on a user's home (`sudo` keeping $HOME, a script) made its
    lock, backups, checkpoints and log of hand-offs root's: that user's own engine then
    waited for ever as a standby and every backup failed (a fault hunt)."""
    import pwd

    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    other = pwd.getpwnam("nobody")
    before = sorted(p.name for p in home.iterdir())
    os.chown(home, other.pw_uid, other.pw_gid)
    try:
        for args in (("task", "list"), ("engine",)):
            res = cli(*args, timeout=30)
            assert res.code == (77 if args == ("engine",) else 1), res  # (headless.py)
            assert res.err.strip() == (f"tickwork: error: {home} belongs to nobody, not to "
                                       "root: run Tickwork as nobody (files made here as root "
                                       "would lock them out)"), res.err
        assert sorted(p.name for p in home.iterdir()) == before  # nothing made there
    finally:
        os.chown(home, 0, 0)
    db = home / "tickwork.db"
    os.chown(db, other.pw_uid, other.pw_gid)  # a store made by someone else in my home
    try:
        res = cli("task", "list")
        assert res.code == 1 and f"{db} belongs to nobody" in res.err, res.err
    finally:
        os.chown(db, 0, 0)
    assert cli("task", "list").code == 0


def test_a_folder_where_the_engine_lock_goes_stops_the_engine_in_one_line(
        home: Path, cli: Any) -> None:
    """It waited as a standby for ever, running nothing, alive to a service manager, while
    `task run` said no engine was running (a fault hunt)."""
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    (home / "engine.lock").mkdir()
    res = cli("engine", timeout=60)
    assert res.code == 73, res  # (its units do not start it again: app/engine/headless.py)
    lines = [line for line in res.err.splitlines() if "error" in line.lower()]
    assert lines[-1] == (f"tickwork: error: {home / 'engine.lock'} is a folder: Tickwork keeps "
                         "its engine lock there, a file its user can write; nothing runs until "
                         "it is put right (move it away: the engine makes the file as it "
                         "starts)"), res.err
    assert "Traceback" not in res.err and "standby" not in res.err, res.err


def test_opening_while_another_process_comes_and_goes_never_trips_on_its_files(
        tmp_path: Path) -> None:
    """Each connection another process closes last removes the `-wal` and `-shm` it made:
    opening the store looked at one that was there and then asked its mode — two shells
    adding tags at once failed "FileNotFoundError: …tickwork.db-shm" (1 in ~40 opens)."""
    from app.store.database import Store

    home = tmp_path / "home"
    Store.open(home).close()
    stop = tmp_path / "stop"
    churn = subprocess.Popen([sys.executable, "-c", (
        "import os, sqlite3, sys\nprint('ready', flush=True)\n"
        "while not os.path.exists(sys.argv[2]):\n"
        "    c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM meta')"
        ".fetchone(); c.close()\n"), str(home / "tickwork.db"), str(stop)],
        stdout=subprocess.PIPE, text=True)
    assert churn.stdout is not None and churn.stdout.readline() == "ready\n"
    try:  # a count of opens, not a time: a loaded machine opens fewer in a second
        for _ in range(300):  # (the race: ~1 in 40 opens before)
            Store.open(home).close()  # (raised FileNotFoundError before)
        assert churn.poll() is None  # it came and went the whole time
    finally:
        stop.touch()
        churn.wait(10)
