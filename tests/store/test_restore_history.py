"""A restore keeps the runs made after the backup, so nothing runs twice.

The backup is a moment; the engine went on. Restoring it alone forgot the runs since and ran
them again: the next engine caught up the latest fire (which had run) and retried a run the
backup caught `running` (which had finished). The first test is a person's round trip
through the CLI with a real engine; the others build the two stores by hand."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import StoreError
from app.restore import restore_store
from app.store import backup
from app.store.database import Store
from app.store.home import DB_NAME
from app.store.models import MetricSample, RunOutput, RunRow
from faults.harness import wait_until
from tests.conftest import command_task
from tests.support import tickwork

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _runs(cli: Any) -> list[dict[str, Any]]:
    out = cli("run", "list", "--limit", "1000", "--json")
    assert out.code == 0, out.err
    return list(out.json())


def engine_until(home: Path, log: Path, done: Any, *, kill: bool = False) -> None:
    """A real engine over `home` until `done()`; then SIGTERM (a clean stop), or SIGKILL."""
    with log.open("a") as err:
        proc = tickwork.start(["--home", str(home), "engine", "--grace", "5"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(done, 30)
    finally:
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        code = proc.wait(30)
        assert code == (-signal.SIGKILL if kill else 0), \
            f"the engine exited {code}; its log ends:\n{log.read_text()[-4000:]}"


def test_a_run_a_killed_engine_left_running_is_stopped_and_never_runs_beside_itself(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """The backup holds the run `queued`; a killed engine left it running. Restoring that
    backup made the next engine start it again beside the first copy, which ran on
    (found by a fault hunt)."""
    marks = tmp_path / "marks"
    pid_file = tmp_path / "pid"
    assert cli("task", "add", "job", "--manual", "--shell", "--command",
               f'echo start >> {marks}; echo $$ > {pid_file}; exec sleep 60').code == 0
    assert cli("task", "run", "job").code == 0
    kept = tmp_path / "queued.db"
    assert cli("backup", str(kept)).code == 0
    engine_until(home, tmp_path / "engine.log", lambda: pid_file.exists()
                  and pid_file.read_text().strip(), kill=True)
    pid = int(pid_file.read_text())
    assert _alive(pid)
    restored = cli("restore", str(kept))
    assert restored.code == 0, restored.err
    assert "1 run a killed engine left unfinished: what they still ran was stopped first " \
           "and they were marked interrupted" in restored.out
    assert not _alive(pid)
    (run,) = _runs(cli)
    assert run["status"] == "interrupted"  # (it showed `running` until an engine started)
    second = tmp_path / "engine-after.log"
    engine_until(home, second, lambda: "engine running" in second.read_text())
    assert marks.read_text().split() == ["start"]  # once: no retry (no retries asked)
    assert [r["status"] for r in _runs(cli)] == ["interrupted"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][:1] not in ("Z", "X")
    except FileNotFoundError:
        return False


def test_fires_whose_runs_were_pruned_and_a_task_deleted_since_are_not_run_again(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """Retention pruned the runs of fires made after the backup, and a one-shot that fired
    was deleted: the restore re-ran both while saying "none runs again" (a fault hunt).
    Nothing of either runs again; ids are not given twice."""
    fires = tmp_path / "fires"
    at = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert cli("task", "add", "tick", "--every", "1s", "--catch-up", "all", "--keep-runs",
               "1", "--keep-days", "0", "--shell", "--command",
               f'echo "tick $TICKWORK_SCHEDULED_FOR" >> {fires}').code == 0
    assert cli("task", "add", "payroll", "--at", at, "--shell", "--command",
               f'echo "payroll $TICKWORK_SCHEDULED_FOR" >> {fires}').code == 0
    kept = tmp_path / "before.db"
    assert cli("backup", str(kept)).code == 0

    def ran(word: str, n: int) -> Any:
        return lambda: fires.exists() and fires.read_text().count(word) >= n

    def pruned() -> bool:  # (retention looks 5 s after runs finish)
        ticks = [r for r in _runs(cli) if r["task_name"] == "tick"]
        return ran("tick", 4)() and ran("payroll", 1)() and len(ticks) == 1

    engine_until(home, tmp_path / "engine.log", pruned)
    seen = {r["id"] for r in _runs(cli)}
    assert cli("task", "delete", "payroll").code == 0
    restored = cli("restore", str(kept))
    assert restored.code == 0, restored.err
    assert "1 task deleted since the backup came back paused (“payroll”)" in restored.out
    before = fires.read_text().count("tick")
    engine_until(home, tmp_path / "engine.log", ran("tick", before + 2))
    lines = fires.read_text().split("\n")
    assert len([x for x in lines if x]) == len({x for x in lines if x}), lines
    assert fires.read_text().count("payroll") == 1
    assert min(r["id"] for r in _runs(cli) if r["id"] not in seen) > max(seen)


def test_restoring_a_backup_runs_nothing_again_and_keeps_the_runs_since(
        home: Path, cli: Any, tmp_path: Path) -> None:
    ran = tmp_path / "ran.txt"  # each execution of the command leaves its run id here
    added = cli("task", "add", "tick", "--every", "1s", "--shell", "--command",
                f'echo "$TICKWORK_RUN_ID" >> {ran}')
    assert added.code == 0, added.err
    kept = tmp_path / "before.db"
    assert cli("backup", str(kept)).code == 0
    engine_log = tmp_path / "engine.log"

    def ok(n: int) -> Any:
        return lambda: sum(r["status"] == "succeeded" for r in _runs(cli)) >= n

    engine_until(home, engine_log, ok(2))
    # every run since the backup counts, whatever its end (a loaded machine's stop can leave
    # a fire skipped or a run interrupted beside the ones that succeeded)
    made = _runs(cli)
    before = {r["id"] for r in made if r["status"] == "succeeded"}

    restored = cli("restore", str(kept))
    assert restored.code == 0, restored.err
    assert f"{len(made)} runs made since the backup taken as the replaced store has them" \
        in restored.out
    assert {r["id"] for r in _runs(cli)} >= before

    engine_until(home, engine_log, lambda: any(
        r["id"] > max(before) and r["status"] == "succeeded" for r in _runs(cli)))
    runs = _runs(cli)
    executions = sorted(int(line) for line in ran.read_text().split())
    assert executions == sorted(r["id"] for r in runs if r["status"] == "succeeded")
    fires = [r["scheduled_for"] for r in runs]
    assert len(fires) == len(set(fires)), runs
    events = cli("audit", "--search", "store.restore", "--json")
    assert events.code == 0, events.err
    (event,) = events.json()
    assert event["after"]["runs_carried_over"] == len(made)  # (as it said: any end)


def _store_with_a_run(home: Path, status: str) -> tuple[int, int]:
    from app.service import Service

    store = Store.open(home, now=T0)
    try:
        task = Service(store, "cli").create_task(command_task("t"), now=T0)
        with store.write():
            run = RunRow.create(task=task.id, scheduled_for=T0, attempt=1, status=status,
                                trigger="schedule", queued_at=T0, started_at=T0)
        return task.id, run.id
    finally:
        store.close()


def test_a_run_the_backup_caught_running_ends_as_it_ended_and_later_runs_come_with_output(
        home: Path, tmp_path: Path) -> None:
    task_id, run_id = _store_with_a_run(home, "running")
    kept = backup.make(home, tmp_path / "while-running.db")
    store = Store.open(home)
    try:
        with store.write():
            RunRow.update(status="succeeded", finished_at=T0 + timedelta(seconds=3),
                          exit_code=0).where(RunRow.id == run_id).execute()
            later = RunRow.create(task=task_id, scheduled_for=T0 + timedelta(minutes=1),
                                  attempt=1, status="failed", trigger="schedule",
                                  exit_code=3, parent_run=run_id, error="exit 3")
            RunOutput.create(run=later.id, seq=0, stream="stderr", text="disk?", at=T0)
            MetricSample.create(at=T0, kind="run", run=later.id, values={"cpu": 1.0})
            MetricSample.create(at=T0, kind="system", run=None, values={"cpu": 9.0})
    finally:
        store.close()

    rows = _restored_runs(home, kept, carried=(1, 1))
    assert rows[run_id].status == "succeeded" and rows[run_id].exit_code == 0
    assert rows[later.id].status == "failed" and rows[later.id].parent_run_id == run_id
    store = Store.open(home)
    try:
        assert [o.text for o in RunOutput.select().where(RunOutput.run == later.id)] == ["disk?"]
        assert MetricSample.select().where(MetricSample.run == later.id).count() == 1
        assert [m.kind for m in MetricSample.select().where(MetricSample.run.is_null())] == \
            ["system"]  # the machine's samples since the backup too: no gap in Metrics
    finally:
        store.close()


def _restored_runs(home: Path, file: Path, carried: tuple[int, int]) -> dict[int, Any]:
    """Restore `file` into `home`, check how many runs were (added, updated) on the way,
    and read the restored runs by id."""
    said = restore_store(home, file, actor="cli")
    assert (said.carried.added, said.carried.updated) == carried
    store = Store.open(home)
    try:
        return {r.id: r for r in RunRow.select()}
    finally:
        store.close()


def test_runs_of_another_store_are_not_carried(tmp_path: Path) -> None:
    """A backup of a different store (its task 1 made at another time) restored over this
    one takes none of this one's runs: task 1 is not the same task."""
    other = tmp_path / "other"
    _store_with_a_run(other, "succeeded")
    theirs = backup.make(other, tmp_path / "other.db")
    mine = tmp_path / "mine"
    store = Store.open(mine, now=T0)
    try:
        from app.service import Service

        task = Service(store, "cli").create_task(command_task("t"),
                                                  now=T0 + timedelta(hours=1))
        with store.write():
            RunRow.create(task=task.id, scheduled_for=T0 + timedelta(hours=2), attempt=1,
                          status="succeeded", trigger="schedule")
    finally:
        store.close()
    said = restore_store(mine, theirs, actor="cli")
    assert (said.carried.added, said.carried.updated) == (0, 0)
    assert not any("taken as the replaced store" in x for x in said.sentences())
    store = Store.open(mine)
    try:
        assert RunRow.select().count() == 1
    finally:
        store.close()


