"""A task's program is looked for on the PATH its runs will have. A background engine started
at login has the user manager's PATH, which lacks what a login shell adds (`~/.local/bin`):
`task add --command mytool` in a terminal passed its check, and every run then failed "cannot
start 'mytool'". The engine running the home's tasks records its PATH in its lock, and the
checks use it when the task sets none; the unit `--background-engine on` writes gives the
engine the PATH of the shell that turned it on. Real engine processes, the real CLI, each
with its own PATH."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.processes import stop


def _tool(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text(f"#!/bin/sh\necho from-{name}\n")
    program.chmod(0o755)
    return program


@pytest.fixture
def engine(home: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`tickwork engine` on `home` whose PATH has a folder of its own first (`theirtool`);
    yields the process and that PATH."""
    path = f"{tmp_path / 'engine bin'}:{os.environ['PATH']}"
    _tool(tmp_path / "engine bin", "theirtool")
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home),
                                 "engine", "--grace", "1"], cwd=ROOT,
                                env={**os.environ, "PATH": path},
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: "engine running" in log.read_text(), 60)
        yield proc, path
    finally:
        stop(proc)


def _cli(home: Path, path: str, *args: str) -> subprocess.CompletedProcess[str]:
    return tickwork.run(["--home", str(home), *args], env={**os.environ, "PATH": path},
                        cwd=ROOT, timeout=60)


def _names(home: Path) -> list[str]:
    listed = _cli(home, os.environ["PATH"], "task", "list", "--json")
    return [task["name"] for task in json.loads(listed.stdout)]


def test_a_program_this_shell_has_and_the_engine_lacks_is_refused_naming_both(
        engine: tuple[subprocess.Popen[bytes], str], home: Path, tmp_path: Path) -> None:
    proc, engine_path = engine
    mine = _tool(tmp_path / "my bin", "mytool")
    shell = f"{mine.parent}:{os.environ['PATH']}"
    refused = _cli(home, shell, "task", "add", "t1", "--command", "mytool", "--every", "1h")
    assert refused.returncode == 2, refused
    assert refused.stderr.strip().splitlines() == [
        f"tickwork: error: command: program 'mytool' is not on the PATH of the engine that "
        f"runs this home's tasks (pid {proc.pid}: {engine_path}): give its full path ('{mine}') "
        "or set PATH in the task's environment (--no-verify stores it anyway)"], refused.stderr
    assert _names(home) == []  # nothing changed
    # the task's own PATH is the one its runs have: checked on it, and taken
    own = _cli(home, shell, "task", "add", "t1", "--command", "mytool", "--every", "1h",
               "--env", f"PATH={shell}")
    assert own.returncode == 0, own
    # so is its full path
    full = _cli(home, shell, "task", "add", "t2", "--command", shlex.quote(str(mine)),
               "--every", "1h")
    assert full.returncode == 0, full
    # a program only the engine's PATH has: taken, and its run finds it
    theirs = _cli(home, shell, "task", "add", "t3", "--command", "theirtool", "--manual")
    assert theirs.returncode == 0, theirs
    ran = _cli(home, shell, "task", "run", "t3", "--wait", "60s")
    assert ran.returncode == 0, ran
    shown = _cli(home, shell, "run", "list", "--task", "t3", "--json")
    (run,) = json.loads(shown.stdout)
    assert run["status"] == "succeeded", run
    log = _cli(home, shell, "run", "show", str(run["id"]), "--log")
    assert "from-theirtool" in log.stdout, log
    # an update is checked alike
    moved = _cli(home, shell, "task", "update", "t3", "--command", "mytool")
    assert moved.returncode == 2 and "not on the PATH of the engine" in moved.stderr, moved
    # no engine running: this shell's own PATH, as before
    stop(proc)
    alone = _cli(home, shell, "task", "add", "t4", "--command", "theirtool", "--manual")
    assert alone.returncode == 2, alone
    assert "error: command: program 'theirtool' is not on PATH" in alone.stderr, alone
    assert _cli(home, shell, "task", "add", "t4", "--command", "mytool",
                "--manual").returncode == 0


def test_an_import_is_checked_on_the_engine_s_path(
        engine: tuple[subprocess.Popen[bytes], str], home: Path, tmp_path: Path) -> None:
    mine = _tool(tmp_path / "my bin", "mytool")
    shell = f"{mine.parent}:{os.environ['PATH']}"
    elsewhere = tmp_path / "elsewhere"
    for name, program in (("mine", "mytool"), ("theirs", "theirtool")):
        made = _cli(elsewhere, shell, "task", "add", name, "--command", program, "--manual",
                    "--no-verify")
        assert made.returncode == 0, made
    exported = tmp_path / "tasks.json"
    assert _cli(elsewhere, shell, "export", str(exported)).returncode == 0
    refused = _cli(home, shell, "import", str(exported))
    assert refused.returncode == 2, refused
    assert "program 'mytool' is not on the PATH of the engine" in refused.stderr, refused
    assert _names(home) == []
    assert _cli(home, shell, "import", str(exported), "--no-verify").returncode == 0
    assert sorted(_names(home)) == ["mine", "theirs"]
