"""Single faults, each against a real store and real engine processes, each a verdict.

SIGTERM mid-run, a damaged page, a foreign database, a store rolled back to an older copy.
Every scenario reports what it checked as plain counts and booleans and sets `ok`.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.engine.headless import EXIT_DAMAGED  # (the damaged store's own exit: 65)
from faults.harness import (
    MARK_VAR,
    Home,
    kill_marked,
    marked_processes,
    poll_until,
    wait_until,
)
from faults.verdict import check, settle
from faults.workload import Workload, build


def _one_line(text: str) -> bool:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return len(lines) == 1 and "Traceback" not in text


def _runs(home: Home, task: str) -> list[dict[str, Any]]:
    result = home.cli("run", "list", "--task", task, "--json")
    runs: list[dict[str, Any]] = result.json() if result.code == 0 else []
    return sorted(runs, key=lambda r: r["attempt"])


def sigterm(folder: Path) -> dict[str, Any]:
    """SIGTERM while a retried command runs: `interrupted`, the tree stopped, retried at the
    next start by the task's policy."""
    home = Home(folder / "home")
    mark = f"sigterm-{time.time_ns()}"
    try:
        added = home.cli("task", "add", "long", "--command", "sh -c 'setsid sleep 60 & sleep 60'",
                 "--retries", "2", "--retry-delay", "0.1", "--env", f"{MARK_VAR}={mark}",
                 "--manual")
        if added.code != 0:
            raise RuntimeError(added.err.strip())
        eng = home.engine(grace=1)
        eng.wait_for("engine running")
        home.cli("task", "run", "long")
        wait_until(lambda: [r for r in _runs(home, "long") if r["status"] == "running"], 20)
        wait_until(lambda: len(marked_processes(mark)) >= 2, 10)
        code = eng.stop()
        first = _runs(home, "long")[0]
        left = len(marked_processes(mark))
        again = home.engine(grace=1)
        again.wait_for("engine running")
        retried = poll_until(lambda: [r for r in _runs(home, "long")
                                      if r["attempt"] == 2 and r["status"] == "running"], 20)
        for run in _runs(home, "long"):
            if run["status"] in ("queued", "waiting", "running", "retrying"):
                home.cli("run", "cancel", str(run["id"]))
        cancelled = poll_until(lambda: home.active_runs() == 0, 20) is not None
        again.stop()
        verdict = {
            "runs": len(_runs(home, "long")), "first_status": first["status"],
            "engine_exit": code, "orphaned_processes": left + len(marked_processes(mark)),
            "retried": bool(retried), "retry_cancelled": cancelled,
            "integrity_ok": not home.integrity(),
            "audit_ok": bool(home.audit_verify().get("ok")),
        }
        verdict["summary"] = (f"attempt 1 ended {first['status']}, engine exit {code}, "
                              f"{verdict['orphaned_processes']} processes left, attempt 2 "
                              f"{'started at the next start' if retried else 'never started'}"
                              f"{'' if cancelled else ' and could not be cancelled'}")
        verdict["ok"] = (first["status"] == "interrupted" and code == 0 and not
                         verdict["orphaned_processes"] and verdict["retried"]
                         and verdict["retry_cancelled"]
                         and verdict["integrity_ok"] and verdict["audit_ok"])
        return verdict
    finally:
        home.stop_all()
        kill_marked(mark)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def foreign(folder: Path) -> dict[str, Any]:
    """Someone else's SQLite file where the store would be: refused, not one byte changed."""
    home = Home(folder / "home")
    home.path.mkdir(mode=0o700, parents=True)
    con = sqlite3.connect(home.db)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('mine')")
    con.commit()
    con.close()
    before = _digest(home.db)
    listed = home.cli("task", "list")
    added = home.cli("task", "add", "x", "--command", "true", "--manual")
    eng = home.engine()
    code = eng.exit_code(30)
    verdict: dict[str, Any] = {
        "list_exit": listed.code, "add_exit": added.code, "engine_exit": code,
        "one_line": _one_line(listed.err) and _one_line(added.err),
        "unchanged": _digest(home.db) == before,
        "no_wal": not any(Path(str(home.db) + s).exists() for s in ("-wal", "-shm")),
        "integrity_ok": True, "audit_ok": True,
    }
    verdict["summary"] = (f"list / add / engine exit {listed.code} / {added.code} / {code}, "
                          f"file {'unchanged' if verdict['unchanged'] else 'CHANGED'}, "
                          f"{'no -wal or -shm' if verdict['no_wal'] else '-wal/-shm created'}")
    verdict["ok"] = (listed.code != 0 and added.code != 0  # (not a Tickwork store: the
                     and code == EXIT_DAMAGED  # engine's own status, not restarted)
                     and verdict["one_line"] and verdict["unchanged"] and verdict["no_wal"])
    return verdict