def test_a_damaged_replaced_store_is_said_and_the_restore_goes_on(home: Path,
                                                                 tmp_path: Path) -> None:
    _store_with_a_run(home, "succeeded")
    kept = backup.make(home, tmp_path / "good.db")
    (home / DB_NAME).write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # not a database
    said = restore_store(home, kept, actor="cli")
    assert said.carried.unreadable
    assert "fires since the backup follow each task's catch-up policy" in said.sentences()[-1]
    store = Store.open(home)
    try:
        assert RunRow.select().count() == 1
    finally:
        store.close()
    assert json.dumps(said.sentences())


def test_a_version_1_backup_takes_the_runs_since_and_is_then_migrated(home: Path,
                                                                     tmp_path: Path) -> None:
    """The backup is older than this Tickwork (schema 1, without today's run columns): the
    runs are carried in the columns both have, before the restored store is migrated."""
    from tests.store.test_migration import _v1_store

    _v1_store(home)
    old = backup.make(home, tmp_path / "v1.db")
    store = Store.open(home)  # migrated to this version
    try:
        (running,) = RunRow.select().where(RunRow.status == "running")
        with store.write():
            RunRow.update(status="succeeded", exit_code=0, pgid=4242,
                          finished_at=T0).where(RunRow.id == running.id).execute()
            later = RunRow.create(task=running.task_id, scheduled_for=T0, attempt=1,
                                  status="failed", trigger="schedule", exit_code=1, pgid=77)
    finally:
        store.close()
    rows = _restored_runs(home, old, carried=(1, 1))
    assert rows[running.id].status == "succeeded"
    assert rows[later.id].status == "failed" and rows[later.id].pgid is None


