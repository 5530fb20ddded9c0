"""A run on Celery whose broker refuses the engine's password says so on the run, where a
person looks (`run show`, the window's Runs): it said "not sent yet: the Celery broker … is
unreachable: it is sent when the broker is back", and once cancelled "never sent: the Celery
broker … was unreachable" — though the broker answered, and nothing comes back by itself
until the password is put right (the engine's log already said "refuses this engine":
tests/celery/test_runs_on.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import redis

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.processes import stop
from tests.support.redis import RedisServer, redis_binary


def test_a_run_held_by_a_broker_refusing_the_password_says_so(
        cli: Any, home: Path, tmp_path: Path) -> None:
    server = RedisServer(redis_binary(), password="R3disPw")
    env = {**os.environ, "TICKWORK_CELERY_BEAT": "0.5", "TICKWORK_PACE": "0.1"}
    env.pop("TICKWORK_BROKER", None)
    wrong = server.url.replace("redis://", "redis://:Wr0ngPw@", 1)
    shown = server.url.replace("redis://", "redis://***@", 1)
    assert cli("task", "add", "far", "--command", "true", "--manual",
               "--runs-on", "celery").code == 0
    log = tmp_path / "engine.log"
    with log.open("w") as out:
        engine = tickwork.start(["--home", str(home), "engine", "--broker", wrong, "--grace",
                                 "1"], env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=out)
    try:
        wait_until(lambda: "engine running" in log.read_text(), 60)
        assert cli("task", "run", "far").code == 0
        held = wait_until(lambda: (r := cli("run", "show", "1", "--json").json())["reason"]
                          and "not sent yet" in r["reason"] and r, 30)
        assert held["status"] == "queued", held
        assert held["reason"] == (
            f"not sent yet: the Celery broker {shown} refuses the engine's password: "
            "it is sent once the broker lets the engine in"), held
        assert cli("run", "cancel", "1").code == 0
        ended = wait_until(lambda: (r := cli("run", "show", "1", "--json").json())[
            "status"] != "queued" and r, 30)
        assert cli("task", "run", "far").code == 0
        wait_until(lambda: "not sent yet" in (cli("run", "show", "2", "--json").json()[
            "reason"] or ""), 30)
        # the broker now takes the engine's password: the run goes out, and says it waited
        redis.Redis(port=server.port, password="R3disPw").config_set("requirepass", "Wr0ngPw")
        sent = wait_until(lambda: "waited" in (r := cli("run", "show", "2", "--json").json())[
            "reason"] and r, 30)
    finally:
        stop(engine, 15)
        server.close()
    assert ended["status"] == "cancelled", ended
    assert ended["reason"] == (
        f"never sent: the Celery broker {shown} refused the engine's password"), ended
    assert sent["reason"] == (
        f"waited for the Celery broker {shown} (it refused the engine's password)"), sent
    assert "unreachable" not in log.read_text() and "Wr0ngPw" not in log.read_text()
