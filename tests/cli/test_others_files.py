"""What another user of the machine leaves where Tickwork writes or reads: a named pipe at an
export's name in /tmp (its reader got every task, env values and all), a home of theirs given
to `check`, `backup` or `restore` (which the other commands refuse), a backup or export file
of theirs given to `restore` or `import` (its tasks would run their commands as you). Run as
root: only root can make a file that belongs to someone else."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.cli.test_transfer import ok, tickwork

OTHER = 65534  # nobody

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="only root can make files that belong to another user")


def _read_all(fifo: Path, got: list[bytes]) -> None:
    """The other user's reader: what comes through the pipe (nothing once it is closed)."""
    fd = os.open(fifo, os.O_RDONLY)
    try:
        while chunk := os.read(fd, 65536):
            got.append(chunk)
    finally:
        os.close(fd)


def test_an_export_into_a_pipe_another_user_made_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true", "--env", "TOKEN=s3cret")
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)  # as /tmp
    fifo = shared / "tasks.json"
    os.mkfifo(fifo, 0o666)
    os.chown(fifo, OTHER, OTHER)
    got: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(fifo, got), daemon=True)
    reader.start()
    result = tickwork(home, "export", str(fifo))
    if reader.is_alive():  # (refused before opening it: the reader still waits)
        os.close(os.open(fifo, os.O_WRONLY))
    reader.join(10)
    assert b"s3cret" not in b"".join(got)
    assert (result.code, result.err) == (2, f"tickwork: error: file: {fifo} is a named pipe "
                                            "of nobody's, not yours: nothing is written to "
                                            "it; name a file of yours\n")
    mine = shared / "mine.fifo"  # the user's own pipe is theirs to write to
    os.mkfifo(mine, 0o600)
    got = []
    reader = threading.Thread(target=_read_all, args=(mine, got), daemon=True)
    reader.start()
    ok(home, "export", str(mine))
    reader.join(10)
    assert b"s3cret" in b"".join(got)


