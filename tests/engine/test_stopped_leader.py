"""A leader stopped past its lease (SIGSTOP, a suspended VM) starts nothing when it wakes.

Two `tickwork engine` processes share a PostgreSQL store. The leader is stopped with a run
held back by its concurrency group behind another; the standby takes over, and its recovery
interrupts both and retries the held one. When the old leader is continued, the run ahead
of the held one has ended (the new leader stopped it), which frees the group — but the old
leader has not proved its lease for longer than `leadership.UNPROVEN`: it starts nothing,
finds the lease gone and steps down. Before, it started the held run's first attempt some
30 ms after waking, beside its retry on the new leader.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from app.store.connection import LEASE
from tests.conftest import ROOT
from tests.engine.conftest import EngineProcess, wait_until
from tests.support import tickwork
from tests.support.postgres import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]


def test_a_leader_stopped_past_its_lease_starts_nothing_when_it_wakes(
        pg_url: str, tmp_path: Path) -> None:
    out = tmp_path / "attempts.txt"

    def cli(*args: str) -> str:
        done = tickwork.run(["--home", str(tmp_path / "cli"), "--store", pg_url, *args],
                            cwd=ROOT, timeout=60)
        assert done.returncode == 0, done.stderr
        return str(done.stdout)

    def runs(task: str) -> list[dict[str, object]]:
        return [r for r in json.loads(cli("run", "list", "--json")) if r["task_name"] == task]

    cli("task", "add", "ahead", "--command", "sleep 30", "--group", "g:1", "--manual")
    cli("task", "add", "held", "--command", f"echo $TICKWORK_ATTEMPT >> {out}", "--shell",
        "--group", "g:1", "--retries", "1", "--retry-delay", "0.1", "--manual")
    def engine(name: str) -> EngineProcess:
        engines.append(EngineProcess(tmp_path / name, tmp_path / f"{name}.log", 1.0, pg_url))
        return engines[-1]

    engines: list[EngineProcess] = []
    try:
        leader = engine("leader")
        leader.wait_for("engine running", 20)
        standby = engine("standby")  # started once the first leads: it waits
        standby.wait_for("engine standby", 20)
        cli("task", "run", "ahead")
        wait_until(lambda: [r for r in runs("ahead") if r["status"] == "running"], 15)
        cli("task", "run", "held")
        wait_until(lambda: [r for r in runs("held") if r["status"] == "waiting"], 15)
        leader.proc.send_signal(signal.SIGSTOP)
        try:
            standby.wait_for("taking over", LEASE + 20)
            standby.wait_for("engine running", 30)
            wait_until(lambda: out.exists() and out.read_text().split() == ["2"], 30)
        finally:
            leader.proc.send_signal(signal.SIGCONT)
        leader.wait_for("fenced off", 30)
        time.sleep(1.0)  # what it would have started, it would have by now
        assert out.read_text().split() == ["2"], "the stopped leader started a run it had lost"
        assert "Traceback" not in leader.text() + standby.text()
    except BaseException:  # what CI needs to understand a failure
        for eng in engines:
            print(f"== {eng.log.name}\n{eng.text()[-4000:]}")
        raise
    finally:
        for eng in engines:
            eng.stop()
