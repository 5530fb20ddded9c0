"""What stands where the start-at-login entry goes (`$XDG_CONFIG_HOME/autostart/
tickwork.desktop`) when it is not a file Tickwork can read: a fifo, a folder, a link to
somewhere else, a file that cannot be read. `tickwork settings` hung for ever on a fifo
(reading it waits for a writer), and a folder there left `.tickwork.desktop.tmp` behind
after a failed write (a fault hunt). Each now says in one line what is there and what to
do, exits 1, and leaves the folder as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, CliResult

TIMEOUT = 30  # a fifo opened for reading waits for ever: the test must not
CHANGES = (("--start-at-login", "on"), ("--start-at-login", "off"))
SHOWS = ((), ("--json",))


@pytest.fixture(autouse=True)
def _no_user_bus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))


@pytest.fixture
def entry() -> Path:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart"
    folder.mkdir(parents=True)
    return folder / "tickwork.desktop"


def listing(folder: Path) -> dict[str, str]:
    """Every name in the folder and what it is (a link by its target)."""
    return {p.name: (f"link to {os.readlink(p)}" if p.is_symlink() else "fifo" if p.is_fifo()
                     else "folder" if p.is_dir() else p.read_bytes().decode())
            for p in folder.iterdir()}


def refused(res: Any, entry: Path, what: str) -> None:
    assert res.code == 1, res
    assert res.err.strip() == (
        f"tickwork: error: {entry} is {what}, where Tickwork keeps its start-at-login entry: "
        "left as it is; remove it, then turn start at login on or off"), res.err
    assert res.out == ""


def test_a_fifo_there_is_said_not_waited_on(cli: Any, entry: Path) -> None:
    os.mkfifo(entry)
    for args in (*SHOWS, *CHANGES):
        res = cli("settings", *args, timeout=TIMEOUT)
        refused(res, entry, "a fifo (named pipe)")
        assert listing(entry.parent) == {"tickwork.desktop": "fifo"}
    # a change of something else goes on: only the entry is left alone
    kept = cli("settings", "--keep-runs", "7", "--json", timeout=TIMEOUT)
    assert kept.code == 0 and kept.json()["start_at_login"] is False, kept.err


def test_nothing_changes_when_the_entry_cannot_be_changed(cli: Any, entry: Path) -> None:
    """`--keep-runs 5 --start-at-login on` with a fifo there: refused before the keep
    default changed, as a bad value is."""
    os.mkfifo(entry)
    res = cli("settings", "--keep-runs", "5", "--start-at-login", "on", timeout=TIMEOUT)
    refused(res, entry, "a fifo (named pipe)")
    assert cli("settings", "--keep-runs", "6", "--json").json()["done"] == [
        "history kept: 90 days, at least the last 6 runs (tasks without their own values)"]


def test_a_folder_there_is_left_as_it_is_and_nothing_is_left_behind(cli: Any,
                                                                      entry: Path) -> None:
    entry.mkdir()
    (entry / "mine.txt").write_text("mine")
    for args in (*SHOWS, *CHANGES):
        refused(cli("settings", *args, timeout=TIMEOUT), entry, "a folder")
        assert listing(entry.parent) == {"tickwork.desktop": "folder"}
        assert listing(entry) == {"mine.txt": "mine"}


@pytest.mark.parametrize("target", ["elsewhere", "fifo", "missing", "itself"])
def test_a_link_there_is_never_replaced_or_removed(cli: Any, entry: Path, tmp_path: Path,
                                                   target: str) -> None:
    """A link to the user's own file (dotfiles kept elsewhere) was replaced by a file of
    ours; a link to a fifo hung as a fifo did."""
    to = {"itself": entry}.get(target, tmp_path / "dotfiles" / "tickwork.desktop")
    if target != "itself":
        to.parent.mkdir()
    if target == "elsewhere":
        to.write_text("[Desktop Entry]\nExec=my-own\n")
    elif target == "fifo":
        os.mkfifo(to)
    entry.symlink_to(to)
    before = listing(entry.parent)
    for args in CHANGES:
        refused(cli("settings", *args, timeout=TIMEOUT), entry, f"a link to {to}")
        assert listing(entry.parent) == before
    shown = cli("settings", "--json", timeout=TIMEOUT)
    if target == "fifo":  # the link is followed to be read: what it names is said
        refused(shown, entry, "a fifo (named pipe)")
    elif target == "itself":
        refused(shown, entry, "a path that cannot be looked at (Too many levels of symbolic "
                              "links)")
    else:  # a link to a file, or to nothing: read as the session reads it (not ours: off)
        assert shown.code == 0 and shown.json()["start_at_login"] is False, shown.err
    if target == "elsewhere":
        assert to.read_text() == "[Desktop Entry]\nExec=my-own\n"


def without_reading_everything() -> list[str]:
    """A prefix that runs a command without root's power to read any file (the tests run as
    root in CI): CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped from its bounding set."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root without setpriv reads every file")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def test_a_file_that_cannot_be_read_is_said(home: Path, entry: Path) -> None:
    prefix = without_reading_everything()
    entry.write_text("[Desktop Entry]\nExec=mine\n")
    entry.chmod(0)

    def run(*args: str) -> CliResult:
        done = subprocess.run([*prefix, sys.executable, "-m", "app.cli", "--home", str(home),
                               *args], capture_output=True, text=True, timeout=TIMEOUT,
                              cwd=ROOT)
        return CliResult(done.returncode, done.stdout, done.stderr)

    for args in (*SHOWS, *CHANGES):
        refused(run("settings", *args), entry, "a file that cannot be read (Permission denied)")
        assert sorted(p.name for p in entry.parent.iterdir()) == ["tickwork.desktop"]
    entry.chmod(0o600)
    assert entry.read_text() == "[Desktop Entry]\nExec=mine\n"


