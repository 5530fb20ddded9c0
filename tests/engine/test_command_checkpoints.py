"""Commands checkpoint too: `$TICKWORK_CHECKPOINT_FILE` survives a `kill -9` of the engine and
the retry reads it back; `$TICKWORK_RUN_ID` / `$TICKWORK_ATTEMPT` name the run and attempt;
the file's content becomes the run's checkpoint (secrets masked) and goes once no retry
follows."""

from __future__ import annotations

import json
import sqlite3
import stat
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, command_task
from tests.engine.conftest import wait_until
from tests.support import tickwork

LAST = 20  # the counter's last step: 4 s of steps, so an orphan stopped at the next
# engine's start (well under a second) is still counting then
# counts to LAST, a step every 0.2 s, resuming from the checkpoint file; writes it atomically
COUNTER = (
    'n=$(cat "$TICKWORK_CHECKPOINT_FILE" 2>/dev/null || echo 0); '
    'echo "$TICKWORK_RUN_ID $TICKWORK_ATTEMPT $n $TICKWORK_CHECKPOINT_FILE" >> "$MARKS"; '
    f'while [ "$n" -lt {LAST} ]; do n=$((n+1)); echo "$n" >> "$STEPS"; '
    'echo "$n" > "$TICKWORK_CHECKPOINT_FILE.new"; '
    'mv "$TICKWORK_CHECKPOINT_FILE.new" "$TICKWORK_CHECKPOINT_FILE"; sleep 0.2; done')


def _add_counter(home: Path, tmp_path: Path, name: str, retries: int, steps: Path,
                 marks: Path) -> None:
    """The counting command as a task (through `tickwork import`: the export format keeps
    the shell line exactly as written)."""
    bulk = tmp_path / "tasks.json"
    bulk.write_text(json.dumps({"version": 1, "tasks": [{
        "name": name, "timezone": "UTC", "retries": retries, "retry_delay": 0.1,
        "env": {"STEPS": str(steps), "MARKS": str(marks)},
        "action": {"kind": "command", "argv": [COUNTER], "shell": True}}]}))
    imported = tickwork.run(["--home", str(home), "import", str(bulk)], cwd=ROOT)
    assert imported.returncode == 0, imported.stderr


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_command_killed_with_its_engine_resumes_from_its_checkpoint_file(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    steps, marks = tmp_path / "steps", tmp_path / "marks"
    _add_counter(home, tmp_path, "counter", 1, steps, marks)
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "run", "counter").code == 0
    wait_until(lambda: len(_lines(steps)) >= 2, 20, interval=0.01)
    first.kill9()  # the command lives on, orphaned, until the next engine stops it
    second = spawn("second")
    second.wait_for("engine running")
    wait_until(lambda: len(_lines(marks)) == 2 and str(LAST) in _lines(steps), 30)
    wait_until(lambda: json.loads(cli("run", "list", "--task", "counter", "--json").out)[0][
        "status"] == "succeeded", 15)
    second.stop()
    runs = sorted(json.loads(cli("run", "list", "--task", "counter", "--json").out),
                  key=lambda r: r["attempt"])
    assert [(r["attempt"], r["status"]) for r in runs] == [(1, "interrupted"), (2, "succeeded")]

    (run1, attempt1, from1, file1), (run2, attempt2, from2, file2) = (
        line.split() for line in _lines(marks))
    assert (int(run1), int(attempt1)) == (runs[0]["id"], 1)  # TICKWORK_RUN_ID / _ATTEMPT
    assert (int(run2), int(attempt2)) == (runs[1]["id"], 2)
    assert file1 == file2  # one file for every attempt of the fire
    assert from1 == "0" and int(from2) >= 2  # the retry resumed where the file said
    done = [int(x) for x in _lines(steps)]
    # every step at least once; only the step the kill cut off may be done twice
    assert sorted(set(done)) == list(range(1, LAST + 1)), done
    assert len(done) - len(set(done)) <= 1, done
    assert int(from2) < LAST  # the orphan was stopped before it finished
    assert done[-(LAST - int(from2)):] == list(range(int(from2) + 1, LAST + 1))
    assert not Path(file1).exists()  # the fire succeeded: its file is gone
    assert stat.S_IMODE(Path(file1).parent.stat().st_mode) == 0o700
    shown = json.loads(cli("run", "show", str(runs[1]["id"]), "--json").out)
    assert shown["status"] == "succeeded"


