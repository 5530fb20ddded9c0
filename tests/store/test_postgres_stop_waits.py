"""Stopping an engine whose shared PostgreSQL store does not answer waits for the runs it
stopped to be recorded — up to its grace and 15 s more — and it waited silently: Ctrl+C,
then nothing for 16 s (25 s at the default grace). It says so once, naming the store (never
its password) and how long at most, while it waits. A real server under the engine, stopped
(a fast shutdown, its data kept: connections refused, which the engine knows at once) or
frozen (SIGSTOP: connections hang, which it finds out once the stopped run's writes wait),
started again after. Either way the engine ends while the server is still away: frozen, the
lease's last renewal and its release hung as long as the server did."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT
from tests.engine.conftest import wait_until
from tests.support import tickwork
from tests.support.postgres import PgServer
from tests.support.processes import stop

GRACE = 1
SAID = re.compile(r"stopping: the shared store at (\S+) does not answer; waiting up to (\d+) s "
                  r"for runs to be recorded")


@contextmanager
def _frozen(server: PgServer) -> Iterator[None]:
    """Every process of the server stopped (SIGSTOP) for the block, continued after it."""
    pid = int((server.data / "postmaster.pid").read_text().split()[0])
    main = psutil.Process(pid)
    processes = [main, *main.children(recursive=True)]
    for p in processes:
        with contextlib.suppress(psutil.NoSuchProcess):  # (a backend that ended meanwhile)
            p.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        for p in processes:  # (a backend exiting as it was stopped is reaped once its
            with contextlib.suppress(psutil.NoSuchProcess):  # postmaster goes on: gone)
                p.send_signal(signal.SIGCONT)


@pytest.mark.parametrize("away", ["stopped", "frozen"])
def test_a_stop_while_the_shared_store_does_not_answer_says_why_it_waits(
        home: Path, pg_url: str, pg_server: PgServer, tmp_path: Path, away: str) -> None:
    env = {**os.environ, "TICKWORK_PACE": "0.1"}

    def cli(*args: str) -> str:
        done = tickwork.run(["--home", str(tmp_path / "cli"), "--store", pg_url, *args],
                            timeout=60, cwd=ROOT, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("task", "add", "long", "--manual", "--command", "sleep 60")
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        engine = tickwork.start(["--home", str(home), "engine", "--store", pg_url, "--grace",
                                 str(GRACE)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=err)
    try:
        wait_until(lambda: "engine running on" in log.read_text(), 30)
        cli("task", "run", "long")
        wait_until(lambda: [r["status"] for r in json.loads(cli("run", "list", "--json"))]
                   == ["running"], 30)
        with pg_server.paused() if away == "stopped" else _frozen(pg_server):
            engine.send_signal(signal.SIGTERM)
            asked = time.monotonic()
            wait_until(lambda: SAID.search(log.read_text()) is not None, GRACE + 10)
            assert engine.poll() is None  # said while it waits, not after
            said_after = time.monotonic() - asked
            # ends with the server still away: frozen, the lease's renewal and its release
            # hang for as long as the server does, and the stop waited for them (for ever)
            engine.wait(GRACE + 15 + 15)
            ended_after = time.monotonic() - asked
    finally:
        stop(engine)
    text = log.read_text()
    found = SAID.findall(text)
    assert len(found) == 1, text  # once
    url, most = found[0]
    assert url == pg_url, text  # (its URL as messages name it)
    assert int(most) <= GRACE + 15 and int(most) + said_after >= GRACE + 15 - 1, (most, text)
    assert "Traceback" not in text, text
    assert ended_after < GRACE + 15 + 15, (ended_after, text)
