"""Real parts for the fault suite: the CLI and the engine as subprocesses on a temp home,
and read-only looks at what they left (the ledger, the processes, the store's integrity).

Nothing here writes to the store except through `tickwork` itself; the ledger is read
through a read-only SQLite connection so that looking never changes what is looked at.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import psutil  # type: ignore[import-untyped]  # no stubs installed

ROOT = Path(__file__).resolve().parent.parent
ACTIVE = ("queued", "waiting", "running", "retrying")
MARK_VAR = "TICKWORK_FAULT_MARK"  # every command of a workload carries it in its environment


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {predicate}")


def poll_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    """Like `wait_until`, but a state that never came is a finding, not an error: None."""
    try:
        return wait_until(predicate, timeout, interval)
    except TimeoutError:
        return None


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def _env(keyring: Path) -> dict[str, str]:
    """The environment of every process of one home: its own keyring file (the tests' file
    backend, so the audit chain is keyed and rollbacks are caught without a desktop keyring)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHON_KEYRING_BACKEND"] = "tests.support.file_keyring.FileKeyring"
    env["TICKWORK_TEST_KEYRING"] = str(keyring)
    return env


class Process(Protocol):
    """What the harness uses of a started `tickwork` (subprocess.Popen has it)."""

    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def send_signal(self, sig: int) -> None: ...
    def kill(self) -> None: ...


def _popen(args: list[str], *, env: dict[str, str], cwd: Path, stdin: Any, stdout: Any,
           stderr: Any) -> Process:
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=cwd, env=env,
                            stdin=stdin, stdout=stdout, stderr=stderr)


def _run(args: list[str], *, env: dict[str, str], cwd: Path, input: str | None,
         timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=cwd, env=env,
                          input=input, text=True, capture_output=True, timeout=timeout)


class Doors:
    """How `tickwork` is started: `python -m app.cli` (Popen- and run-shaped). The test
    suite swaps in its zygote (tests/faults/conftest.py): the same real processes, without
    an interpreter start-up each."""

    start: Callable[..., Process] = staticmethod(_popen)
    run: Callable[..., subprocess.CompletedProcess[str]] = staticmethod(_run)


class Engine:
    """One `tickwork engine` process; its stderr goes to a log file."""

    def __init__(self, home: Path, log: Path, env: dict[str, str], grace: float = 2.0) -> None:
        self.log = log
        with log.open("w") as err:
            self.proc = Doors.start(["--home", str(home), "engine", "--grace", str(grace)],
                                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                    stdin=subprocess.DEVNULL)

    def text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for(self, needle: str, timeout: float = 20.0) -> None:
        def seen() -> bool:
            if self.proc.poll() is not None and needle not in self.text():
                raise RuntimeError(f"engine exited {self.proc.returncode} before {needle!r}:"
                                   f"\n{self.text()[-2000:]}")
            return needle in self.text()
        wait_until(seen, timeout)

    def kill9(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                return -9
        return self.proc.wait(0)

    def exit_code(self, timeout: float = 30.0) -> int | None:
        """How the engine exited by itself within `timeout`; None (and killed) if it did not."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None


class Home:
    """A temp data home driven only through the `tickwork` command line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = path / "tickwork.db"
        self.logs = path.parent / f"{path.name}-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = _env(self.logs / "keyring.json")
        self.engines: list[Engine] = []

    def cli(self, *args: str, stdin: str | None = None, timeout: float = 120) -> Result:
        proc = Doors.run(["--home", str(self.path), *args], cwd=ROOT, env=self.env,
                         input=stdin, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def engine(self, grace: float = 2.0) -> Engine:
        eng = Engine(self.path, self.logs / f"engine-{len(self.engines):03d}.log", self.env,
                     grace)
        self.engines.append(eng)
        return eng

    def stop_all(self) -> None:
        for eng in self.engines:
            eng.stop()

    def import_tasks(self, tasks: list[dict[str, Any]]) -> None:
        path = self.logs / "workload.json"
        path.write_text(json.dumps({"version": 1, "tasks": tasks}))
        result = self.cli("import", str(path), timeout=600)
        if result.code != 0:
            raise RuntimeError(f"import failed: {result.err.strip()}")

    # -- read-only looks ------------------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def ledger(self) -> dict[tuple[str, str, int], str]:
        """(task, fire time, attempt) -> status, for every committed run."""
        rows = self.query("SELECT t.name, r.scheduled_for, r.attempt, r.status "
                          "FROM run r JOIN task t ON t.id = r.task_id")
        return {(name, fire, attempt): status for name, fire, attempt, status in rows}

    def created(self) -> dict[str, datetime]:
        """When each task was created (its fires are owed from then on)."""
        return {name: datetime.fromisoformat(at)
                for name, at in self.query("SELECT name, created_at FROM task")}

    def active_runs(self) -> int:
        marks = ",".join("?" * len(ACTIVE))
        return int(self.query(f"SELECT count(*) FROM run WHERE status IN ({marks})",
                              *ACTIVE)[0][0])

    def runs_of(self, task: str) -> list[list[Any]]:
        """Every run of one task: id, fire, attempt, status, engine, group, times, reason."""
        rows = self.query(
            "SELECT r.id, r.scheduled_for, r.attempt, r.status, r.engine, r.pgid, "
            "r.started_at, r.finished_at, r.reason FROM run r JOIN task t ON t.id = r.task_id "
            "WHERE t.name = ? ORDER BY r.id", task)
        return [list(row) for row in rows]

    def warnings(self, limit: int = 40) -> list[str]:
        """The engines' WARNING and ERROR lines, each prefixed with its engine's number."""
        lines = [f"{n}: {line}" for n, eng in enumerate(self.engines)
                 for line in eng.text().splitlines() if " WARNING " in line or " ERROR " in line]
        return lines[-limit:]

    def integrity(self) -> list[str]:
        """`PRAGMA integrity_check` lines other than 'ok' (empty: intact)."""
        rows = self.query("PRAGMA integrity_check")
        return [str(r[0]) for r in rows if r[0] != "ok"]

    def audit_verify(self) -> dict[str, Any]:
        result = self.cli("audit", "--verify", "--json")
        try:
            report: dict[str, Any] = json.loads(result.out)
        except json.JSONDecodeError:
            report = {"ok": False, "problem": (result.err or result.out).strip()}
        report["exit"] = result.code
        return report


def marked_processes(mark: str) -> list[psutil.Process]:
    """Live processes of this user whose environment carries the workload's mark."""
    found = []
    me = os.getuid()
    for proc in psutil.process_iter(["uids"]):
        try:
            if proc.info["uids"] is None or proc.info["uids"].real != me:
                continue
            if proc.environ().get(MARK_VAR) == mark and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def kill_marked(mark: str) -> None:
    """Clean up after a run of the suite (a failing check must not leave processes)."""
    for proc in marked_processes(mark):
        with contextlib.suppress(psutil.Error):
            proc.kill()