def _checkpoints(home: Path, task: str) -> list[tuple[int, str, str | None]]:
    con = sqlite3.connect(home / "tickwork.db")
    try:
        return con.execute(
            "SELECT r.attempt, r.status, r.checkpoint FROM run r JOIN task t "
            "ON t.id = r.task_id WHERE t.name = ? ORDER BY r.attempt", (task,)).fetchall()
    finally:
        con.close()


def test_checkpoint_file_is_recorded_masked_and_removed_when_no_retry_follows(
        engine: Any, service: Any, home: Path) -> None:
    secret = 'hunter2-"check\\point'  # JSON escapes it in the file: still found and masked
    service.set_secret("token", secret)
    script = ("import json, os, sys; json.dump({'step': int(os.environ['TICKWORK_ATTEMPT']), "
              "'key': os.environ['KEY'], os.environ['KEY']: 1}, "
              "open(os.environ['TICKWORK_CHECKPOINT_FILE'], 'w')); sys.exit(3)")
    service.create_task(command_task(
        "leaky", action={"kind": "command", "argv": [sys.executable, "-c", script]},
        secret_env={"KEY": "token"}, retries=1, retry_delay=0.1))
    engine.start()
    service.run_now("leaky")

    def both_recorded() -> bool:
        rows = _checkpoints(home, "leaky")
        return len(rows) == 2 and all(r[1] == "failed" and r[2] for r in rows)

    wait_until(both_recorded, 15)
    (_, _, first), (_, _, second) = _checkpoints(home, "leaky")
    assert json.loads(first or "") == {"step": 1, "key": "***", "***": 1}  # as output is
    assert json.loads(second or "") == {"step": 2, "key": "***", "***": 1}
    assert not [f for f in home.glob("tickwork.db*") if b"hunter2" in f.read_bytes()]
    # the last attempt failed and no retry follows: the file is gone
    assert list((home / "checkpoints").iterdir()) == []
    newest = service.list_runs(0, 1, task="leaky")[0].id  # what a person reads back
    shown = tickwork.run(["--home", str(home), "run", "show", str(newest)], timeout=60).stdout
    assert '  checkpoint: {"step": 2, "key": "***", "***": 1}\n' in shown


def test_file_of_a_fire_cut_off_by_a_crash_with_no_retry_left_goes(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    steps, marks = tmp_path / "steps", tmp_path / "marks"
    _add_counter(home, tmp_path, "once", 0, steps, marks)
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "run", "once").code == 0
    wait_until(lambda: len(_lines(steps)) >= 1, 20, interval=0.01)
    (file,) = [Path(line.split()[3]) for line in _lines(marks)]
    wait_until(file.exists, 5, interval=0.01)
    first.kill9()
    second = spawn("second")
    second.wait_for("engine running")
    (run,) = json.loads(cli("run", "list", "--task", "once", "--json").out)
    assert run["status"] == "interrupted"
    assert not file.exists()  # no retry will read it: the next fire starts afresh
    second.stop()


def _recorded(home: Path, runs: list[int]) -> dict[int, Any]:
    con = sqlite3.connect(home / "tickwork.db")
    try:
        marks = ",".join("?" * len(runs))
        rows = con.execute(f"SELECT id, checkpoint FROM run WHERE id IN ({marks})",
                           runs).fetchall()
    finally:
        con.close()
    return {run: json.loads(text) if text else None for run, text in rows}


