"""`tickwork engine` facing a home it must not use: each fault that starting it again cannot
mend ends it at once with one line naming the file and what to do, and with its own status,
which its systemd units name in `RestartPreventExitStatus=` (app/engine/headless.py). They
all exited 1, which `Restart=on-failure` started again every 2 s, to the same line each
time, until systemd gave up; a fifo where the lock goes left it standing by for ever, and
one where the store goes was "disk I/O error". A passing fault is not one of them."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.engine.headless import NO_RESTART
from app.store.models import SCHEMA_VERSION
from tests.conftest import ROOT
from tests.support import tickwork

NOBODY = 65534
AS_ROOT = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                             reason="only root can make files that belong to another user")


def _stored(home: Path) -> None:
    ran = tickwork.run(["--home", str(home), "task", "add", "t", "--command", "true",
                        "--manual"], timeout=60, cwd=ROOT)
    assert ran.returncode == 0, ran


def _lock_folder(home: Path) -> tuple[Path, str]:
    _stored(home)
    (home / "engine.lock").mkdir()
    return home / "engine.lock", "is a folder: Tickwork keeps its engine lock there"


def _lock_fifo(home: Path) -> tuple[Path, str]:
    _stored(home)
    os.mkfifo(home / "engine.lock")
    return home / "engine.lock", "is a fifo (named pipe): Tickwork keeps its engine lock there"


def _lock_socket(home: Path) -> tuple[Path, str]:
    _stored(home)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(home / "engine.lock"))
    return home / "engine.lock", "is a socket: Tickwork keeps its engine lock there"


def _store_folder(home: Path) -> tuple[Path, str]:
    (home / "tickwork.db").mkdir(parents=True)
    return home / "tickwork.db", "is a folder, not a store's file; Tickwork left it untouched"


def _store_text(home: Path) -> tuple[Path, str]:
    home.mkdir()
    (home / "tickwork.db").write_text("my shopping list\n" * 20)
    return home / "tickwork.db", "is not an SQLite database; Tickwork left it untouched"


def _store_theirs(home: Path) -> tuple[Path, str]:
    home.mkdir()
    con = sqlite3.connect(home / "tickwork.db")
    con.execute("CREATE TABLE stuff (x)")
    con.commit()
    con.close()
    return home / "tickwork.db", "is not a Tickwork database (it has tables stuff)"


def _store_newer(home: Path) -> tuple[Path, str]:
    _stored(home)
    con = sqlite3.connect(home / "tickwork.db")
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                (str(SCHEMA_VERSION + 1),))
    con.commit()
    con.close()
    return home / "tickwork.db", "newer than this Tickwork understands"


def _home_of_another(home: Path) -> tuple[Path, str]:
    _stored(home)
    os.chown(home, NOBODY, NOBODY)
    return home, "belongs to nobody, not to root: run Tickwork as nobody"


def _store_of_another(home: Path) -> tuple[Path, str]:
    _stored(home)
    os.chown(home / "tickwork.db", NOBODY, NOBODY)
    return home / "tickwork.db", "belongs to nobody, not to root"


def _left_by_another(home: Path) -> tuple[Path, str]:
    _stored(home)
    (home / "backups").symlink_to(home.parent)
    os.lchown(home / "backups", NOBODY, NOBODY)
    return home / "backups", "belongs to nobody, not to root: someone else put it in the home"


FAULTS: list[Any] = [
    pytest.param(_lock_folder, 73, id="lock-folder"),
    pytest.param(_lock_fifo, 73, id="lock-fifo"),
    pytest.param(_lock_socket, 73, id="lock-socket"),
    pytest.param(_store_folder, 65, id="store-folder"),
    pytest.param(_store_text, 65, id="store-not-sqlite"),
    pytest.param(_store_theirs, 65, id="store-another-program-s"),
    pytest.param(_store_newer, 78, id="store-newer"),
    pytest.param(_home_of_another, 77, id="home-another-user-s", marks=AS_ROOT),
    pytest.param(_store_of_another, 77, id="store-another-user-s", marks=AS_ROOT),
    pytest.param(_left_by_another, 77, id="left-by-another-user", marks=AS_ROOT),
]


@pytest.mark.parametrize(("fault", "status"), FAULTS)
def test_a_fault_a_restart_cannot_mend_ends_the_engine_with_its_own_status(
        home: Path, fault: Callable[[Path], tuple[Path, str]], status: int) -> None:
    path, words = fault(home)
    before = sorted(os.listdir(home))
    ran = tickwork.run(["--home", str(home), "engine"], timeout=60, cwd=ROOT)
    assert ran.returncode == status, ran
    assert status in NO_RESTART  # (its units do not start it again: tests/cli/test_settings.py)
    said = [line for line in ran.stderr.splitlines() if line.startswith("tickwork: ")]
    assert len(said) == 1 and said[0].startswith(f"tickwork: error: {path} "), ran.stderr
    assert words in said[0], said
    assert "Traceback" not in ran.stderr and "standby" not in ran.stderr, ran.stderr
    assert sorted(os.listdir(home)) == before  # nothing made, nothing taken away


def test_a_lock_held_by_a_live_process_is_waited_for_not_refused(home: Path,
                                                                 tmp_path: Path) -> None:
    """The engine lock taken by another process (a live engine, as this test's own lock
    stands in for one): the engine stands by and leads once it is let go, never exiting.
    (A full disk is waited out: tests/engine/test_full_disk_at_start.py.)"""
    from app.store.lock import EngineLock
    from tests.engine.conftest import EngineProcess

    _stored(home)
    held = EngineLock(home)
    assert held.try_acquire("test")
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine standby", 30)
        held.release()
        engine.wait_for("engine running", 30)
        assert engine.proc.poll() is None
    finally:
        held.release()
        assert engine.stop() == 0, engine.text()


def test_a_store_that_cannot_be_opened_for_another_reason_is_tried_again() -> None:
    """Only the faults above are kept down: a full disk (waited out), a store gone under
    a command, any other failure to open it exit 1, which a service manager restarts."""
    from app.core.errors import StoreError
    from app.engine.headless import refused
    from app.store.integrity import DiskFull, StoreGone

    for passing in (DiskFull("full"), StoreGone("gone"), StoreError("disk I/O error")):
        assert refused(passing) is None, passing
    assert 1 not in NO_RESTART
