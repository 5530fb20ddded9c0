"""Points 7 and 8 through the CLI: a damaged store is refused (engine, writes) with one line
naming the newest backup; `check` lists the problems; `backup` and `restore` bring it back."""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any

from app.store.database import Store
from tests.conftest import ROOT, command_task
from tests.support import tickwork

PAGE = 4096


def fill(home: Path, tasks: int = 300) -> None:
    from app.service import Service

    store = Store.open(home)
    try:
        service = Service(store, "cli")
        for i in range(tasks):
            service.create_task(command_task(f"task-{i:04d}", description="x" * 200))
    finally:
        store.close()


def damage(db: Path, pages: int = 4, seed: int = 9) -> None:
    """Overwrite a few pages in the middle of the file with random bytes."""
    assert not Path(str(db) + "-wal").exists() or Path(str(db) + "-wal").stat().st_size == 0
    count = db.stat().st_size // PAGE
    assert count > 20
    rng = random.Random(seed)
    with db.open("r+b") as fh:
        for page in range(count // 2, count // 2 + pages):
            fh.seek(page * PAGE)
            fh.write(rng.randbytes(PAGE))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_a_damaged_stores_hint_names_the_newest_backup_restore_takes(home: Path, cli: Any
                                                                     ) -> None:
    """The newest backup is itself cut short: the hint names the older sound one, and the
    `restore` it gives works."""
    fill(home)
    assert cli("backup").code == 0
    (sound,) = (home / "backups").iterdir()
    assert cli("backup").code == 0
    (cut,) = [p for p in (home / "backups").iterdir() if p != sound]
    with cut.open("r+b") as fh:
        fh.truncate(cut.stat().st_size // 2)
    damage(home / "tickwork.db")
    line = one_line(cli("task", "list").err)
    assert "is damaged" in line and str(cut) not in line and str(sound) in line
    assert cli("restore", str(sound)).code == 0
    assert cli("check").code == 0


def test_damaged_store_is_refused_and_restored_from_backup(home: Path, cli: Any) -> None:
    fill(home)
    made = cli("backup")
    assert made.code == 0, made.err
    backups = list((home / "backups").iterdir())
    assert len(backups) == 1
    backup = backups[0]
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "backups").stat().st_mode) == 0o700
    assert cli("check").code == 0

    db = home / "tickwork.db"
    damage(db)
    before = digest(db)

    engine = cli("engine", timeout=60)
    assert engine.code == 65  # (not 1: its systemd unit does not start it again for nothing)
    line = one_line(engine.err)
    assert "is damaged" in line and str(backup) in line and "restore" in line

    add = cli("task", "add", "new", "--command", "true", "--manual")
    assert add.code == 1
    assert "is damaged" in one_line(add.err)
    assert digest(db) == before  # nothing was written into it

    check = cli("check")
    assert check.code == 1
    assert check.out.strip(), "check names at least one problem"
    assert "Traceback" not in check.err
    # one line a problem, and the count in words ("1 problem(s)" it said)
    problems = len(check.out.strip().splitlines())
    assert f"is damaged: {problems} problem{'' if problems == 1 else 's'}. " in check.err, \
        check.err

    restored = cli("restore", str(backup))
    assert restored.code == 0, restored.err
    assert cli("check").code == 0
    listed = cli("task", "list", "--json")
    assert len(listed.json()) == 300
    events = cli("audit", "--json").json()
    assert events[0]["action"] == "store.restore"
    kept = [p for p in (home / "backups").iterdir() if p != backup]
    assert kept and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in kept)


def test_backup_to_a_file_and_restore_round_trip(home: Path, cli: Any, tmp_path: Path) -> None:
    assert cli("task", "add", "keep", "--command", "true", "--manual").code == 0
    target = tmp_path / "mine.db"
    assert cli("backup", str(target)).code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    again = cli("backup", str(target))
    assert again.code == 2 and "already exists" in again.err
    assert cli("task", "add", "later", "--command", "true", "--manual").code == 0
    assert cli("restore", str(target)).code == 0
    names = [t["name"] for t in cli("task", "list", "--json").json()]
    assert names == ["keep"]


def test_a_backup_of_a_home_with_nothing_stored_says_so(home: Path, cli: Any,
                                                       tmp_path: Path) -> None:
    """`tickwork backup` in a new home said only "…/tickwork.db: there is no store to back
    up", leaving a newcomer to wonder what went wrong (a newcomer's run-through)."""
    res = cli("backup", str(tmp_path / "b.db"))
    assert res.code == 1
    assert one_line(res.err) == (f"tickwork: error: {home / 'tickwork.db'}: there is no store "
                                 f"to back up: nothing has been stored in {home} yet")
    assert not (tmp_path / "b.db").exists()


def test_restore_refuses_what_is_not_a_sound_tickwork_store(home: Path, cli: Any,
                                                            tmp_path: Path) -> None:
    assert cli("task", "list").code == 0
    text = tmp_path / "notes.db"
    text.write_text("hello\n" * 100)
    res = cli("restore", str(text))  # the user's input: exit 2, said of the file, not the home
    line = one_line(res.err)
    assert res.code == 2 and "not a Tickwork backup" in line and "not an SQLite database" in line
    assert "--home" not in line
    res = cli("restore", str(tmp_path / "missing.db"))
    assert res.code == 2 and "no such file" in one_line(res.err)
    res = cli("restore", str(tmp_path))
    assert res.code == 2 and "is a folder, not a backup file" in one_line(res.err)