def test_many_ends_at_once_each_find_their_own_file(
        engine: Any, service: Any, home: Path) -> None:
    """The ends of many commands are collected together: each that wrote a file has it
    recorded, each that wrote none records nothing, also after the folder was removed while
    the engine ran."""
    engine.start()
    odd_write = ('[ $(( TICKWORK_RUN_ID % 2 )) = 1 ] && '
                 'echo "{\\"run\\": $TICKWORK_RUN_ID}" > "$TICKWORK_CHECKPOINT_FILE"; exit 1')
    for i in range(24):
        service.create_task(command_task(f"c{i}", action={
            "kind": "command", "argv": [odd_write], "shell": True}, retries=0))
    runs = [service.run_now(f"c{i}").id for i in range(24)]
    wait_until(lambda: all(service.get_run(r).status == "failed" for r in runs), 30)
    assert _recorded(home, runs) == {r: {"run": r} if r % 2 else None for r in runs}
    assert list((home / "checkpoints").iterdir()) == []  # no retry follows: each went
    (home / "checkpoints").rmdir()
    again = [service.run_now(f"c{i}").id for i in range(4)]
    wait_until(lambda: all(service.get_run(r).status == "failed" for r in again), 15)
    assert _recorded(home, again) == {r: {"run": r} if r % 2 else None for r in again}


# under umask 000 the first attempt makes the file 0666 and fails; the retry notes the mode
# of the file it is handed, and each notes whether the folder lets others in
UMASK_000 = (
    'umask 000; f="$TICKWORK_CHECKPOINT_FILE"; '
    'echo "$TICKWORK_ATTEMPT $(stat -c %a "$(dirname "$f")") '
    '$( [ -e "$f" ] && stat -c %a "$f" || echo none)" >> "$MARKS"; '
    '[ -e "$f" ] && exit 0; echo 1 > "$f"; echo "1 made $(stat -c %a "$f")" >> "$MARKS"; '
    'exit 1')


def test_a_checkpoint_file_made_under_umask_000_is_kept_0600_for_the_retry(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """README: folder 0700, file 0600. The command makes the file with its own umask
    (0666 under umask 000) and sees it so; the engine keeps it 0600 for the retry."""
    marks = tmp_path / "marks"
    bulk = tmp_path / "tasks.json"
    bulk.write_text(json.dumps({"version": 1, "tasks": [{
        "name": "loose", "timezone": "UTC", "retries": 1, "retry_delay": 0.1,
        "env": {"MARKS": str(marks)},
        "action": {"kind": "command", "argv": [UMASK_000], "shell": True}}]}))
    assert cli("import", str(bulk)).code == 0
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "run", "loose").code == 0
    wait_until(lambda: len(_lines(marks)) == 3, 20)
    engine.stop()
    # the first attempt: the folder is private, no file yet, its own file as its umask made
    # it; the retry: handed the file 0600
    assert _lines(marks) == ["1 700 none", "1 made 666", "2 700 600"], _lines(marks)
    runs = json.loads(cli("run", "list", "--task", "loose", "--json").out)
    assert sorted(r["status"] for r in runs) == ["failed", "succeeded"]


_OPENED: list[str] | None = None  # paths the engine's process opens while a test watches


def _watch_opens(event: str, args: tuple[Any, ...]) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str):
        _OPENED.append(args[0])


def test_a_command_that_writes_no_checkpoint_costs_the_engine_no_file_call(
        engine: Any, service: Any, home: Path) -> None:
    """Most commands write no checkpoint. Their launcher says so with their end, so the
    engine opens no file for them: every file system call on its dispatcher gave up the
    interpreter and waited to win it back, one of the steps of a run's round trip. One
    that writes its file still has it recorded."""
    global _OPENED
    sys.addaudithook(_watch_opens)  # (stays for the process: idle unless a list is set)
    engine.start()
    for i in range(6):
        service.create_task(command_task(f"quiet{i}", action={
            "kind": "command", "argv": ["true"]}))
    writes = service.create_task(command_task("writes", action={
        "kind": "command", "argv": ['echo "{\\"at\\": 1}" > "$TICKWORK_CHECKPOINT_FILE"'],
        "shell": True}))
    _OPENED = []
    try:
        runs = [service.run_now(f"quiet{i}").id for i in range(6)]
        runs.append(service.run_now("writes").id)
        wait_until(lambda: all(service.get_run(r).status == "succeeded" for r in runs), 30)
        opened = [path for path in _OPENED if str(home / "checkpoints") in path]
    finally:
        _OPENED = None
    assert [Path(path).name.split("-")[0] for path in opened] == [str(writes.id)], opened
    assert _recorded(home, runs)[runs[-1]] == {"at": 1}
    assert list((home / "checkpoints").iterdir()) == []  # no retry follows: it went
