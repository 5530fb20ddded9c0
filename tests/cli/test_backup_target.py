"""`tickwork backup FILE` writes a new file and nothing else: a link at FILE — one planted in
/tmp by someone else pointing where they like, or one's own — is refused as a file that
exists, as an export refuses a link it may not follow. It was followed: a link to a name
that did not exist yet got the whole store (its tasks' variables too) written there."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_transfer import ok, tickwork, tickwork_in
from tests.support.tmpfs import mounted


def test_a_backup_is_never_written_through_a_link(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true", "--env", "PASSWORD=hunter2")
    planted = tmp_path / "elsewhere" / "theirs.db"
    planted.parent.mkdir()
    link = tmp_path / "backup.db"
    link.symlink_to(planted)  # dangling: the name it points to is not there yet
    result = tickwork(home, "backup", str(link))
    assert result.code == 2
    assert result.err == (f"tickwork: error: file: {link} already exists (a link to "
                          f"{planted}); name a new file\n")
    assert not planted.exists() and sorted(planted.parent.iterdir()) == []
    assert link.is_symlink()
    made = ok(home, "backup", str(tmp_path / "fresh.db"))
    assert made.out.endswith(f" to {tmp_path / 'fresh.db'}\n")


def test_a_backup_to_a_folder_that_is_not_there_says_so_as_an_export_does(tmp_path: Path
                                                                           ) -> None:
    """`backup missing/b.db` said "missing is not a folder" of a folder that does not exist;
    an export there says "cannot write in …: No such file or directory": same words now."""
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true")
    missing = tmp_path / "missing"
    result = tickwork(home, "backup", str(missing / "b.db"))
    assert (result.code, result.err) == (
        2, f"tickwork: error: file: cannot write in {missing}: No such file or directory\n")
    assert not missing.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a read-only tmpfs needs root")
def test_a_backup_to_a_read_only_folder_names_the_folder_and_exits_2(tmp_path: Path) -> None:
    """A read-only folder said "backup of …/tickwork.db failed: [Errno 30] Read-only file
    system: '…/b.db.part'" and exit 1: an errno, a file the user never named, and a failure
    where the name given is at fault (exit 2, as an export there)."""
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true")
    with mounted(tmp_path / "frozen", "ro,size=16k") as frozen:
        result = tickwork(home, "backup", str(frozen / "b.db"))
        exported = tickwork(home, "export", str(frozen / "e.json"))
    said = f"tickwork: error: file: cannot write in {frozen}: Read-only file system\n"
    assert (exported.code, exported.err) == (2, said)
    assert (result.code, result.err) == (2, said)


def test_a_backup_to_dash_is_written_to_standard_output_as_an_export_is(tmp_path: Path
                                                                        ) -> None:
    """`backup -` wrote a file named `-` in the current folder; `export -` writes standard
    output. Now the backup is the bytes on standard output (a store whole, its tasks there),
    what it did on stderr; `./-` still names a file called `-`."""
    import sqlite3
    import sys

    from tests.conftest import ROOT

    home, folder = tmp_path / "home", tmp_path / "here"
    ok(home, "task", "add", "t", "--command", "true")
    folder.mkdir()
    proc = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), "backup",
                           "-"], cwd=folder, capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode() == f"backed up {home / 'tickwork.db'} to standard output\n"
    assert sorted(folder.iterdir()) == []
    copy = tmp_path / "copy.db"
    copy.write_bytes(proc.stdout)
    con = sqlite3.connect(copy)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("SELECT name FROM task").fetchall() == [("t",)]
    finally:
        con.close()
    named = tickwork_in(folder, home, "backup", "./-")
    assert named.code == 0 and (folder / "-").is_file(), named.err


def test_a_backup_to_dash_on_a_terminal_is_refused(tmp_path: Path) -> None:
    """A binary SQLite file is not written to a terminal: one line naming the field, exit 2,
    nothing written anywhere."""
    from tests.support.terminal import on_a_terminal

    home, folder = tmp_path / "home", tmp_path / "here"
    ok(home, "task", "add", "t", "--command", "true")
    folder.mkdir()
    code, seen, err = on_a_terminal(["--home", str(home), "backup", "-"], cwd=folder)
    assert code == 2
    assert err == (
        "tickwork: error: file: - is standard output, here a terminal, and a backup is a "
        "binary SQLite file: redirect it (`tickwork backup - > FILE`, `| ssh …`) or name a "
        "file\n")
    assert seen == ""
    assert sorted(folder.iterdir()) == []
    assert not (home / "backups").exists() or sorted((home / "backups").iterdir()) == []