def test_restore_names_a_device_or_a_fifo_and_does_not_wait_on_it(home: Path, cli: Any,
                                                                   tmp_path: Path) -> None:
    """`restore /dev/null` said "is a folder"; a fifo is said too, never opened (opening
    one waits for a writer: the command would hang)."""
    assert cli("task", "add", "keep", "--command", "true", "--manual").code == 0
    before = (home / "tickwork.db").read_bytes()
    res = cli("restore", "/dev/null")
    assert res.code == 2, res.err
    assert one_line(res.err) == "tickwork: error: file: /dev/null is a character device, " \
        "not a backup file"
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    res = cli("restore", str(fifo), timeout=30)
    assert res.code == 2, res.err
    assert one_line(res.err) == f"tickwork: error: file: {fifo} is a fifo (named pipe), " \
        "not a backup file"
    assert (home / "tickwork.db").read_bytes() == before
    assert not (home / "backups").exists()

def test_restore_is_refused_while_an_engine_holds_the_store(home: Path, cli: Any,
                                                            tmp_path: Path) -> None:
    from tests.engine.conftest import EngineProcess

    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    target = tmp_path / "b.db"
    assert cli("backup", str(target)).code == 0
    proc = EngineProcess(home, tmp_path / "engine.log")
    try:
        proc.wait_for("engine running")
        res = cli("restore", str(target))
        assert res.code == 1
        assert one_line(res.err) == (  # how to stop it, for this home (a newcomer's find)
            f"tickwork: error: an engine (pid {proc.proc.pid}) holds {home}: stop it "
            f"(tickwork --home {home} engine stop, or quit its window) before restoring")
    finally:
        proc.proc.terminate()
        proc.proc.wait(30)
    assert cli("restore", str(target)).code == 0
    assert os.path.exists(home / "tickwork.db")


def test_engine_refuses_a_damaged_store_in_one_line_without_a_backup(home: Path,
                                                                    cli: Any) -> None:
    fill(home, 150)
    damage(home / "tickwork.db", seed=3)
    engine = cli("engine", timeout=60)
    assert engine.code == 65
    line = one_line(engine.err)
    assert "is damaged" in line and "no backup exists" in line and "tickwork check" in line
    assert not (home / "backups").exists()


def test_damage_met_by_a_running_engine_stops_it_once_in_one_line(home: Path, cli: Any,
                                                                   tmp_path: Path) -> None:
    import sqlite3

    from tests.engine.conftest import EngineProcess

    fill(home, 150)
    db = home / "tickwork.db"
    proc = EngineProcess(home, tmp_path / "engine.log")
    try:
        proc.wait_for("daily backup:")  # made at start: the refusal will name it
        count = db.stat().st_size // PAGE
        rng = random.Random(5)
        with db.open("r+b") as fh:  # every page but the first (the schema stays readable)
            for page in range(1, count):
                fh.seek(page * PAGE)
                fh.write(rng.randbytes(PAGE))
        poke = sqlite3.connect(db)  # a commit that touches only page 1: the engine looks
        poke.execute("PRAGMA user_version = 7")
        poke.close()
        code = proc.proc.wait(30)
    finally:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait(10)
    log = proc.text()
    assert code == 65, log
    assert "Traceback" not in log
    last = log.strip().splitlines()[-1]
    (daily,) = (home / "backups").iterdir()
    assert last.startswith("tickwork: error:") and "is damaged" in last
    assert f"restore {daily}" in last
    assert log.count("is damaged") == 2  # the engine's log line, then the exit line
    assert "Traceback" not in log and log.count(" ERROR ") == 1


def test_restore_into_a_new_home_on_another_machine(home: Path, cli: Any,
                                                     tmp_path: Path) -> None:
    assert cli("task", "add", "keep", "--command", "true", "--manual").code == 0
    target = tmp_path / "carried.db"
    assert cli("backup", str(target)).code == 0
    fresh = tmp_path / "new" / "home"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return tickwork.run(["--home", str(fresh), *args], timeout=60, cwd=ROOT)

    res = run("restore", str(target))
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    assert stat.S_IMODE((fresh / "tickwork.db").stat().st_mode) == 0o600
    listed = run("task", "list", "--json")
    assert [t["name"] for t in json.loads(listed.stdout)] == ["keep"]
    # the trail came keyed by the other home's keyring: adopted, its order checked, and
    # every event from the restore on keyed by this home's own key
    report = json.loads(run("audit", "--verify", "--json").stdout)
    assert report["ok"] and "another data home" in report["note"], report
    assert run("task", "add", "later", "--command", "true", "--manual").returncode == 0
    con = sqlite3.connect(fresh / "tickwork.db")
    con.execute("DELETE FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)")
    con.execute("UPDATE meta SET value = (SELECT hash FROM audit_event ORDER BY id DESC "
                "LIMIT 1) WHERE key = 'audit_head'")
    con.commit()
    con.close()
    tampered = run("audit", "--verify", "--json")
    assert tampered.returncode != 0 and not json.loads(tampered.stdout)["ok"]


def test_damage_met_by_a_read_command_is_one_line(home: Path, cli: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from app.service import Service
    from app.store.models import RunRow

    store = Store.open(home)
    try:
        task = Service(store, "cli").create_task(command_task("t"))
        start = datetime.now(UTC) - timedelta(days=1)
        with store.write():
            for i in range(3000):
                at = start + timedelta(seconds=i)
                RunRow.create(task=task.id, scheduled_for=at, attempt=1, status="succeeded",
                              trigger="schedule", queued_at=at, error="e" * 100)
    finally:
        store.close()
    db = home / "tickwork.db"
    count = db.stat().st_size // PAGE
    rng = random.Random(11)
    with db.open("r+b") as fh:  # the newest runs' pages
        for page in range(count - 6, count - 1):
            fh.seek(page * PAGE)
            fh.write(rng.randbytes(PAGE))
    res = cli("run", "list", "--limit", "5000")
    assert res.code == 1
    line = one_line(res.err)
    assert "is damaged" in line and "no backup exists" in line, line
