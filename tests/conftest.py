"""Shared fixtures: a temp data home with a real SQLite store, and the real CLI as a subprocess."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import tickwork
from tests.support.zygote import stop_zygote

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.support.ordering", "tests.support.cpu_use"]  # longest first; CPU use
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
SHM = "/dev/shm"  # Linux's shared-memory tmpfs


def _temp_in_memory() -> None:
    """Temp folders (every test's home, store and keyring, the zygote's socket, the
    PostgreSQL server's data) go to a tmpfs when there is a roomy one and $TMPDIR does not
    say otherwise: they are still real files, but SQLite's fsyncs (synchronous=FULL, the
    switch to WAL of every new store) no longer reach a disk — ~30 ms of CPU and more of
    wall a GUI test. Children (engines, CLI calls, commands) inherit $TMPDIR."""
    if os.environ.get("TMPDIR"):
        return
    try:
        room = os.statvfs(SHM)
    except OSError:  # no /dev/shm (macOS, Windows)
        return
    if room.f_bavail * room.f_frsize >= 2 << 30 and os.access(SHM, os.W_OK | os.X_OK):
        os.environ["TMPDIR"] = SHM
        tempfile.tempdir = None  # tempfile reads $TMPDIR again


_temp_in_memory()
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.file_keyring.FileKeyring"


GROUPS_LOST = ("pytest-xdist did not run this test with the others of its xdist_group: this "
               "pytest and pytest-xdist do not work together (pytest-xdist#1386; see "
               "pyproject.toml)")


@pytest.fixture(autouse=True)
def _run_in_its_group(request: pytest.FixtureRequest) -> None:
    """`make test` runs with `--dist loadgroup`: tests that share a server or a display
    (`xdist_group`) must run in one process, one after another. pytest-xdist marks them in
    their node id; where it cannot (pytest 9.2 with pytest-xdist 3.8) the groups are
    silently ignored — such a test fails instead, saying why."""
    node = request.node
    if getattr(request.config.option, "loadgroup", False) and "@" not in node.nodeid \
            and node.get_closest_marker("xdist_group") is not None:
        pytest.fail(GROUPS_LOST, pytrace=False)


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_zygote()  # waited for here, so `time make test` counts its CPU


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own keyring file and never touches the user's real data home."""
    monkeypatch.setenv("TICKWORK_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("TICKWORK_HOME", str(tmp_path / "default-home"))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # (app/store/kept_homes.py)
    # no test's engine pops up on the developer's desktop (tests/notify bring their own bus)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)


@pytest.fixture(autouse=True)
def _collect_between_tests() -> Iterator[None]:
    """Where a window turned automatic collection off (app/gui/collector.py), the next
    tests of this process may not run Qt's event loop: collect what is due between tests,
    on this (the GUI) thread, as the window's timer would. A test that turned automatic
    collection back on fails: collections on engine threads would then free widgets there
    (a segfault in a later window test of the process, once in a full run)."""
    import gc

    was = gc.isenabled()
    yield
    collector = sys.modules.get("app.gui.collector")
    if collector is not None:
        collector.collect_due()
    if collector is not None and collector.installed() is not None and gc.isenabled():
        gc.disable()
        assert was, "the test turned automatic garbage collection on in a window's process"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path) -> Iterator[Any]:
    from app.store.database import Store

    st = Store.open(home)
    yield st
    st.close()


@pytest.fixture
def service(store: Any) -> Any:
    from app.service import Service

    return Service(store, "cli")


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(home: Path) -> Any:
    """Run the real `tickwork` CLI (`python -m app.cli`) in its own process against the temp
    home; started by the test zygote (tests/support/tickwork.py), without a new interpreter."""
    tickwork.warm()

    def run(*args: str, stdin: str | None = None, timeout: float = 60) -> CliResult:
        proc = tickwork.run(["--home", str(home), *args], input=stdin, timeout=timeout,
                            cwd=ROOT)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


def command_task(name: str, **extra: Any) -> dict[str, Any]:
    """A minimal valid task mapping for service tests."""
    data: dict[str, Any] = {"name": name, "action": {"kind": "command", "argv": ["true"]},
                            "timezone": "UTC"}
    data.update(extra)
    return data


def local_zone(monkeypatch: pytest.MonkeyPatch, zone: str) -> Iterator[None]:
    """For a fixture: the process's local zone (the user's days, as the calendar counts
    them) is `zone` until the test ends."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
