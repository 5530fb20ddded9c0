"""A headless `tickwork engine` tells the desktop: a real engine subprocess, a real private
session bus (dbus-daemon) and a real notification server on it (tests/support/dbus_session).

A failing task gives one Notify naming the task and its status, with Open log and Retry now
when the server has actions; Retry now queues a new run (audited); `--notify never` gives
none, `--notify always` tells successes too; with no bus the engine runs on and says so in
one line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psutil
import pytest

from faults.harness import wait_until
from tests.engine.conftest import EngineProcess
from tests.support.dbus_session import NotificationServer, start_bus


def runs_of(cli: Any, task: str) -> list[dict[str, Any]]:
    result = cli("run", "list", "--task", task, "--json")
    assert result.code == 0, result.err
    return list(result.json())


def finished(cli: Any, task: str, count: int = 1) -> bool:
    done = [r for r in runs_of(cli, task) if r["status"] not in
            ("scheduled", "queued", "waiting", "running", "retrying")]
    return len(done) >= count


def monitored(folder: Path) -> str:
    """What `dbus-monitor` wrote so far."""
    return (folder / "monitor.txt").read_text()


@pytest.fixture
def engine_on_bus(home: Path, tmp_path: Path, session_bus: str,
                  monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    procs: list[EngineProcess] = []

    def start() -> EngineProcess:
        proc = EngineProcess(home, tmp_path / f"engine{len(procs)}.log")
        procs.append(proc)
        proc.wait_for("engine running")
        return proc

    yield start
    for proc in procs:
        proc.stop()


def test_a_failure_notifies_once_with_buttons_and_retry_now_runs_it_again(
        cli: Any, engine_on_bus: Any, notification_server: NotificationServer,
        session_bus: str, tmp_path: Path) -> None:
    assert cli("task", "add", "nightly-backup", "--command", "false").code == 0
    monitor = None
    if shutil.which("dbus-monitor"):  # the call as the bus carried it, seen by a third party
        monitor = subprocess.Popen(
            ["dbus-monitor", "--address", session_bus,
             "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
            stdout=(tmp_path / "monitor.txt").open("w"), stderr=subprocess.STDOUT)
        # it watches once the bus has taken its name back (BecomeMonitor): from then on
        wait_until(lambda: "member=NameLost" in monitored(tmp_path), timeout=20)
    engine = engine_on_bus()
    wait_until(lambda: "desktop notifications through test-server" in engine.text())
    assert cli("task", "run", "nightly-backup").code == 0
    calls = wait_until(notification_server.seen, timeout=20)
    assert len(calls) == 1
    call = calls[0]
    assert call.app_name == "Tickwork"
    assert "nightly-backup" in call.summary and "failed" in call.summary
    assert call.actions[0::2] == ["default", "open", "retry"]
    assert call.actions[1::2] == ["Show in Tickwork", "Open log", "Retry now"]
    assert call.hints["urgency"] == ("y", 2)
    [first] = runs_of(cli, "nightly-backup")
    assert str(first["id"]) in call.body or call.body  # the error, or "run N failed"

    notification_server.click(call.id, "retry")
    wait_until(lambda: finished(cli, "nightly-backup", 2), timeout=20)
    runs = runs_of(cli, "nightly-backup")
    assert [r["trigger"] for r in runs].count("manual") == 2
    audit = cli("audit", "--json")
    run_nows = [e for e in audit.json() if e["action"] == "task.run_now"]
    assert [e["actor"] for e in run_nows] == ["engine", "cli"]  # newest first
    # the retried run failed too: a second notification
    wait_until(lambda: len(notification_server.seen()) == 2, timeout=20)
    if monitor is not None:
        # the bus hands the monitor its copy beside the server's: the server may have the
        # second call before the monitor has written it down (terminated then, it never is)
        wait_until(lambda: monitored(tmp_path).count("member=Notify") >= 2, timeout=20)
        monitor.terminate()
        monitor.wait(10)
        seen = monitored(tmp_path)
        assert seen.count("member=Notify") == 2, seen
        assert '"nightly-backup failed"' in seen


def test_never_is_silent_and_always_tells_successes(
        cli: Any, engine_on_bus: Any, notification_server: NotificationServer) -> None:
    assert cli("task", "add", "quiet", "--command", "false", "--notify", "never").code == 0
    assert cli("task", "add", "loud", "--command", "true", "--notify", "always").code == 0
    assert cli("task", "add", "plain", "--command", "true").code == 0  # failure only
    engine = engine_on_bus()
    for name in ("quiet", "loud", "plain"):
        assert cli("task", "run", name).code == 0
    for name in ("quiet", "loud", "plain"):
        wait_until(lambda name=name: finished(cli, name), timeout=20)
    assert engine.stop() == 0  # a stopping engine delivers what is queued first
    summaries = [c.summary for c in notification_server.seen()]
    assert summaries == ["loud succeeded"]


def test_a_cancelled_or_skipped_run_is_not_told_and_a_failure_only_after_its_last_retry(
        cli: Any, engine_on_bus: Any, notification_server: NotificationServer) -> None:
    """README: "A failure is told after the last retry …; cancelled and skipped runs are not
    told." Each task here notifies on failure (the default) but `up`."""
    assert cli("task", "add", "long", "--command", "sleep 30").code == 0
    assert cli("task", "add", "up", "--command", "false", "--notify", "never").code == 0
    assert cli("task", "add", "down", "--command", "true", "--depends-on", "up").code == 0
    assert cli("task", "add", "flaky", "--command", "false", "--retries", "1",
               "--retry-delay", "1s").code == 0
    engine = engine_on_bus()
    assert cli("task", "run", "long").code == 0
    [run] = wait_until(lambda: [r for r in runs_of(cli, "long") if r["status"] == "running"],
                       timeout=20)
    assert cli("run", "cancel", str(run["id"])).code == 0
    assert cli("task", "run", "up", "--wait", "20").code == 1
    said = cli("task", "run", "down", "--wait", "20").out  # skipped, saying why
    assert re.search(r": skipped \(upstream up \(run \d+ at [^)]*\) failed\)\n$", said), said
    assert cli("task", "run", "flaky", "--wait", "20").code == 1
    wait_until(lambda: finished(cli, "long"), timeout=20)
    assert [r["status"] for r in runs_of(cli, "long")] == ["cancelled"]
    assert engine.stop() == 0  # a stopping engine delivers what is queued first
    assert [c.summary for c in notification_server.seen()] == ["flaky failed"]


