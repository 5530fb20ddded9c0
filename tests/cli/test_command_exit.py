"""A command that only reads ends its process itself once it has printed (app/cli/entry.py,
`leave`): exit handlers, then stdout and stderr flushed, then out — without the interpreter
taking apart every module first. A user sees nothing of it: each case here runs through the
door a person uses (`python -m app.cli`, a new interpreter) and through one that ends the way
every Python program does (`main` called, the interpreter's own exit), and both give the same
exit code, stdout and stderr bytes — with a closed pipe, a closed stdout, a full disk, bad
usage, a failure, and output still in Python's buffer when the command returns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli.entry import LASTING, READING
from app.cli.store import WRITING
from tests.conftest import ROOT, command_task

LEAVING = [sys.executable, "-m", "app.cli"]
ENDING = [sys.executable, "-c", "import sys, app.cli; sys.exit(app.cli.main())"]
Outcome = tuple[int, bytes, bytes]


@pytest.fixture
def filled(home: Path) -> Path:
    """A home with 300 tasks (a table of ~25 kB, more than Python's 8 kB buffer) and a run."""
    from datetime import UTC, datetime

    from app.core.task import TaskSpec
    from app.service import Service
    from app.store.database import Store

    now = datetime.now(UTC)
    store = Store.open(home)
    try:
        svc = Service(store, "cli")
        svc.import_specs([TaskSpec.from_json(command_task(f"task-{i:03}", schedule={
            "kind": "cron", "expr": f"{i % 60} {i % 24} * * *"}), now=now)
            for i in range(300)], "test", now)
        svc.run_now("task-000")
    finally:
        store.close()
    return home


def call(door: list[str], args: list[str], *, stdout: Any = subprocess.PIPE,
         buffered: bool = False, env: dict[str, str] | None = None) -> Outcome:
    """One call through a door; `buffered`: without PYTHONUNBUFFERED (a user's shell)."""
    env = dict(os.environ if env is None else env)
    if buffered:
        env.pop("PYTHONUNBUFFERED", None)
    else:
        env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.run([*door, *args], stdout=stdout, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, cwd=ROOT, env=env, timeout=60)
    return proc.returncode, proc.stdout or b"", proc.stderr


def both(args: list[str], **kwargs: Any) -> Outcome:
    """The outcome through both doors, asserted equal."""
    leaving, ending = call(LEAVING, args, **kwargs), call(ENDING, args, **kwargs)
    assert leaving == ending
    return leaving


@pytest.mark.parametrize("buffered", [False, True], ids=["unbuffered", "buffered"])
@pytest.mark.parametrize("args", [
    ["task", "list"], ["task", "list", "--json"], ["task", "show", "task-007"],
    ["run", "list"], ["run", "show", "1"], ["audit", "--limit", "1000"], ["check"],
], ids=lambda a: " ".join(a))
def test_a_reading_command_prints_everything_and_exits_as_before(
        filled: Path, args: list[str], buffered: bool) -> None:
    code, out, err = both(["--home", str(filled), *args], buffered=buffered)
    assert code == 0
    if args == ["run", "list"]:  # with no engine: who takes up the runs it shows queued
        assert err.startswith(b"tickwork: no engine is running") and err.count(b"\n") == 1
    else:
        assert err == b""
    assert out.endswith(b"\n") and len(out) > 100
    if args == ["task", "list"]:
        assert out.count(b"\n") == 301 and b"task-299" in out


def test_the_store_is_closed_and_left_as_it_was(filled: Path) -> None:
    """The store's close still runs (an exit handler): no write-ahead log or shared-memory
    file is left behind, and the file is byte for byte what it was."""
    db = filled / "tickwork.db"
    before = db.read_bytes()
    code, out, _ = call(LEAVING, ["--home", str(filled), "task", "list"])
    assert code == 0 and b"task-299" in out
    assert not (filled / "tickwork.db-wal").exists()
    assert not (filled / "tickwork.db-shm").exists()
    assert db.read_bytes() == before


@pytest.mark.parametrize("args", [["task", "list", "--bogus"], ["task", "show", "nosuch"],
                                  ["run", "show", "99"], ["task", "list", "--sort"]],
                         ids=lambda a: " ".join(a))
def test_bad_usage_is_one_line_and_exit_2(filled: Path, args: list[str]) -> None:
    code, out, err = both(["--home", str(filled), *args])
    assert code == 2 and out == b""
    assert err.startswith(b"tickwork: error: ") and err.count(b"\n") == 1


def test_a_failure_is_one_line_and_exit_1(home: Path) -> None:
    """An error the command did not foresee (its store a link to itself; a folder there is
    foreseen now: tests/engine/test_engine_exit_status.py): one line, exit 1; with
    TICKWORK_DEBUG its traceback, as the interpreter prints it."""
    home.mkdir(mode=0o700)
    (home / "tickwork.db").symlink_to("tickwork.db")
    code, out, err = both(["--home", str(home), "task", "list"])
    assert code == 1 and out == b""
    assert err.startswith(b"tickwork: failed: OSError") and err.count(b"\n") == 1, err
    debug = {**os.environ, "TICKWORK_DEBUG": "1"}
    leaving = call(LEAVING, ["--home", str(home), "task", "list"], env=debug)
    ending = call(ENDING, ["--home", str(home), "task", "list"], env=debug)
    assert leaving[0] == ending[0] == 1
    assert leaving[2].splitlines()[-1] == ending[2].splitlines()[-1]
    assert leaving[2].startswith(b"Traceback (most recent call last):")


@pytest.mark.parametrize("buffered", [False, True], ids=["unbuffered", "buffered"])
@pytest.mark.parametrize("args", [["task", "list"], ["task", "show", "task-007"]],
                         ids=lambda a: " ".join(a))
def test_a_closed_pipe(filled: Path, args: list[str], buffered: bool) -> None:
    """`tickwork task list | head -1` whose reader has gone: exit 1, nothing said, whether the
    write fails as it is made (the table) or at the flush that ends the command (a card still
    in Python's buffer, which gave Python's own `Exception ignored` lines and exit 120)."""
    outcomes = []
    for door in (LEAVING, ENDING):
        read, write = os.pipe()
        os.close(read)
        try:
            outcomes.append(call(door, ["--home", str(filled), *args], stdout=write,
                                 buffered=buffered))
        finally:
            os.close(write)
    assert outcomes[0] == outcomes[1]
    code, _, err = outcomes[0]
    assert code == 1 and err == b""


@pytest.mark.parametrize("buffered", [False, True], ids=["unbuffered", "buffered"])
@pytest.mark.parametrize("args", [["task", "list"], ["task", "show", "task-007"]],
                         ids=lambda a: " ".join(a))
def test_a_full_disk_and_a_closed_stdout(filled: Path, args: list[str], buffered: bool) -> None:
    """stdout on a full disk (/dev/full), and stdout closed (`>&-`): one line and exit 1,
    whether the write fails in the command or at the flush that ends it (every command:
    tests/cli/test_lost_output.py)."""
    with open("/dev/full", "wb") as full:
        code, _, err = both(["--home", str(filled), *args], stdout=full, buffered=buffered)
    assert (code, err) == (1, b"tickwork: write error: No space left on device\n")
    closed = [sys.executable, "-c", "import os, subprocess, sys; os.close(1); "
              "sys.exit(subprocess.run(sys.argv[1:]).returncode)"]
    leaving = call([*closed, *LEAVING], ["--home", str(filled), *args], buffered=buffered)
    ending = call([*closed, *ENDING], ["--home", str(filled), *args], buffered=buffered)
    assert leaving == ending == (1, b"", b"tickwork: write error: Bad file descriptor\n")


def test_only_commands_that_read_leave_early() -> None:
    """A command that writes, and the engine, the worker and the window (which keep running),
    end the way Python ends."""
    nouns = {noun for noun, _verb in READING}
    assert not nouns & set(LASTING)
    assert not READING & WRITING
    assert not nouns & {"export", "import", "backup", "restore", "secret", "settings"}
