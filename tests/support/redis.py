"""A real Redis server for the tests, started by the tests themselves: Debian's
`redis-server` on a free loopback port, in a temp folder, without persistence, one per test
process, stopped when the session ends. Where the binary is absent the tests that need it
are skipped with one line saying so.

Use it from a test module with `from tests.support.redis import redis_server` (the fixture)
and ask `redis_server.url` for the broker URL; `redis_server.flush()` empties it between
tests. `RedisServer(redis_binary(), password=…)` starts one of a test's own that asks for a
password (`requirepass`)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import free_port

SKIP = ("redis-server not found: install Debian's `redis-server` package to run the tests "
        "of runs on Celery workers")


class RedisServer:
    """One running server: its folder, its port, its URL."""

    def __init__(self, binary: str, *, password: str | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tickwork-redis-"))
        self.binary = binary
        self.password = password  # Redis's requirepass (None: none asked)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        log = open(self.root / "redis.log", "ab")  # noqa: SIM115 (the server keeps it)
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--protected-mode", "yes",
             *(["--requirepass", self.password] if self.password else [])],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith((b"+PONG", b"-NOAUTH")):  # it answers
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start: {(self.root / 'redis.log').read_text()}")

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), 2) as s:
            s.sendall(b"FLUSHALL\r\n")
            s.recv(16)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def redis_binary() -> str:
    """redis-server's path (skips the test where it is absent)."""
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if binary is None:
        pytest.skip(SKIP)
    return binary


@pytest.fixture(scope="session")
def redis_session() -> Iterator[RedisServer]:
    server = RedisServer(redis_binary())
    yield server
    server.close()


@pytest.fixture
def redis_server(redis_session: RedisServer) -> RedisServer:
    """The session's server, emptied for this test."""
    redis_session.flush()
    return redis_session
