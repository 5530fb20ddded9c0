"""`@reboot` tasks run once per boot of the machine, as cron runs them, through real
`tickwork engine` processes: later engine starts in the same boot (a restart, a standby
taking over after a kill -9) claim none; an engine in a new boot claims them again. The boot
is named through $TICKWORK_TEST_BOOT_ID (app/engine/boot.py), as a fake clock names the time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app.engine.boot import TEST_BOOT_VAR
from faults.harness import wait_until
from tests.engine.conftest import EngineProcess


def _engine(home: Path, log: Path, boot: str) -> EngineProcess:
    return EngineProcess(home, log, env={**os.environ, TEST_BOOT_VAR: boot})


def _runs(cli: Any, task: str) -> list[dict[str, Any]]:
    result = cli("run", "list", "--task", task, "--json")
    assert result.code == 0, result.err
    runs: list[dict[str, Any]] = result.json()
    return runs


def _ended(cli: Any, task: str) -> list[dict[str, Any]]:
    return [r for r in _runs(cli, task) if r["status"] not in ("queued", "waiting", "running")]


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _recovered(cli: Any, probes: int) -> None:
    """Wait until the engine has recovered: the manual run queued before it started (adopted
    after the `@reboot` claims are queued, so it ends after they are committed) has ended."""
    wait_until(lambda: len(_ended(cli, "probe")) == probes, 30)


def test_a_reboot_task_runs_at_the_first_engine_start_of_each_boot(
        cli: Any, home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    assert cli("task", "add", "tunnel", "--cron", "@reboot", "--shell",
               "--command", f"echo tunnel >> {out}").code == 0
    assert cli("task", "add", "probe", "--manual", "--command", "true").code == 0

    first = _engine(home, tmp_path / "first.log", "boot-1")
    try:
        wait_until(lambda: len(_ended(cli, "tunnel")) == 1, 30)
        # made @reboot after this boot's first engine start: it waits for the next boot
        assert cli("task", "add", "late", "--cron", "@reboot", "--shell",
                   "--command", f"echo late >> {out}").code == 0
    finally:
        assert first.stop() == 0

    assert cli("task", "run", "probe").code == 0
    again = _engine(home, tmp_path / "again.log", "boot-1")  # the same boot
    try:
        _recovered(cli, 1)
        assert len(_runs(cli, "tunnel")) == 1 and _runs(cli, "late") == []
        assert _lines(out) == ["tunnel"]
    finally:
        assert again.stop() == 0

    assert cli("task", "run", "probe").code == 0
    rebooted = _engine(home, tmp_path / "rebooted.log", "boot-2")
    try:
        _recovered(cli, 2)
        wait_until(lambda: len(_ended(cli, "tunnel")) == 2 and len(_ended(cli, "late")) == 1,
                   30)
        assert {r["trigger"] for r in _runs(cli, "tunnel") + _runs(cli, "late")} == {"startup"}
        assert sorted(_lines(out)) == ["late", "tunnel", "tunnel"]
    finally:
        assert rebooted.stop() == 0


def test_an_engine_killed_after_the_claim_does_not_run_it_twice(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """Two `@reboot` tasks in a group of one: one starts, the other stays claimed, waiting for it.
    A kill -9 then; the next engine in the same boot interrupts the one that was running
    (it is not retried: no retries) and runs the waiting one, and claims neither again."""
    out = tmp_path / "out.txt"
    for name in ("one", "two"):
        assert cli("task", "add", name, "--cron", "@reboot", "--group", "tunnel:1", "--shell",
                   "--command", f"echo {name} >> {out}; sleep 60").code == 0
    assert cli("task", "add", "probe", "--manual", "--command", "true").code == 0

    killed = _engine(home, tmp_path / "killed.log", "boot-1")
    try:
        wait_until(lambda: len(_lines(out)) == 1, 30)
        claimed = _runs(cli, "one") + _runs(cli, "two")
        assert sorted(r["status"] for r in claimed) == ["running", "waiting"]
    finally:
        killed.kill9()

    assert cli("task", "run", "probe").code == 0
    taking_over = _engine(home, tmp_path / "taking-over.log", "boot-1")
    try:
        _recovered(cli, 1)
        wait_until(lambda: len(_lines(out)) == 2, 30)
        runs = _runs(cli, "one") + _runs(cli, "two")
        assert len(runs) == 2 and {r["trigger"] for r in runs} == {"startup"}
        assert sorted(_lines(out)) == ["one", "two"]
        assert "interrupted" in [r["status"] for r in runs]
    finally:
        assert taking_over.stop() == 0