def test_a_fifo_where_the_engine_s_unit_goes_is_not_waited_on(cli: Any) -> None:
    """`tickwork settings` read the unit the same way (it hung there too): a fifo is not a
    unit Tickwork wrote, so it is left as it is."""
    units = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    units.mkdir(parents=True)
    unit = units / "tickwork-engine.service"
    os.mkfifo(unit)
    shown = cli("settings", "--json", timeout=TIMEOUT)
    assert shown.code == 0 and shown.json()["background_engine"] is False, shown.err
    for switch in ("on", "off"):
        res = cli("settings", "--background-engine", switch, timeout=TIMEOUT)
        assert res.code == 1 and "was not written by Tickwork: left as it is" in res.err, res
        assert sorted(p.name for p in units.iterdir()) == ["tickwork-engine.service"]
        assert unit.is_fifo()


def test_a_temp_file_a_killed_write_left_is_taken_over_then_cleared(cli: Any,
                                                                    entry: Path) -> None:
    """Writes went through a randomly named temp file: one killed half-way left its temp
    behind for good, a new one each time. The temp file has one name now; an unlocked one
    is stale, taken over by the next write, and removed when start at login is turned off,
    with those older versions left."""
    folder = entry.parent
    stale = folder / ".tickwork.desktop.tickwork-tmp"
    stale.write_text("[Desktop Entry]\nExec=half-writ")
    older = folder / ".tickwork.desktop.k3j_9xq2.tmp"
    older.write_text("[Desktop")
    on = cli("settings", "--start-at-login", "on")
    assert on.code == 0, on.err
    assert sorted(listing(folder)) == ["tickwork.desktop"]
    assert "half-writ" not in entry.read_text() and "[Desktop Entry]" in entry.read_text()
    assert (entry.stat().st_mode & 0o777) == 0o600

    stale.write_text("[Desktop Entry]\nExec=half-writ")
    older.write_text("[Desktop")
    off = cli("settings", "--start-at-login", "off")
    assert off.code == 0, off.err
    assert listing(folder) == {}


def test_a_temp_file_another_write_holds_is_not_written_over(cli: Any, entry: Path) -> None:
    """A temp file whose writer is alive (it holds its lock): the write fails in one line
    and leaves that file alone."""
    import fcntl

    busy = entry.parent / ".tickwork.desktop.tickwork-tmp"
    busy.write_text("being written")
    with busy.open("r") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        res = cli("settings", "--start-at-login", "on")
    assert res.code == 1 and "another write to it is under way" in res.err, res
    assert len(res.err.strip().splitlines()) == 1
    assert listing(entry.parent) == {busy.name: "being written"}


def test_what_stands_at_the_temp_file_s_name_is_named(cli: Any, entry: Path) -> None:
    """A folder (or a file it cannot open, another user's) at the temp file's name failed
    the write as "cannot write …/tickwork.desktop: Is a directory", where no such thing
    stood (a fault hunt): the temp file is named, and left as it is."""
    (entry.parent / ".tickwork.desktop.tickwork-tmp").mkdir()
    res = cli("settings", "--start-at-login", "on")
    assert res.code == 1 and res.out == "", res
    assert res.err.strip() == (
        f"tickwork: error: cannot write {entry}: its temp file .tickwork.desktop.tickwork-tmp "
        "beside it cannot be written (Is a directory): remove it, then try again"), res.err
    assert listing(entry.parent) == {".tickwork.desktop.tickwork-tmp": "folder"}


def test_a_folder_it_cannot_change_is_said_in_one_line(cli: Any, home: Path,
                                                       entry: Path) -> None:
    """Turning start at login or the engine service off where their folder cannot be
    changed (read-only, another user's) ended in "tickwork: failed: PermissionError: [Errno
    13] …" (or OSError: [Errno 30] Read-only file system; a fault hunt): it says what it
    could not remove, in one line, exit 1, and both stay on."""
    prefix = without_reading_everything()
    assert cli("settings", "--start-at-login", "on", "--background-engine", "on").code == 0
    units = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    wants = units / "default.target.wants"
    for folder in (entry.parent, wants):
        folder.chmod(0o500)
    try:
        for option, path in (("--start-at-login", entry),
                             ("--background-engine", wants / "tickwork-engine.service")):
            done = subprocess.run([*prefix, sys.executable, "-m", "app.cli", "--home",
                                   str(home), "settings", option, "off"],
                                  capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
            assert done.returncode == 1 and "Error" not in done.stderr, done.stderr
            assert done.stderr.strip().splitlines()[-1].endswith(
                f"cannot remove {path}: Permission denied"), done.stderr
    finally:
        for folder in (entry.parent, wants):
            folder.chmod(0o700)
    shown = cli("settings", "--json").json()
    assert shown["start_at_login"] is True and shown["background_engine"] is True