def test_without_actions_the_server_gets_no_buttons(
        cli: Any, engine_on_bus: Any, session_bus: str) -> None:
    server = NotificationServer(session_bus, capabilities=("body",))
    try:
        assert cli("task", "add", "flaky", "--command", "false").code == 0
        engine = engine_on_bus()
        wait_until(lambda: "no buttons" in engine.text())
        assert cli("task", "run", "flaky").code == 0
        [call] = wait_until(server.seen, timeout=20)
        assert call.summary == "flaky failed"
        assert call.actions == []
    finally:
        server.close()


def test_with_no_bus_the_engine_runs_and_says_so_once(
        cli: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    assert cli("task", "add", "bad", "--command", "false").code == 0
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running")
        for count in (1, 2):
            assert cli("task", "run", "bad").code == 0
            wait_until(lambda count=count: finished(cli, "bad", count), timeout=20)
    finally:
        assert engine.stop() == 0
    log = engine.text()
    lines = [line for line in log.splitlines() if "desktop notifications" in line]
    assert len(lines) == 1, log
    assert "cannot send desktop notifications: no session bus" in lines[0]
    assert "Traceback" not in log


def test_open_log_from_a_headless_engine_starts_the_window_at_the_run(
        cli: Any, engine_on_bus: Any, notification_server: NotificationServer,
        home: Path) -> None:
    assert cli("task", "add", "report", "--command", "false").code == 0
    engine_on_bus()
    assert cli("task", "run", "report").code == 0
    [call] = wait_until(notification_server.seen, timeout=20)
    [run] = runs_of(cli, "report")
    notification_server.click(call.id, "open")

    def window() -> psutil.Process | None:
        for proc in psutil.process_iter(["cmdline"]):
            line = proc.info["cmdline"] or []
            if "--show-run" in line and str(home) in line:
                return proc
        return None

    proc = wait_until(window, timeout=20)
    try:
        line = proc.cmdline()
        assert line[line.index("--show-run") + 1] == str(run["id"])
    finally:
        proc.kill()  # the engine's child: a zombie until the engine reaps it
        wait_until(lambda: not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE)


def test_a_run_the_last_engine_left_behind_is_told_as_interrupted(
        cli: Any, engine_on_bus: Any, notification_server: NotificationServer) -> None:
    assert cli("task", "add", "long", "--command", "sleep 60").code == 0
    first = engine_on_bus()
    assert cli("task", "run", "long").code == 0
    wait_until(lambda: [r for r in runs_of(cli, "long") if r["status"] == "running"],
               timeout=20)
    first.kill9()
    engine_on_bus()
    [call] = wait_until(notification_server.seen, timeout=30)
    assert call.summary == "long interrupted"
    assert json.dumps(runs_of(cli, "long")[0]["status"]) == '"interrupted"'


def test_when_the_bus_goes_away_the_engine_says_so_once_and_runs_on(
        cli: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "bus"
    folder.mkdir()
    bus, address = start_bus(folder)
    server = NotificationServer(address)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    assert cli("task", "add", "bad", "--command", "false").code == 0
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("desktop notifications through test-server")
        server.close()
        bus.terminate()  # the user logged out
        bus.wait(10)
        for count in (1, 2):
            assert cli("task", "run", "bad").code == 0
            wait_until(lambda count=count: finished(cli, "bad", count), timeout=20)
    finally:
        assert engine.stop() == 0
    log = engine.text()
    lines = [line for line in log.splitlines() if "cannot send desktop notifications" in line]
    assert len(lines) == 1, log
    assert "Traceback" not in log and "Exception in thread" not in log, log


def test_retry_now_on_a_task_deleted_since_is_one_line(
        cli: Any, engine_on_bus: Any, notification_server: NotificationServer) -> None:
    assert cli("task", "add", "gone", "--command", "false").code == 0
    engine = engine_on_bus()
    assert cli("task", "run", "gone").code == 0
    [call] = wait_until(notification_server.seen, timeout=20)
    deleted = cli("task", "delete", "gone")
    assert deleted.code == 0, deleted.err
    notification_server.click(call.id, "retry")
    engine.wait_for("cannot retry task")
    assert "Traceback" not in engine.text()


def test_a_fallback_s_sequel_replaces_the_failure_s_bubble(
        cli: Any, engine_on_bus: Any, notification_server: NotificationServer) -> None:
    """"flaky failed" and then "flaky failed; its fallback “rescue” succeeded" were two
    bubbles, the first contradicting the second: the sequel replaces the failure's bubble
    (`replaces_id`), still on the screen, with a plain urgency instead of a critical one."""
    assert cli("task", "add", "rescue", "--command", "true").code == 0
    assert cli("task", "add", "flaky", "--command", "false", "--fallback", "rescue").code == 0
    engine = engine_on_bus()
    wait_until(lambda: "desktop notifications through test-server" in engine.text())
    assert cli("task", "run", "flaky").code == 0
    failure, sequel = wait_until(lambda: notification_server.seen()[1:]
                                 and notification_server.seen(), timeout=20)
    assert (failure.summary, failure.replaces) == ("flaky failed", 0)
    assert sequel.summary == "flaky failed; its fallback “rescue” succeeded"
    assert (sequel.replaces, sequel.id) == (failure.id, failure.id)
    assert sequel.hints["urgency"] == ("y", 1)
    assert list(notification_server.showing) == [failure.id]  # one bubble on the screen

    notification_server.click(sequel.id, "retry")  # its buttons are the sequel's: the task's
    wait_until(lambda: finished(cli, "flaky", 2), timeout=20)