def _populated(folder: Path, tasks: int = 40) -> Home:
    home = Home(folder / "home")
    home.import_tasks([{"name": f"t{i:03d}", "description": "x" * 2000,
                        "action": {"kind": "command", "argv": ["true"]},
                        "schedule": {"kind": "manual"}} for i in range(tasks)])
    return home


def damaged(folder: Path) -> dict[str, Any]:
    """Random pages overwritten: the engine refuses with one line (and its own status, which
    its systemd unit does not restart), nothing is written into the store, `tickwork check`
    names the problems."""
    home = _populated(folder, 200)
    rng = random.Random(7)
    size = home.db.stat().st_size
    page = 4096
    with home.db.open("r+b") as fh:
        for n in rng.sample(range(2, size // page), 3):
            fh.seek(n * page)
            fh.write(rng.randbytes(page))
    before = _digest(home.db)
    eng = home.engine()
    code = eng.exit_code(30)
    added = home.cli("task", "add", "more", "--command", "true", "--manual")
    checked = home.cli("check")
    verdict: dict[str, Any] = {
        "engine_exit": code, "engine_one_line": "Traceback" not in eng.text(),
        "add_exit": added.code, "add_one_line": _one_line(added.err),
        "check_exit": checked.code, "check_lines": len(checked.out.splitlines()),
        "unchanged": _digest(home.db) == before, "integrity_ok": False, "audit_ok": True,
    }
    verdict["summary"] = (f"engine exit {code}, task add exit {added.code}, check exit "
                          f"{checked.code} ({len(checked.out.splitlines())} problem"
                          f"{'' if len(checked.out.splitlines()) == 1 else 's'}), file "
                          f"{'unchanged' if verdict['unchanged'] else 'WRITTEN'}")
    verdict["ok"] = (code == EXIT_DAMAGED and verdict["engine_one_line"] and added.code != 0
                     and verdict["add_one_line"] and checked.code == 1
                     and checked.out.strip() != "" and verdict["unchanged"])
    return verdict


def rollback(folder: Path) -> dict[str, Any]:
    """An older copy of the whole store put back: `audit --verify` says how many events are
    missing; a restore made with `tickwork restore` verifies."""
    home = _populated(folder, 5)
    backup = home.cli("backup", str(folder / "manual.db"))  # a legitimate backup
    old = folder / "old.db"  # and a copy someone keeps aside
    src = sqlite3.connect(home.db)
    dst = sqlite3.connect(old)
    src.backup(dst)
    dst.close()
    src.close()
    for i in range(3):
        home.cli("task", "add", f"late{i}", "--command", "true", "--manual")
    shutil.copyfile(old, home.db)  # put back behind Tickwork's back, no engine running
    for suffix in ("-wal", "-shm"):
        Path(str(home.db) + suffix).unlink(missing_ok=True)
    os.chmod(home.db, 0o600)
    tampered = home.audit_verify()
    restored = home.cli("restore", str(folder / "manual.db"))
    after = home.audit_verify()
    verdict = {
        "tampered_detected": not tampered.get("ok"),
        "tamper_problem": tampered.get("problem"), "backup_exit": backup.code,
        "restore_exit": restored.code, "restored_verifies": bool(after.get("ok")),
        "integrity_ok": not home.integrity(), "audit_ok": bool(after.get("ok")),
    }
    verdict["summary"] = (f"older copy: \"{tampered.get('problem')}\"; after `restore`: "
                          f"{'verifies' if verdict['restored_verifies'] else 'FAILS'}")
    verdict["ok"] = (verdict["tampered_detected"] and "missing" in str(tampered.get("problem"))
                     and backup.code == 0 and restored.code == 0
                     and verdict["restored_verifies"] and verdict["integrity_ok"])
    return verdict


ALL: dict[str, Callable[[Path], dict[str, Any]]] = {
    "sigterm": sigterm, "foreign database": foreign, "damaged pages": damaged,
    "rolled-back store": rollback,
}


def disk_full(folder: Path) -> dict[str, Any]:
    """A real full file system under the home (a small tmpfs, filled up while the engine
    runs): the engine stalls and says so once, fires nothing meanwhile, and when space is
    back catches up every missed fire; nothing committed is lost, the store stays intact."""
    home = Home(folder / "home")
    home.path.mkdir(mode=0o700, parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs",
                              str(home.path)], capture_output=True, text=True)
    if mounted.returncode != 0:
        return {"ok": True, "skipped": f"cannot mount a small tmpfs: {mounted.stderr.strip()}"}
    eng = None
    try:
        start = datetime.now(UTC) + timedelta(seconds=1)
        work = build(folder / "work", 0, start, start + timedelta(seconds=7), "disk-full",
                     random.Random(5))
        tasks = [{"name": f"tick{i}", "timezone": "UTC", "catch_up": "all",
                  "schedule": {"kind": "interval", "seconds": 1},
                  "start_at": (start + timedelta(milliseconds=97 * i)).isoformat(),
                  "end_at": work.end.isoformat(),
                  "action": {"kind": "python", "target": "faults.actions:record",
                             "kwargs": {"path": str(work.executions), "name": f"tick{i}",
                                        "pause": 0.0}}} for i in range(8)]
        work = Workload(tasks, work.executions, work.overlaps, work.mark, start, work.end)
        home.import_tasks(tasks)
        eng = home.engine()
        eng.wait_for("engine running")
        wait_until(lambda: len(home.ledger()) >= 16, 30)
        committed = home.ledger()
        before_fill = len(eng.text().splitlines())
        filler = home.path / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:  # every byte the file system has left, unbuffered (a close must not raise)
            while os.write(fd, b"\0" * 65536):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        # fires fall due while nothing can be written: once the engine has said so, 2 s
        # more (its writer retries twice meanwhile; a retry that said so again would show)
        poll_until(lambda: any(" ERROR " in line
                               for line in eng.text().splitlines()[before_fill:]), 10)
        time.sleep(2)
        during = eng.text().splitlines()[before_fill:]
        filler.unlink()
        unsettled = settle(home, work, 60)
        code = eng.stop()
        verdict = check(home, work, committed, unsettled)
        log = eng.text()
        verdict.update(
            engine_exit=code, tracebacks=log.count("Traceback"),
            said_full=sum(" ERROR " in line for line in during),
            log_lines_while_full=len(during))
        verdict["summary"] = (f"{verdict['said_full']} error line while full, "
                              f"{verdict['tracebacks']} tracebacks, every missed fire caught up")
        verdict["ok"] = (verdict["ok"] and code == 0 and verdict["tracebacks"] == 0
                         and verdict["said_full"] == 1)
        return verdict
    finally:
        if eng is not None:
            eng.stop()
        subprocess.run(["umount", "-l", str(home.path)], capture_output=True)


ALL["full disk"] = disk_full


def _busy_launchers(engine_pid: int) -> list[Any]:
    """The launcher processes of an engine (app/engine/launcher/) running commands now; one
    that ends meanwhile (a launcher idle for a while is let go) is not among them."""
    import psutil  # type: ignore[import-untyped]  # no stubs installed

    found = []
    for child in psutil.Process(engine_pid).children():
        try:
            if "app.engine.launcher" in child.cmdline() and child.children():
                found.append(child)
        except psutil.Error:
            continue
    return found


def launcher_kills(folder: Path, tasks: int = 40, kills: int = 6, seed: int = 5
                   ) -> dict[str, Any]:
    """kill -9 of the engine's launcher processes at random moments while one engine runs a
    mixed workload: the commands they ran end `interrupted`, their trees are stopped before
    their retries start, a new launcher takes over; nothing lost, run twice or left behind."""
    rng = random.Random(seed)
    home = Home(folder / "home")
    mark = f"launcher-{seed}-{time.time_ns()}"
    t0 = datetime.now(UTC) + timedelta(seconds=1 + tasks / 200)  # what falls due before
    # the engine is up is caught up (catch-up `all`) and checked all the same
    work = build(folder / "work", tasks, t0, t0 + timedelta(seconds=kills * 1.2 + 2), mark, rng)
    home.import_tasks(work.tasks)
    killed = 0
    try:
        eng = home.engine(grace=10)
        eng.wait_for("engine running")
        wait_until(lambda: datetime.now(UTC) > t0, 30)
        while killed < kills:
            time.sleep(rng.uniform(0.2, 1.0))
            busy = poll_until(lambda: _busy_launchers(eng.proc.pid), 5, 0.02)
            if busy:
                rng.choice(busy).kill()
                killed += 1
        unsettled = settle(home, work, 120)
        alive = eng.proc.poll() is None
        code = eng.stop()
        verdict = check(home, work, {}, unsettled)
        interrupted = int(verdict["statuses"].get("interrupted", 0))
        verdict.update(launchers_killed=killed, engine_stayed_up=alive, final_exit=code)
        verdict["summary"] = (f"{killed} kill -9 of a launcher over {tasks} tasks: "
                              f"{verdict['runs']:,} runs, {interrupted} interrupted")
        verdict["ok"] = verdict["ok"] and alive and code == 0
        return verdict
    finally:
        home.stop_all()
        kill_marked(mark)


ALL["launcher kill -9"] = launcher_kills