def test_check_backup_and_restore_refuse_a_home_of_another_user(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    ok(mine, "task", "add", "t", "--command", "true")
    copy = tmp_path / "copy.db"
    ok(mine, "backup", str(copy))
    theirs = tmp_path / "theirs"
    theirs.mkdir(0o777)
    theirs.chmod(0o777)
    (theirs / "tickwork.db").write_bytes(copy.read_bytes())
    elsewhere = tmp_path / "elsewhere"  # theirs/backups: a link to a folder of root's
    elsewhere.mkdir(0o755)
    (theirs / "backups").symlink_to(elsewhere)
    for path in (theirs, theirs / "tickwork.db", theirs / "backups"):
        os.chown(path, OTHER, OTHER, follow_symlinks=False)
    before = sorted(p.name for p in theirs.iterdir())
    line = (f"tickwork: error: {theirs} belongs to nobody, not to root: run Tickwork as "
            "nobody (files made here as root would lock them out)\n")
    for args in (["check"], ["backup"], ["restore", str(copy)]):
        result = tickwork(theirs, *args)
        assert (result.code, result.err) == (1, line), args
    assert sorted(p.name for p in theirs.iterdir()) == before
    assert (theirs / "tickwork.db").stat().st_uid == OTHER
    assert list(elsewhere.iterdir()) == [] and elsewhere.stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize("how", ["everyone writes there", "another user's folder"])
def test_a_home_in_a_folder_another_user_can_change_is_refused(tmp_path: Path,
                                                               how: str) -> None:
    """There they could rename the home away and put a folder of theirs in its place, with
    links where the engine writes its checkpoints, backups and logs."""
    folder = tmp_path / "drop"
    folder.mkdir()
    if how == "everyone writes there":
        folder.chmod(0o777)  # (as /tmp, but without its sticky bit)
        why = f"anyone can write in {folder}: mode 0777, without the sticky bit /tmp has"
    else:
        os.chown(folder, OTHER, OTHER)
        why = f"{folder} belongs to nobody"
    home = folder / "home"
    line = (f"tickwork: error: {home}: another user could put a folder of theirs in its place "
            f"({why}): choose a home in a folder only you can change\n")
    for args in (["task", "add", "t", "--command", "true"], ["task", "list"], ["backup"],
                 ["engine"]):
        result = tickwork(home, *args)
        assert (result.code, result.err) == (77 if args == ["engine"] else 1, line), args
    assert list(folder.iterdir()) == []
    sticky = tmp_path / "tmp"  # as /tmp: its entries stay their owners'
    sticky.mkdir()
    sticky.chmod(0o1777)
    ok(sticky / "home", "task", "add", "t", "--command", "true")


def test_what_another_user_left_in_a_home_once_open_to_them_is_refused(tmp_path: Path) -> None:
    """A home made under umask 000 (`mkdir ~/tasks` before Tickwork was pointed at it) was
    open to everyone until Tickwork tightened it; what another user put in it meanwhile stays:
    a `backups` link to a folder of theirs got every backup, theirs then to replace with a
    store of their own for the restore that the next damage message suggests."""
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o777)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    theirs.chmod(0o777)
    os.chown(theirs, OTHER, OTHER)
    (home / "backups").symlink_to(theirs)
    os.chown(home / "backups", OTHER, OTHER, follow_symlinks=False)
    line = (f"tickwork: error: {home / 'backups'} belongs to nobody, not to root: someone else "
            "put it in the home while others could write there; remove it, then try again\n")
    for args in (["task", "add", "t", "--command", "true"], ["task", "list"], ["backup"]):
        result = tickwork(home, *args)
        assert (result.code, result.err) == (77 if args == ["engine"] else 1, line), args
    assert list(theirs.iterdir()) == []
    (home / "backups").unlink()
    ok(home, "task", "add", "t", "--command", "true")
    ok(home, "backup")
    assert (home / "backups").is_dir() and not (home / "backups").is_symlink()
    assert home.stat().st_mode & 0o777 == 0o700


def test_a_backup_another_user_left_among_the_homes_backups_is_refused(tmp_path: Path) -> None:
    """Theirs, with the newest name, was the backup the damage message says to restore: a
    store of their tasks, run as the user."""
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true")
    ok(home, "backup")
    backups = home / "backups"
    backups.chmod(0o777)  # (as made by hand under umask 000, while the home was open too)
    planted = backups / "tickwork-20991231T000000.000000Z-daily.db"
    planted.write_bytes(next(backups.iterdir()).read_bytes())
    os.chown(planted, OTHER, OTHER)
    result = tickwork(home, "task", "list")
    assert (result.code, result.err) == (1, f"tickwork: error: {planted} belongs to nobody, "
                                            "not to root: someone else put it in the home "
                                            "while others could write there; remove it, then "
                                            "try again\n")
    planted.unlink()
    ok(home, "task", "list")


def test_a_backup_another_user_left_is_restored_only_when_its_owner_is_trusted(
        tmp_path: Path) -> None:
    """`restore /tmp/backup.db`, planted by another user: every task of it would run their
    commands as you. Refused in one line naming them, nothing changed; `--trust-owner` goes
    ahead (two accounts sharing a file on purpose)."""
    theirs = tmp_path / "theirs"
    ok(theirs, "task", "add", "planted", "--command", "true")
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)  # as /tmp
    planted = shared / "backup.db"
    ok(theirs, "backup", str(planted))
    os.chown(planted, OTHER, OTHER)
    home = tmp_path / "home"
    ok(home, "task", "add", "mine", "--command", "true")
    before = (home / "tickwork.db").read_bytes()
    result = tickwork(home, "restore", str(planted))
    assert (result.code, result.out, result.err) == (
        2, "", f"tickwork: error: file: {planted} is nobody's, not yours: its tasks would run "
        "their commands as you; nothing was restored — give --trust-owner if you trust "
        "nobody\n")
    assert (home / "tickwork.db").read_bytes() == before
    assert not (home / "backups").exists() or list((home / "backups").iterdir()) == []
    assert [t["name"] for t in ok(home, "task", "list", "--json").json()] == ["mine"]
    ok(home, "restore", str(planted), "--trust-owner")
    assert [t["name"] for t in ok(home, "task", "list", "--json").json()] == ["planted"]
    assert _trusted(home, "store.restore") == [(str(planted), "nobody")]


