"""A home whose store cannot be written: on a file system mounted read-only (a real one: a
tmpfs remounted read-only, which needs root), or a home and store file their owner may not
write (chmod; the store refuses them by their mode, so this holds as root too).

Every command failed alike, the ones that only read as well ("cannot be opened: … mounted
read-only", exit 1), `backup` could not copy the store elsewhere ("unable to open database
file"), and `tickwork engine` exited 1, which a service manager restarts every 2 s until it
gives up. Now what changes things is refused in one line naming the file and why (exit 1),
changing nothing; `tickwork engine` exits with a status its units never restart (73 for a
read-only file system, 77 for permissions, app/engine/headless.py); and the commands that
only read, `backup` too, read the store through a connection that cannot write."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, CliResult
from tests.engine.conftest import EngineProcess
from tests.support import tickwork
from tests.support.tmpfs import mounted

READ_ONLY = ("cannot be written: the file system holding it is mounted read-only (remount it "
             "read-write, or name another home with `--home`); commands that only read, such as "
             "`tickwork task list`, still read it")


def cli_at(home: Path, *args: str) -> CliResult:
    proc = tickwork.run(["--home", str(home), *args], timeout=60, cwd=ROOT)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _one_line(done: CliResult, code: int, line: str) -> None:
    assert (done.code, done.out, done.err) == (code, "", f"tickwork: error: {line}\n"), done


def _stored(home: Path, tmp_path: Path) -> None:
    """A task and one finished run in `home` (an engine ran it, and stopped)."""
    assert cli_at(home, "task", "add", "a", "--command", "true", "--manual").code == 0
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running", 30)
        assert cli_at(home, "task", "run", "a", "--wait").code == 0
    finally:
        assert engine.stop() == 0, engine.text()


def _reads(home: Path, tmp_path: Path) -> None:
    """What only reads answers as ever; `backup` copies the store elsewhere."""
    assert [t["name"] for t in cli_at(home, "task", "list", "--json").json()] == ["a"]
    assert [r["status"] for r in cli_at(home, "run", "list", "--json").json()] == ["succeeded"]
    shown = cli_at(home, "task", "show", "a")
    assert shown.code == 0 and "name: a" in shown.out, shown
    assert cli_at(home, "audit", "--verify").code == 0
    copy = tmp_path / "copy.db"
    backed = cli_at(home, "backup", str(copy))
    assert backed.code == 0 and copy.is_file(), backed


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs, and remounting it read-only, needs root")
    with mounted(tmp_path / "disk", "size=16m") as disk:
        yield disk


def test_a_read_only_file_system_refuses_writes_in_one_line_and_is_read(
        read_only_disk: Path, tmp_path: Path) -> None:
    home = read_only_disk / "home"
    _stored(home, tmp_path)
    files = sorted(p.name for p in home.iterdir())
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_disk)], check=True)
    store = home / "tickwork.db"
    for args in (("task", "add", "b", "--command", "true"), ("task", "run", "a"),
                 ("run", "cancel", "1"), ("export", str(tmp_path / "tasks.json"))):
        _one_line(cli_at(home, *args), 1, f"{store} {READ_ONLY}")
    assert not (tmp_path / "tasks.json").exists()  # (an export records itself: refused)
    engine = cli_at(home, "engine")
    assert (engine.code, engine.err) == (73, f"tickwork: error: {store} {READ_ONLY}\n"), engine
    _reads(home, tmp_path)
    subprocess.run(["mount", "-o", "remount,rw", str(read_only_disk)], check=True)
    assert sorted(p.name for p in home.iterdir()) == files
    assert cli_at(home, "task", "add", "b", "--command", "true", "--manual").code == 0


def test_a_home_on_a_read_only_file_system_is_not_made(read_only_disk: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_disk)], check=True)
    home = read_only_disk / "home"
    _one_line(cli_at(home, "task", "add", "b", "--command", "true"), 1,
              f"{home} cannot be made: the file system holding it is mounted read-only "
              "(remount it read-write, or name another home with `--home`)")
    # named by TICKWORK_HOME, it is said so (it said "--home" to them too)
    proc = tickwork.run(["task", "add", "b", "--command", "true"], timeout=60, cwd=ROOT,
                        env={**os.environ, "TICKWORK_HOME": str(home)})
    _one_line(CliResult(proc.returncode, proc.stdout, proc.stderr), 1,
              f"{home} cannot be made: the file system holding it is mounted read-only "
              "(remount it read-write, or name another home with TICKWORK_HOME)")


def test_a_home_and_store_their_owner_may_not_write_are_read_only(
        home: Path, tmp_path: Path) -> None:
    _stored(home, tmp_path)
    store = home / "tickwork.db"
    files = sorted(p.name for p in home.iterdir())
    store.chmod(0o400)
    home.chmod(0o500)
    try:
        _one_line(cli_at(home, "task", "add", "b", "--command", "true"), 1,
                  f"{home}: its owner cannot write it (mode 0500); Tickwork does not loosen "
                  f"permissions: `chmod u+rwx {home}`")
        engine = cli_at(home, "engine")
        assert engine.code == 77 and engine.err.count("\n") == 1, engine
        assert "its owner cannot write it (mode 0500)" in engine.err, engine
        _reads(home, tmp_path)
        assert sorted(p.name for p in home.iterdir()) == files  # (no -wal, -shm, lock made)
    finally:
        home.chmod(0o700)
    assert oct(store.stat().st_mode & 0o777) == oct(0o400)  # never loosened for the person
    _one_line(cli_at(home, "run", "cancel", "1"), 1,
              f"{store}: its owner cannot write it (mode 0400); Tickwork does not loosen "
              f"permissions: `chmod u+rw {store}`")
    listed: Any = cli_at(home, "task", "list", "--json").json()
    assert [t["name"] for t in listed] == ["a"]


@pytest.fixture
def disk_home() -> Iterator[Path]:
    """A home on a disk's file system (/var/tmp), where a file can be marked immutable."""
    import tempfile

    folder = Path(tempfile.mkdtemp(dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
    try:
        yield folder / "home"
    finally:
        subprocess.run(["chattr", "-R", "-i", str(folder)], check=False,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_store_this_user_may_not_write_whatever_its_mode_is_read_only(
        disk_home: Path, tmp_path: Path) -> None:
    """A store file marked immutable (`chattr +i`: not even root may write it; an access
    control list or a security policy does the same to a user): its mode says its owner may
    write it, and SQLite opened it read-only without a word — a write failed "failed:
    OperationalError: attempt to write a readonly database"."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr")
    home = disk_home
    _stored(home, tmp_path)
    store = home / "tickwork.db"
    if subprocess.run(["chattr", "+i", str(store)], stderr=subprocess.DEVNULL).returncode:
        pytest.skip("this file system (or user) cannot mark a file immutable")
    line = (f"{store} cannot be written by this user, though its mode lets its owner write it "
            "(an access control list, a file marked immutable — `lsattr` — or a security "
            "policy forbids it)")
    _one_line(cli_at(home, "task", "add", "b", "--command", "true"), 1, line)
    engine = cli_at(home, "engine")
    assert (engine.code, engine.err) == (77, f"tickwork: error: {line}\n"), engine
    _reads(home, tmp_path)
