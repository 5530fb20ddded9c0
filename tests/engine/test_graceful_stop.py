"""A graceful stop (SIGTERM to `tickwork engine`, or the GUI quitting) loses no run: what it
cuts off is `interrupted` (never `cancelled`), its processes are gone, and the next start
retries it by its task's policy, as after a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psutil

from tests.engine.conftest import wait_until

# Attempt 1 records its pid and sleeps; a later attempt records that it ran and ends.
FIRST_SLEEPS = ('[ "$TICKWORK_ATTEMPT" = 1 ] || {{ echo ran >> {out}; exit 0; }}; '
                'echo $$ > {pid}; exec sleep 60')


def _runs(cli: Any) -> dict[str, list[dict[str, Any]]]:
    result = cli("run", "list", "--json")
    assert result.code == 0, result.err
    out: dict[str, list[dict[str, Any]]] = {}
    for run in sorted(result.json(), key=lambda r: (r["task_name"], r["attempt"])):
        out.setdefault(run["task_name"], []).append(run)
    return out


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_sigterm_interrupts_in_flight_runs_and_the_next_start_retries_them(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    first = spawn("first", grace=0.3)  # its runs would never end: a short grace
    first.wait_for("engine running")
    for name, retries in (("cmd2", "2"), ("cmd0", "0")):
        command = FIRST_SLEEPS.format(out=tmp_path / f"{name}.ran", pid=tmp_path / f"{name}.pid")
        assert cli("task", "add", name, "--command", command, "--shell",
                   "--retries", retries, "--retry-delay", "0.1").code == 0
    for name, retries in (("py2", "2"), ("py0", "0")):
        assert cli("task", "add", name, "--python", "tests.support.actions:nap_first",
                   "--kwargs", json.dumps({"seconds": 60}), "--retries", retries,
                   "--retry-delay", "0.1").code == 0
    for name in ("cmd2", "cmd0", "py2", "py0"):
        assert cli("task", "run", name).code == 0
    wait_until(lambda: all(len(rs) == 1 and rs[0]["status"] == "running"
                           for rs in _runs(cli).values()) and len(_runs(cli)) == 4, 10)
    pids = [int(wait_until(lambda n=n: (tmp_path / f"{n}.pid").read_text().strip()))
            for n in ("cmd2", "cmd0")]

    assert first.stop() == 0  # SIGTERM
    assert all(_gone(pid) for pid in pids), "a command outlived the engine's stop"
    stopped = _runs(cli)
    for name in ("cmd2", "cmd0", "py2", "py0"):
        run = stopped[name][0]
        assert run["status"] == "interrupted", (name, run)
        assert "engine stopped" in (run["reason"] or ""), run
    assert [r["status"] for r in stopped["cmd2"]] == ["interrupted", "retrying"]
    assert [r["status"] for r in stopped["py2"]] == ["interrupted", "retrying"]
    assert len(stopped["cmd0"]) == len(stopped["py0"]) == 1

    second = spawn("second")
    second.wait_for("engine running")
    done = wait_until(lambda: (rs := _runs(cli)) and all(
        rs[n][-1]["status"] == "succeeded" for n in ("cmd2", "py2")) and rs, 15)
    for name in ("cmd2", "py2"):
        assert [(r["attempt"], r["status"], r["trigger"]) for r in done[name]] == [
            (1, "interrupted", "manual"), (2, "succeeded", "retry")]
        assert done[name][1]["parent_run_id"] == done[name][0]["id"]
    for name in ("cmd0", "py0"):  # retries 0: not retried, stays interrupted
        assert [(r["attempt"], r["status"]) for r in done[name]] == [(1, "interrupted")]
    assert (tmp_path / "cmd2.ran").read_text() == "ran\n"
    assert not (tmp_path / "cmd0.ran").exists()
    assert second.stop() == 0
    assert "Traceback" not in first.text() + second.text()


def test_runs_a_stop_finds_unstarted_are_given_back_and_run_next_start_whatever_retries(
        spawn: Any, cli: Any, monkeypatch: Any) -> None:
    """README: runs a graceful stop finds not yet started — queued behind busy workers (one
    of them behind its group's limit too), waiting for upstreams — are given back `queued`
    and run at the next start as they are, whatever their retries (these have none): they
    were never tried. A real `tickwork engine` with two workers, through the CLI."""
    monkeypatch.setenv("TICKWORK_WORKERS", "2")
    first = spawn("first", grace=0.3)
    first.wait_for("engine running: 2 workers")
    tasks = {"long": ["--command", "sleep 60", "--group", "io:1"],
             "up": ["--command", "sleep 60"],
             "grouped": ["--command", "true", "--group", "io"],
             "down": ["--command", "true", "--depends-on", "up"],
             "behind": ["--command", "true"]}
    for name, args in tasks.items():
        assert cli("task", "add", name, "--manual", *args).code == 0
    for name in ("long", "up"):
        assert cli("task", "run", name).code == 0
    wait_until(lambda: len([r for r in cli("run", "list", "--json").json()
                            if r["status"] == "running"]) == 2, 10)
    for name in ("grouped", "down", "behind"):
        assert cli("task", "run", name).code == 0
    # (held back by the group, a run shows `queued`; waiting for its upstream, `waiting`)
    wait_until(lambda: {n: rs[0]["status"] for n, rs in _runs(cli).items()
                        if n in ("grouped", "down", "behind")}
               == {"grouped": "queued", "down": "waiting", "behind": "queued"}, 10)
    assert first.stop() == 0
    stopped = _runs(cli)
    for name in ("grouped", "down", "behind"):
        (run,) = stopped[name]
        assert run["status"] == "queued", run
        assert "the engine stopped before it started: the next start runs it" in (
            run["reason"] or ""), run
    second = spawn("second")
    second.wait_for("engine running")
    done = wait_until(lambda: (rs := _runs(cli)) and all(
        rs[n][-1]["status"] not in ("queued", "waiting", "running")
        for n in ("grouped", "down", "behind")) and rs, 15)
    assert [(r["attempt"], r["status"]) for r in done["grouped"]] == [(1, "succeeded")]
    assert [(r["attempt"], r["status"]) for r in done["behind"]] == [(1, "succeeded")]
    # as it is: its upstream's run was cut off by the stop, so the dependency rule skips it
    assert [(r["attempt"], r["status"]) for r in done["down"]] == [(1, "skipped")]
    # what they say once run: taken up, no more "the next start runs it" under their end
    for name in ("grouped", "behind"):
        shown = cli("run", "show", str(done[name][-1]["id"])).out
        assert "the engine stopped before it started: the next start took it up" in shown, shown
        assert "runs it" not in shown, shown
    assert second.stop() == 0
