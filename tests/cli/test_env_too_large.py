"""A variable too large to start a command with is refused where it is typed — `task add`
and `task update --env`, an export's or a crontab's import — in one line naming it (exit 2,
nothing changed): accepted, every run of the task failed "cannot start …: [Errno 7] Argument
list too long". Linux starts a program with no "NAME=value" over 131,072 bytes counting its
closing NUL (MAX_ARG_STRLEN), nor with more than 6 MiB of them (less where ARG_MAX is). A
Python action gets its variables in `context.env`, where no such limit holds; and a task
stored with such a value (before this check) is still listed, shown and exported."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

LIMIT = 131_072  # MAX_ARG_STRLEN: "NAME=value" and its NUL
BIG = "x" * (LIMIT - len("BIG="))  # with its NUL one byte over
FITS = BIG[:-1]  # exactly at the limit
SAID = ("tickwork: error: env: BIG is too large to run a command with: BIG=… is 131,073 "
        "bytes, over Linux's 131,072 for one variable (MAX_ARG_STRLEN); every run would fail "
        "“Argument list too long”\n")


def listed(cli: Any) -> list[dict[str, Any]]:
    return [{"name": t["name"], "env": cli("task", "show", t["name"], "--json").json()["env"]}
            for t in cli("task", "list", "--json").json()]


def test_add_and_update_refuse_a_variable_too_large_to_run_with(cli: Any) -> None:
    added = cli("task", "add", "big", "--command", "env", "--manual", "--env", f"BIG={BIG}")
    assert (added.code, added.out, added.err) == (2, "", SAID)
    assert cli("task", "list", "--json").json() == []
    assert cli("task", "add", "t", "--command", "env", "--manual", "--env", "A=1").code == 0
    updated = cli("task", "update", "t", "--env", f"BIG={BIG}", "--description", "d")
    assert (updated.code, updated.out, updated.err) == (2, "", SAID)
    assert cli("task", "show", "t", "--json").json()["description"] == ""
    # one byte less fits; a Python action's variables are not its process's: any size
    assert cli("task", "update", "t", "--env", f"BIG={FITS}").code == 0
    assert cli("task", "add", "py", "--python", "json:dumps", "--manual",
               "--env", f"BIG={BIG}x").code == 0
    assert [t["name"] for t in listed(cli)] == ["py", "t"]


def test_an_import_refuses_it_and_creates_nothing(cli: Any, tmp_path: Path) -> None:
    assert cli("task", "add", "small", "--command", "env", "--manual", "--env", "A=1").code == 0
    assert cli("export", str(tmp_path / "one.json")).code == 0
    doc = json.loads((tmp_path / "one.json").read_text())
    doc["tasks"] = [{**doc["tasks"][0], "name": "fine"},
                    {**doc["tasks"][0], "name": "big", "env": {"BIG": BIG}}]
    (tmp_path / "big.json").write_text(json.dumps(doc))
    imported = cli("import", str(tmp_path / "big.json"))
    assert imported.code == 2 and imported.out == "", imported
    assert imported.err == SAID.replace("env:", "tasks[1].env:"), imported.err
    crontab = tmp_path / "crontab"
    crontab.write_text(f"BIG={BIG}\n0 2 * * * /bin/echo nightly\n")
    cron = cli("import", "--crontab", str(crontab))
    assert cron.code == 2 and cron.out == "", cron
    assert cron.err == SAID.replace("env:", "line 2: env:"), cron.err  # (the job's line)
    # many, each of which fits, but together more than Linux starts a program with
    doc["tasks"] = [{**doc["tasks"][0], "name": "many",
                     "env": {f"V{i}": FITS[:-2] for i in range(50)}}]
    (tmp_path / "many.json").write_text(json.dumps(doc))
    many = cli("import", str(tmp_path / "many.json"))
    assert many.code == 2 and many.err.count("\n") == 1, many
    assert many.err.startswith(
        "tickwork: error: tasks[0].env: its variables and arguments are too large to run a "
        "command with: 6,553,902 bytes together, more than Linux starts a command with here ("
    ), many.err
    assert many.err.endswith(" of the environment every run gets besides; every run would "
                             "fail “Argument list too long”\n"), many.err
    assert [t["name"] for t in listed(cli)] == ["small"]


def test_a_task_stored_with_one_is_still_listed_shown_and_exported(
        cli: Any, home: Path, tmp_path: Path) -> None:
    assert cli("task", "add", "old", "--command", "env", "--manual", "--env", "A=1").code == 0
    with closing(sqlite3.connect(home / "tickwork.db")) as con, con:
        con.execute("UPDATE task SET env = ? WHERE name = 'old'", (json.dumps({"BIG": BIG}),))
    assert listed(cli) == [{"name": "old", "env": {"BIG": BIG}}]
    assert cli("check").code == 0
    exported = cli("export", str(tmp_path / "all.json"))
    assert exported.code == 0, exported.err
    # named when it is next edited, with the way out
    edit = cli("task", "update", "old", "--description", "d")
    assert (edit.code, edit.err) == (2, SAID)
    assert cli("task", "update", "old", "--unset-env", "BIG", "--description", "d").code == 0


def test_an_argument_or_shell_line_too_large_to_run_with_is_refused_on_import(
        cli: Any, tmp_path: Path) -> None:
    """One argument, or a shell command's line (its one argument to the shell), over
    MAX_ARG_STRLEN: accepted (the command's bound is 1,000,000 characters), every run failed
    "Argument list too long". A shell cannot hand the CLI such an argument either, so an
    import is the door."""
    assert cli("task", "add", "small", "--command", "echo hi", "--manual").code == 0
    assert cli("export", str(tmp_path / "one.json")).code == 0
    doc = json.loads((tmp_path / "one.json").read_text())
    task = doc["tasks"][0]
    tail = ("bytes, over Linux's 131,072 for one argument (MAX_ARG_STRLEN); every run would "
            "fail “Argument list too long”\n")
    arg = "x" * LIMIT  # with its NUL one byte over
    for action, what in (({"kind": "command", "argv": ["echo", "a", arg]}, "argument 3 is "),
                         ({"kind": "command", "argv": [f"echo {arg}"], "shell": True},
                          "its line is ")):
        doc["tasks"] = [{**task, "name": "fine"}, {**task, "name": "big", "action": action}]
        (tmp_path / "big.json").write_text(json.dumps(doc))
        imported = cli("import", str(tmp_path / "big.json"))
        assert (imported.code, imported.out) == (2, ""), imported
        size = len(action["argv"][-1].encode()) + 1
        assert imported.err == ("tickwork: error: tasks[1].action.argv: is too large to run: "
                                f"{what}{size:,} {tail}"), imported.err
    # exactly at the limit is taken (and runs: tests/engine/test_env_at_the_limit.py)
    doc["tasks"] = [{**task, "name": "fits", "action": {"kind": "command",
                                                         "argv": ["echo", arg[1:]]}}]
    (tmp_path / "fits.json").write_text(json.dumps(doc))
    assert cli("import", str(tmp_path / "fits.json")).code == 0
    assert [t["name"] for t in listed(cli)] == ["fits", "small"]


def test_variables_that_fit_alone_but_not_with_the_environment_every_run_gets_are_refused(
        cli: Any, tmp_path: Path) -> None:
    """Variables (each under MAX_ARG_STRLEN) that with the command's arguments came 500 bytes
    under ARG_MAX were taken, and every run failed "cannot start 'env': [Errno 7] Argument
    list too long": a command starts with the engine's environment and Tickwork's TICKWORK_*
    variables too. They are counted (this process's environment standing for the engine's);
    a task as large less that room is taken."""
    assert cli("task", "add", "small", "--command", "env", "--manual").code == 0
    assert cli("export", str(tmp_path / "one.json")).code == 0
    doc = json.loads((tmp_path / "one.json").read_text())
    most = min(os.sysconf("SC_ARG_MAX"), 6 << 20)

    def variables(total: int) -> dict[str, str]:  # "NAME=value", NUL, pointer: `total` bytes
        env, left = {}, total - (len("env") + 1 + 8)
        while left > 0:
            size, name = min(left, 131_000), f"V{len(env)}"
            env[name] = "x" * (size - 8 - 1 - len(name) - 1)
            left -= size
        return env

    doc["tasks"] = [{**doc["tasks"][0], "name": "big", "env": variables(most - 500)}]
    (tmp_path / "big.json").write_text(json.dumps(doc))
    imported = cli("import", str(tmp_path / "big.json"))
    assert (imported.code, imported.out, imported.err.count("\n")) == (2, "", 1), imported
    assert imported.err.startswith(
        "tickwork: error: tasks[0].env: its variables and arguments are too large to run a "
        f"command with: {most - 500:,} bytes together, more than Linux starts a command with "
        f"here ({most:,} bytes, ARG_MAX) less the "), imported.err
    room = most - 8_192 - sum(len(f"{k}={v}".encode()) + 1 + 8 for k, v in os.environ.items())
    doc["tasks"] = [{**doc["tasks"][0], "name": "fits", "env": variables(room - 4_000)}]
    (tmp_path / "fits.json").write_text(json.dumps(doc))
    assert cli("import", str(tmp_path / "fits.json")).code == 0
    assert [t["name"] for t in listed(cli)] == ["fits", "small"]