def test_a_write_while_a_restore_runs_is_refused_not_lost(home: Path, cli: Any,
                                                          tmp_path: Path) -> None:
    """A task added and a run queued during a long restore said "created" and "queued",
    exit 0, and were in neither the restored store nor the kept copy (a fault hunt): a
    write is refused while a restore holds the store, and after one replaced it."""
    from app.service import Service
    from app.store.lock import EngineLock

    assert cli("task", "add", "t", "--manual", "--command", "true").code == 0
    kept = tmp_path / "before.db"
    assert cli("backup", str(kept)).code == 0
    restoring = EngineLock(home)
    assert restoring.try_acquire(f"restore:{kept}")  # what `tickwork restore` holds
    try:
        added = cli("task", "add", "during", "--manual", "--command", "true")
        assert added.code == 1
        assert "a restore is replacing" in added.err and "nothing was written" in added.err
    finally:
        restoring.release()
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["t"]

    store = Store.open(home)  # a command that opened the store before the restore began,
    try:  # and writes once it has ended: the file it opened is not the store any more
        assert cli("restore", str(kept)).code == 0
        with pytest.raises(StoreError, match="was replaced by a restore"):
            Service(store, "cli").create_task(command_task("late"))
    finally:
        store.close()
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["t"]


def test_a_backup_of_another_home_names_the_secrets_this_keyring_lacks(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """Restored into another home (another keyring slot), a store's secrets were listed as
    if present, `check` said ok, and the first run failed (a fault hunt): the restore and
    `secret list` name what is missing."""
    other = tmp_path / "other-home"
    elsewhere = tickwork.run(["--home", str(other), "secret", "set", "apikey"],
                             input="hunter2", timeout=60)
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert tickwork.run(["--home", str(other), "task", "add", "uses", "--manual",
                         "--command", "true", "--secret-env", "KEY=apikey"],
                        timeout=60).returncode == 0
    kept = tmp_path / "other.db"
    assert tickwork.run(["--home", str(other), "backup", str(kept)],
                        timeout=60).returncode == 0
    restored = cli("restore", str(kept))
    assert restored.code == 0, restored.err
    assert "1 secret of the restored store (apikey) not in this home's keyring" in restored.out
    listed = cli("secret", "list")
    assert listed.out.split() == ["apikey"]
    assert "not in this home's keyring: apikey" in listed.err
    assert cli("secret", "set", "apikey", stdin="hunter2").code == 0
    assert "not in" not in cli("secret", "list").err


def test_an_engine_started_during_a_restore_says_it_waits_for_the_restore(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """It logged "engine pid N holds this store", N the restore's (a fault hunt)."""
    from app.store.lock import EngineLock

    assert cli("task", "add", "t", "--manual", "--command", "true").code == 0
    restoring = EngineLock(home)
    assert restoring.try_acquire(f"restore:{tmp_path / 'b.db'}")
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        proc = tickwork.start(["--home", str(home), "engine"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: f"a restore (pid {os.getpid()}) holds this store" in
                   log.read_text(), 30)
        restoring.release()
        wait_until(lambda: "engine running" in log.read_text(), 30)
    finally:
        restoring.release()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0


def test_what_a_killed_restore_left_is_cleared_by_the_next(home: Path, tmp_path: Path
                                                            ) -> None:
    """A restore killed while carrying leaves its copy and the copy's journal; the next
    restore writes its copy afresh (a journal left beside it would be played into it)."""
    _store_with_a_run(home, "succeeded")
    kept = backup.make(home, tmp_path / "good.db")
    part = home / (DB_NAME + ".restore")
    part.write_bytes(b"half a copy")
    Path(str(part) + "-journal").write_bytes(b"a journal of another copy")
    restore_store(home, kept, actor="cli")
    assert not part.exists() and not Path(str(part) + "-journal").exists()
    store = Store.open(home, check=True)
    try:
        assert RunRow.select().count() == 1
    finally:
        store.close()


def _marks(path: Path) -> list[str]:
    return [x for x in path.read_text().splitlines() if x] if path.exists() else []


def test_tasks_deleted_since_come_back_paused_and_their_unfinished_runs_are_given_up(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """A queued run of a task deleted since the backup ran again under its old id, and an
    --after task deleted since fired again for an upstream success it had followed (a
    second fault hunt): such tasks come back paused, such runs interrupted."""
    marks = tmp_path / "marks"
    line = f'echo "$TICKWORK_TASK $TICKWORK_RUN_ID" >> {marks}'
    for args in (["job", "--manual"], ["A", "--manual"], ["B", "--after", "A"]):
        assert cli("task", "add", *args, "--shell", "--command", line).code == 0
    assert cli("task", "run", "job").code == 0
    kept = tmp_path / "before.db"
    assert cli("backup", str(kept)).code == 0
    assert cli("task", "run", "A").code == 0
    engine_until(home, tmp_path / "engine.log", lambda: len(_marks(marks)) == 3)
    for name in ("job", "B"):
        assert cli("task", "delete", name, "--force").code == 0
    assert cli("task", "add", "newer", "--manual", "--command", "true").code == 0
    restored = cli("restore", str(kept))
    assert restored.code == 0, restored.err
    assert "1 task the backup does not have (“newer”) gone with its runs: it is in the kept " \
           "copy" in restored.out
    assert "2 tasks deleted since the backup came back paused (“job”, “B”)" in restored.out
    assert "1 run the backup caught unfinished, whose end is not known here, marked " \
           "interrupted, not run again" in restored.out
    engine_until(home, tmp_path / "engine.log", lambda: "engine running" in
                  (tmp_path / "engine.log").read_text().split("engine stopped")[-1])
    assert sorted(_marks(marks)) == ["A 2", "B 3", "job 1"]
    tasks = {t["name"]: t for t in cli("task", "list", "--json").json()}
    assert not tasks["job"]["enabled"] and not tasks["B"]["enabled"] and tasks["A"]["enabled"]


def test_undoing_a_restore_with_the_copy_it_kept_runs_no_fire_twice_nor_gives_an_id_twice(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """Restoring the store a restore had replaced (the copy it names) ran 6 fires twice
    and gave run ids 1–6 again (a second fault hunt)."""
    marks = tmp_path / "marks"
    assert cli("task", "add", "tick", "--every", "1s", "--catch-up", "all", "--shell",
               "--command", f'echo "$TICKWORK_SCHEDULED_FOR $TICKWORK_RUN_ID" >> {marks}'
               ).code == 0
    kept = tmp_path / "before.db"
    assert cli("backup", str(kept)).code == 0
    assert cli("task", "update", "tick", "--description", "since the backup").code == 0
    log = tmp_path / "engine.log"
    engine_until(home, log, lambda: len(_marks(marks)) >= 3)
    first = cli("restore", str(kept))
    assert first.code == 0, first.err
    replaced = Path(first.out.split("the store it replaced is kept as ")[1].split(";")[0]
                    .strip())
    done = len(_marks(marks))
    engine_until(home, log, lambda: len(_marks(marks)) >= done + 3)
    undo = cli("restore", str(replaced))
    assert undo.code == 0, undo.err
    done = len(_marks(marks))
    engine_until(home, log, lambda: len(_marks(marks)) >= done + 2)
    fires = [x.split()[0] for x in _marks(marks)]
    ids = [x.split()[1] for x in _marks(marks)]
    assert len(fires) == len(set(fires)), _marks(marks)
    assert len(ids) == len(set(ids)), _marks(marks)


def test_a_backup_from_before_any_task_gives_no_id_twice(home: Path, cli: Any,
                                                        tmp_path: Path) -> None:
    """A backup made before any task or run existed (an engine's first daily backup): the
    task and run made after it got ids 1 again (a second fault hunt)."""
    assert cli("settings").code == 0
    kept = tmp_path / "empty.db"
    assert cli("backup", str(kept)).code == 0
    assert cli("task", "add", "A", "--manual", "--command", "true").code == 0
    assert cli("task", "run", "A").code == 0
    assert cli("task", "delete", "A", "--force").code == 0
    assert cli("restore", str(kept)).code == 0
    added = cli("task", "add", "B", "--manual", "--command", "true", "--json")
    assert added.code == 0, added.err
    assert added.json()["id"] == 2
    queued = cli("task", "run", "B", "--json")
    assert queued.json()["id"] == 2, queued.out


def test_a_one_shot_moved_since_the_backup_runs_once(home: Path, cli: Any,
                                                     tmp_path: Path) -> None:
    """A one-shot rescheduled after the backup ran at its new time, then again as the
    restored schedule's missed fire (a second fault hunt)."""
    marks = tmp_path / "marks"
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert cli("task", "add", "maint", "--at", later, "--shell", "--command",
               f'echo "$TICKWORK_RUN_ID" >> {marks}').code == 0
    kept = tmp_path / "before.db"
    assert cli("backup", str(kept)).code == 0
    soon = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert cli("task", "reschedule", "maint", "--at", soon).code == 0
    log = tmp_path / "engine.log"
    engine_until(home, log, lambda: len(_marks(marks)) == 1)
    restored = cli("restore", str(kept))
    assert "1 task whose schedule or pause changed since (“maint”): the backup's is back, " \
           "without catching up fires before now (a one-shot that has run does not run " \
           "again)" in restored.out, restored.out
    (task,) = cli("task", "list", "--json").json()
    assert task["next_run_at"] is None  # it ran: not again in 5 minutes as the backup had it
    engine_until(home, log, lambda: "engine running" in
                  log.read_text().split("engine stopped")[-1])
    assert len(_marks(marks)) == 1


def test_a_second_restore_meanwhile_is_told_a_restore_holds_the_store(home: Path, cli: Any,
                                                                      tmp_path: Path) -> None:
    """It was told an engine held the store (the pid was the first restore's)."""
    from app.store.lock import EngineLock

    assert cli("task", "add", "t", "--manual", "--command", "true").code == 0
    kept = tmp_path / "b.db"
    assert cli("backup", str(kept)).code == 0
    restoring = EngineLock(home)
    assert restoring.try_acquire(f"restore:{kept}")
    try:
        second = cli("restore", str(kept))
    finally:
        restoring.release()
    assert second.code == 1
    assert f"a restore (pid {os.getpid()}) is under way in {home}" in second.err, second.err


def test_a_task_retimed_since_catches_up_nothing_before_the_restore(home: Path,
                                                                    tmp_path: Path) -> None:
    """The backup's schedule comes back, but which of its fires ran is not known: its next
    fire is after the restore, as after an edit of its timing, and the task is named."""
    from app.service import Service

    store = Store.open(home, now=T0)
    try:
        Service(store, "cli").create_task(command_task(
            "poll", schedule={"kind": "interval", "seconds": 60}), now=T0)
    finally:
        store.close()
    kept = backup.make(home, tmp_path / "before.db")
    store = Store.open(home)
    try:
        Service(store, "cli").update_task("poll", {"schedule": {
            "kind": "interval", "seconds": 120}}, now=T0 + timedelta(minutes=1))
    finally:
        store.close()
    later = T0 + timedelta(minutes=30)  # 29 fires of the backup's schedule lie before it
    said = restore_store(home, kept, actor="cli", now=later)
    assert said.skipped == ("poll",)
    store = Store.open(home)
    try:
        (task,) = Service(store, "cli").list_tasks()
        assert task.next_run_at is not None and task.next_run_at > later
    finally:
        store.close()
