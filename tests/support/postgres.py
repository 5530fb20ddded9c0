"""A real PostgreSQL server for the tests, started by the tests themselves.

One server per test process (each xdist worker has its own), in a temp folder, on a free
loopback port, with fsync off (a test's data need not survive a power cut, and a commit
then costs a write to the kernel, not a flush to the disk), stopped when the session ends.
Commits are synchronous, as a real server's are by default: a commit acknowledged survives
the server's crash (`paused("immediate")`), where with `synchronous_commit=off` the last
~0.6 s of commits were lost with it — a claimed run gone from the ledger, which no real
server does (a test of a leader killed while the server was away failed so now and
then: the standby took over and found no run at all). Each test gets its own database,
copied from an empty template (`CREATE DATABASE ... TEMPLATE`, a few milliseconds). The
server binaries are Debian's `postgresql` package (/usr/lib/postgresql/N/bin); where they
are absent the tests that need a server are skipped with one line saying so. initdb
refuses to run as root, so as root the server runs as the system user `tickwork-pg`
(created if missing).

Use it from a test module with `from tests.support.postgres import pg_server, pg_url`
(both fixtures), or ask `pg_url` for a fresh database's URL. `pg_server.paused()` stops the
server for a while (a fast shutdown: every connection is dropped, the data stays) and starts
it again on the same port, as a restart or an outage would (`paused("immediate")`: as a
crash would).
"""

from __future__ import annotations

import fcntl
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

USER = "tickwork-pg"
SUPERUSER = "postgres"
TEMPLATE = "tickwork_blank"
SKIP = ("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb): "
        "install Debian's `postgresql` package to run the PostgreSQL store tests")


def server_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    return found[-1].parent if found else None


def free_port() -> int:
    """A loopback port nobody listens on now (a server's, or one a test keeps closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One running server: its folder, its port, and fresh databases on demand."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="tickwork-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            _ensure_user()
            self.as_user = ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups"]
            entry = pwd.getpwnam(USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *argv: str) -> None:
        done = subprocess.run([*self.as_user, *argv], capture_output=True, text=True,
                              cwd=self.root, timeout=120)
        if done.returncode:  # what it said, not only that it failed
            raise RuntimeError(f"{' '.join(argv[:2])} exited {done.returncode}: "
                               f"{(done.stderr or done.stdout).strip()}")

    def start(self) -> None:
        # C collation: text sorts byte by byte, as it does in SQLite
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                  "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
        self._start()
        with self.admin() as con:
            con.execute(f"CREATE DATABASE {TEMPLATE}")

    def _start(self) -> None:
        options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.root} -c fsync=off "
                   "-c full_page_writes=off -c max_connections=200")
        log = self.root / "server.log"
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(log),
                      "-o", options, "-w", "-t", "60", "start")
        except RuntimeError as exc:  # pg_ctl says "see the log": say what the log says
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{exc}\n{tail}") from None

    def pause(self, mode: str = "fast") -> None:
        """Stop the server (fast: open connections are dropped; immediate: as a crash, the
        server recovering from its log at the next start), keeping its data."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                  "-t", "60", "stop")

    def resume(self) -> None:
        """Start the paused server again, on the same port with the same data."""
        self._start()

    @contextmanager
    def paused(self, mode: str = "fast") -> Iterator[None]:
        """The server stopped for the block, started again after it (even when it fails)."""
        self.pause(mode)
        try:
            yield
        finally:
            self.resume()

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                      "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def admin(self) -> Any:
        import psycopg

        return psycopg.connect(self.url("postgres"), autocommit=True)

    def new_database(self) -> str:
        """A fresh, empty database's URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        with self.admin() as con:
            con.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.admin() as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _ensure_user() -> None:
    """The server's user, made once: the test processes start together on a fresh machine,
    and one must not use the user while another is still writing it (seen: initdb failed)."""
    with open(Path(tempfile.gettempdir()) / "tickwork-pg-user.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        try:
            pwd.getpwnam(USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", USER], check=True, capture_output=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (skips the test where the binaries are absent)."""
    bindir = server_bin()
    if bindir is None:
        pytest.skip(SKIP)
    server = PgServer(bindir)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh database on the session's server, dropped after the test."""
    url = pg_server.new_database()
    yield url
    pg_server.drop_database(url)
