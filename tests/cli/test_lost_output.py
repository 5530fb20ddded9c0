"""Every command whose output cannot be written ends the same way (app/cli/stdout.py), as
coreutils and git do: stdout closed (`>&-`) or on a full disk (`> /dev/full`) is one line,
`tickwork: write error: <reason>`, and exit 1; a pipe whose reader has gone (`| head -1`) is
exit 1 and nothing said. Before, the same closed stdout gave exit 0 (a `task add`, a `task
show`), exit 1 with "failed: AttributeError: 'NoneType' object has no attribute 'write'" (a
`task list`), or a traceback (`--version` to a full disk). What a command changed stays
changed. Each command runs in its own process, as a person or a script starts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.support import tickwork

# every command that prints an answer, each able to follow the one before in one home: the
# ones that only read, then the ones that write
COMMANDS = [
    ["task", "list"], ["task", "list", "--json"], ["task", "show", "seed"], ["run", "list"],
    ["run", "show", "1"], ["audit"], ["audit", "--verify"], ["check"], ["simulate"],
    ["settings"], ["secret", "list"], ["--version"], ["task", "--help"],
    ["import", "--crontab", "{crontab}", "--dry-run"],
    ["task", "add", "new", "--command", "true", "--manual"],
    ["task", "update", "new", "--description", "d"], ["task", "pause", "new"],
    ["task", "resume", "new"], ["task", "reschedule", "new", "--every", "5m"],
    ["task", "run", "new"], ["run", "cancel", "2"], ["task", "delete", "new"],
    ["secret", "set", "token"], ["secret", "delete", "token"],
    ["settings", "--keep-runs", "5"], ["export", "-"], ["export", "/dev/stdout"],
    ["export", "{home}/out.json"],
    ["import", "{tasks}"], ["import", "--crontab", "{crontab}"], ["backup"],
    ["restore", "{backup}"],
]
# what a command says on stderr whatever its stdout
SAID = {"run": "tickwork: no engine is running on this store (start one: `tickwork engine`, "
               "or the window): run 2 stays queued until one starts"}


def _closed(args: list[str]) -> tuple[int, str]:
    """The true door with stdout closed: Python starts with `sys.stdout` None."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a user's shell
    proc = subprocess.run([sys.executable, "-m", "app.cli", *args], input=b"x\n",
                          stderr=subprocess.PIPE, cwd=ROOT, env=env, timeout=60,
                          preexec_fn=lambda: os.close(1))
    return proc.returncode, proc.stderr.decode()


def _into(stdout: int, args: list[str], tmp: Path) -> tuple[int, str]:
    with (tmp / "err").open("w+b") as err, (tmp / "in").open("w+b") as feed:
        feed.write(b"x\n")
        feed.seek(0)
        code = tickwork.start(args, stdin=feed, stdout=stdout, stderr=err).wait(60)
        err.seek(0)
        return code, err.read().decode()


def _full(args: list[str], tmp: Path) -> tuple[int, str]:
    with open("/dev/full", "wb") as full:
        return _into(full.fileno(), args, tmp)


def _gone_reader(args: list[str], tmp: Path) -> tuple[int, str]:
    read, write = os.pipe()
    os.close(read)
    try:
        return _into(write, args, tmp)
    finally:
        os.close(write)


@pytest.mark.parametrize(("where", "line"), [
    ("closed", "tickwork: write error: Bad file descriptor"),
    ("full", "tickwork: write error: No space left on device"),
    ("gone_reader", None),
], ids=["closed", "full", "gone_reader"])
def test_every_command_whose_output_is_lost_ends_alike(cli: Any, home: Path, tmp_path: Path,
                                                        where: str, line: str | None) -> None:
    assert cli("task", "add", "seed", "--command", "true", "--cron", "0 9 * * *").code == 0
    assert cli("task", "run", "seed").code == 0  # run 1, queued
    backup = cli("backup").out.split(" to ")[-1].strip()
    crontab = tmp_path / "crontab"
    crontab.write_text("*/5 * * * * echo hi\n")
    assert cli("export", str(tmp_path / "seed.json")).code == 0
    exported = json.loads((tmp_path / "seed.json").read_text())
    exported["tasks"][0]["name"] = "imported"
    (tmp_path / "tasks.json").write_text(json.dumps(exported))
    places = {"home": str(home), "crontab": str(crontab), "tasks": str(tmp_path / "tasks.json"),
              "backup": backup}
    for command in COMMANDS:
        args = ["--home", str(home), *(a.format(**places) for a in command)]
        code, err = _closed(args) if where == "closed" else \
            _full(args, tmp_path) if where == "full" else _gone_reader(args, tmp_path)
        said = [SAID[command[1]]] if command[:2] == ["task", "run"] else []
        assert (code, err.splitlines()) == (1, said + ([line] if line else [])), command
        if command[:2] == ["task", "add"]:  # what it changed stays changed
            assert cli("task", "show", "new", "--json").json()["name"] == "new"
    names = [t["name"] for t in cli("task", "list", "--json").json()]
    assert names == ["seed"]  # the backup restored last, taken before the others were made