def _trusted(home: Path, action: str) -> list[tuple[str, str | None]]:
    """The events of `action` in the home's audit trail: their target, and whose file they
    record having trusted."""
    return [(e["target"], (e["after"] or {}).get("trusted_owner"))
            for e in ok(home, "audit", "--json").json() if e["action"] == action]


def test_an_export_another_user_left_is_imported_only_when_its_owner_is_trusted(
        tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    ok(theirs, "task", "add", "planted", "--command", "true")
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    planted = shared / "tasks.json"
    ok(theirs, "export", str(planted))
    os.chown(planted, OTHER, OTHER)
    link = tmp_path / "mine.json"  # a link of the user's own to it: the file read counts
    link.symlink_to(planted)
    home = tmp_path / "home"
    for path in (planted, link):
        result = tickwork(home, "import", str(path))
        assert (result.code, result.out, result.err) == (
            2, "", f"tickwork: error: file: {planted} is nobody's, not yours: its tasks would "
            "run their commands as you; nothing was imported — give --trust-owner if you "
            "trust nobody\n")
    assert ok(home, "task", "list", "--json").json() == []
    assert ok(home, "import", str(planted), "--trust-owner").out == "imported 1 task: planted\n"
    assert [t["name"] for t in ok(home, "task", "list", "--json").json()] == ["planted"]
    mine = tmp_path / "mine-export.json"  # the user's own file: trusted as ever, said nothing
    ok(home, "export", str(mine))
    ok(tmp_path / "other-home", "import", str(mine), "--trust-owner")
    assert _trusted(home, "tasks.import") == [(str(planted), "nobody")]
    assert _trusted(tmp_path / "other-home", "tasks.import") == [(str(mine), None)]


def test_a_crontab_or_units_another_user_left_are_imported_only_when_trusted(
        tmp_path: Path) -> None:
    """A crontab or a timer's units are commands too: a planted /tmp/crontab ran its lines
    as the person who imported it (a fault hunt after the export's check)."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    crontab = shared / "crontab"
    crontab.write_text("# planted\n0 * * * * true\n")
    os.chown(crontab, OTHER, OTHER)
    units = shared / "units"
    units.mkdir()
    (units / "sweep.timer").write_text("[Timer]\nOnCalendar=hourly\n")
    (units / "sweep.service").write_text("[Service]\nExecStart=/bin/true\n")
    os.chown(units / "sweep.service", OTHER, OTHER)
    home = tmp_path / "home"
    for args, named in ((["--crontab", str(crontab)], crontab),
                        (["--crontab", str(crontab), "--dry-run"], crontab),
                        (["--systemd", str(units)], units / "sweep.service")):
        result = tickwork(home, "import", *args)
        assert (result.code, result.out) == (2, ""), (args, result)
        assert result.err.endswith(
            f"{named} is nobody's, not yours: its tasks would run their commands as you; "
            "nothing was imported — give --trust-owner if you trust nobody\n"), result.err
    assert ok(home, "task", "list", "--json").json() == []
    ok(home, "import", "--crontab", str(crontab), "--trust-owner")
    ok(home, "import", "--systemd", str(units), "--trust-owner")
    assert sorted(t["name"] for t in ok(home, "task", "list", "--json").json()) == [
        "planted", "sweep"]
    assert sorted(_trusted(home, "tasks.import")) == [
        (f"crontab {crontab}", "nobody"), (f"systemd units in {units}", "nobody")]
