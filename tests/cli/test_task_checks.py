"""What `task add`, `task update` and `import` refuse before anything is stored: fallback
cycles, actions naming what this machine does not have (unless `--no-verify`), and names
that read differently from what they are. Each refusal: exit 2, one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def refused(result: Any, *needles: str) -> None:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in result.err


def test_a_fallback_cycle_is_refused_at_update_and_changes_nothing(cli: Any) -> None:
    assert cli("task", "add", "f1", "--command", "true").code == 0
    assert cli("task", "add", "f2", "--command", "true", "--fallback", "f1").code == 0
    before = cli("task", "show", "f1", "--json").json()
    refused(cli("task", "update", "f1", "--fallback", "f2"), "fallback", "f1 → f2 → f1",
            "cycle")
    assert cli("task", "show", "f1", "--json").json() == before


def test_a_longer_fallback_cycle_is_refused_at_add_through_a_rename(cli: Any) -> None:
    assert cli("task", "add", "a", "--command", "true", "--fallback", "b", "--no-verify").code \
        == 2  # b does not exist yet
    assert cli("task", "add", "b", "--command", "true").code == 0
    assert cli("task", "add", "a", "--command", "true", "--fallback", "b").code == 0
    assert cli("task", "add", "c", "--command", "true", "--fallback", "a").code == 0
    refused(cli("task", "update", "b", "--fallback", "c"), "fallback: b → c → a → b")
    # renaming keeps the links, so the cycle is still found under the new name
    assert cli("task", "update", "b", "--name", "bee").code == 0
    refused(cli("task", "update", "bee", "--fallback", "c"), "bee → c → a → bee")


def test_a_task_cannot_fall_back_to_itself_by_name_or_by_id(cli: Any) -> None:
    refused(cli("task", "add", "solo", "--command", "true", "--fallback", "solo"), "fallback",
            "solo → solo")
    created = cli("task", "add", "solo", "--command", "true", "--json").json()
    refused(cli("task", "update", "solo", "--fallback", "solo"), "fallback", "solo → solo")
    refused(cli("task", "update", "solo", "--fallback", str(created["id"])), "fallback",
            "solo → solo")
    refused(cli("task", "update", "solo", "--depends-on", str(created["id"])), "depends-on",
            "solo → solo")
    assert cli("task", "show", "solo", "--json").json()["fallback"] is None


def test_a_fallback_cycle_in_an_import_file_is_refused_whole(cli: Any, tmp_path: Path) -> None:
    assert cli("task", "add", "kept", "--command", "true").code == 0
    path = tmp_path / "in.json"
    cmd = {"kind": "command", "argv": ["true"]}
    path.write_text(json.dumps({"version": 1, "tasks": [
        {"name": "ok", "action": cmd},
        {"name": "f1", "action": cmd, "fallback": "f2"},
        {"name": "f2", "action": cmd, "fallback": "f1"},
    ]}))
    refused(cli("import", str(path)), "tasks[1].fallback", "f1 → f2 → f1")
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["kept"]
    # and one that closes a cycle with a task already in the store
    assert cli("task", "update", "kept", "--fallback", "kept").code == 2
    path.write_text(json.dumps({"version": 1, "tasks": [
        {"name": "x", "action": cmd, "fallback": "kept"}]}))
    assert cli("import", str(path)).code == 0
    assert cli("task", "update", "kept", "--fallback", "x").code == 2


NOT_THERE = [
    (["--python", "nosuchmod_tw:f"], "python", "No module named 'nosuchmod_tw': no working"),
    (["--python", "os:nosuchfunc"], "python", "has no function 'nosuchfunc'"),
    (["--command", "true", "--cwd", "/nonexistent/tw"], "cwd", "no such folder"),
    (["--command", "no-such-program-tw --flag"], "command", "not on PATH"),
    (["--command", "./missing.sh"], "command", "no such program"),
]


@pytest.mark.parametrize(("options", "field", "reason"), NOT_THERE)
def test_an_action_this_machine_lacks_is_refused_unless_no_verify(
        cli: Any, options: list[str], field: str, reason: str) -> None:
    refused(cli("task", "add", "t", *options), f"{field}:", reason, "--no-verify")
    assert cli("task", "list", "--json").json() == []
    created = cli("task", "add", "t", *options, "--no-verify", "--json")
    assert created.code == 0, created.err
    assert cli("task", "show", "t", "--json").json()["name"] == "t"


def test_update_checks_a_changed_action_and_leaves_a_vanished_folder_alone(
        cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    assert cli("task", "add", "t", "--command", "true", "--cwd", str(folder)).code == 0
    refused(cli("task", "update", "t", "--command", "nosuchprog-tw"), "command", "not on PATH")
    refused(cli("task", "update", "t", "--cwd", str(tmp_path / "nope")), "cwd")
    assert cli("task", "update", "t", "--cwd", str(tmp_path / "nope"), "--no-verify").code == 0
    assert cli("task", "update", "t", "--cwd", str(folder)).code == 0
    folder.rmdir()  # the folder goes away later: the task still reads, lists, changes
    assert cli("task", "list", "--json").json()[0]["action"]["cwd"] == str(folder)
    assert cli("task", "show", "t").code == 0
    assert cli("task", "update", "t", "--priority", "4").code == 0
    assert cli("task", "pause", "t").code == 0
    assert cli("task", "update", "t", "--name", "renamed").code == 0


def test_a_relative_program_counts_from_the_working_folder(cli: Any, tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    refused(cli("task", "add", "t", "--command", "./job.sh", "--cwd", str(tmp_path)),
            "is not executable")
    script.chmod(0o755)
    assert cli("task", "add", "t", "--command", "./job.sh", "--cwd", str(tmp_path)).code == 0


def test_a_module_in_the_working_folder_is_found_without_being_imported(
        cli: Any, tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "mymod_tw.py").write_text(
        f"open({str(marker)!r}, 'w').close()\ndef f():\n    pass\n")
    refused(cli("task", "add", "t", "--python", "mymod_tw:f"), "python")
    assert cli("task", "add", "t", "--python", "mymod_tw:f", "--cwd", str(tmp_path)).code == 0
    assert cli("task", "add", "u", "--python", "tests.support.actions:append").code == 0
    assert not marker.exists()
    # the function and its keyword arguments, read from the source, not run (a second
    # run-through: `mymod_tw:nosuch` and an argument f() does not take were stored)
    where = ["--cwd", str(tmp_path)]
    missing = cli("task", "add", "v", "--python", "mymod_tw:nosuch", *where)
    refused(missing, "python", "module 'mymod_tw' has no function 'nosuch'")
    assert missing.err == (  # (not "… (…/mymod_tw.py) (--no-verify …)": a newcomer)
        "tickwork: error: python: module 'mymod_tw' has no function 'nosuch' "
        f"({tmp_path / 'mymod_tw.py'}); --no-verify stores it anyway\n")
    taken = cli("task", "add", "v", "--python", "mymod_tw:f", "--kwargs", '{"n": 1}', *where)
    refused(taken, "kwargs", "f() takes no argument 'n'")
    assert taken.err == (  # the module's file named as above (it said "(mymod_tw.py)")
        "tickwork: error: kwargs: f() takes no argument 'n' "
        f"({tmp_path / 'mymod_tw.py'}); --no-verify stores it anyway\n")
    package = tmp_path / "pkg_tw"  # (a package's function is in its __init__.py, no pkg_tw.py)
    package.mkdir()
    (package / "__init__.py").write_text("def f():\n    pass\n")
    taken = cli("task", "add", "v", "--python", "pkg_tw:f", "--kwargs", '{"n": 1}', *where)
    assert taken.err == (
        "tickwork: error: kwargs: f() takes no argument 'n' "
        f"({package / '__init__.py'}); --no-verify stores it anyway\n")
    (tmp_path / "dyn_tw.py").write_text("def __getattr__(name):\n    return print\n")
    assert cli("task", "add", "w", "--python", "dyn_tw:anything", *where).code == 0
    assert not marker.exists()


def test_an_import_checks_actions_unless_no_verify(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"version": 1, "tasks": [
        {"name": "fine", "action": {"kind": "command", "argv": ["true"]}},
        {"name": "later", "action": {"kind": "command", "argv": ["true"],
                                     "cwd": "/mnt/not-mounted-yet-tw"}},
    ]}))
    refused(cli("import", str(path)), "tasks[1].action.cwd", "no such folder")
    assert cli("task", "list", "--json").json() == []
    assert cli("import", str(path), "--no-verify").code == 0
    assert len(cli("task", "list", "--json").json()) == 2


@pytest.mark.parametrize("name", ["inv\u202eoice.pdf", "a\u200bb", "x\u2066y", "bell\x07",
                                  "line\u2028break", "zwj\u200d"])
def test_names_with_control_or_format_characters_are_refused(cli: Any, name: str) -> None:
    refused(cli("task", "add", name, "--command", "true"), "name:", "U+")
    assert cli("task", "add", "ok", "--command", "true").code == 0
    refused(cli("task", "update", "ok", "--name", name), "name:")
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["ok"]


def test_shell_goes_with_command_only(cli: Any) -> None:
    refused(cli("task", "add", "p", "--python", "os:getcwd", "--shell"), "shell")
    assert cli("task", "add", "p", "--python", "os:getcwd").code == 0
    refused(cli("task", "update", "p", "--shell"), "shell")
    assert cli("task", "show", "p", "--json").json()["action"]["kind"] == "python"


def test_update_shell_alone_runs_the_line_as_typed_through_the_shell(cli: Any) -> None:
    """`task update t --shell` without --command said "updated" and changed nothing."""
    assert cli("task", "add", "t", "--command", "echo a | tr a b", "--manual").code == 0
    assert cli("task", "update", "t", "--shell").code == 0
    action = json.loads(cli("task", "show", "t", "--json").out)["action"]
    assert action["shell"] is True and action["argv"] == ["echo a | tr a b"]
    assert action["line"] == "echo a | tr a b"  # shown back as typed


def test_deeply_nested_kwargs_on_the_command_line_exit_2(cli: Any) -> None:
    deep = "[" * 30_000 + "]" * 30_000  # one argument may hold 128 KiB
    refused(cli("task", "add", "k", "--python", "os:getcwd", "--kwargs", '{"a": ' + deep + "}"),
            "kwargs")
    refused(cli("task", "add", "k", "--python", "os:getcwd", "--kwargs",
                '{"a": ' + "[" * 100 + "]" * 100 + "}"), "kwargs", "nested")


OPEN_QUOTE = 'command: the quote " at character 6 is never closed'


def test_a_command_with_a_quote_left_open_is_refused_at_every_door(
        cli: Any, tmp_path: Path) -> None:
    """`task add` and `task update`, with the shell or without, and the JSON, crontab and
    systemd imports: exit 2, one line naming the command, nothing stored or changed."""
    refused(cli("task", "add", "a", "--command", 'echo "hi', "--shell"), OPEN_QUOTE)
    refused(cli("task", "add", "a", "--command", 'echo "hi'), OPEN_QUOTE)
    assert cli("task", "add", "a", "--command", "echo hi", "--shell").code == 0
    before = cli("task", "show", "a", "--json").json()
    refused(cli("task", "update", "a", "--command", 'echo "hi', "--shell"), OPEN_QUOTE)
    assert cli("task", "show", "a", "--json").json() == before

    exported = cli("export", "-").json()
    task = exported["tasks"][0]
    task["name"] = "b"
    task["action"] = {**task["action"], "argv": ['echo "hi'], "line": 'echo "hi'}
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(exported))
    refused(cli("import", str(path)),  # named as the file has it
            "tasks[0].action.argv" + OPEN_QUOTE.removeprefix("command"))

    crontab = tmp_path / "crontab"
    crontab.write_text('0 2 * * * echo "hi\n')
    refused(cli("import", "--crontab", str(crontab)), "line 1: " + OPEN_QUOTE)
    refused(cli("import", "--crontab", str(crontab), "--dry-run"), "line 1: " + OPEN_QUOTE)

    units = tmp_path / "units"
    units.mkdir()
    (units / "greet.timer").write_text("[Timer]\nOnCalendar=daily\n")
    (units / "greet.service").write_text('[Service]\nExecStart=/bin/echo "hi $HOME\n')
    refused(cli("import", "--systemd", str(units)),
            'greet.timer: command: the quote " at character 11 is never closed')
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["a"]


def test_names_differing_only_in_letter_case_are_one_name(cli: Any, tmp_path: Path) -> None:
    """`shout` and `Shout` cannot both be made (add, rename, import); a name typed in
    another case means the one task (`--after SHOUT`, `task run SHOUT`), stored as its name."""
    assert cli("task", "add", "shout", "--command", "true").code == 0
    clash = "name: a task named 'shout' already exists: 'Shout' differs from it only in " \
            "letter case"
    refused(cli("task", "add", "Shout", "--command", "true"), clash)
    assert cli("task", "add", "other", "--command", "true").code == 0
    refused(cli("task", "update", "other", "--name", "Shout"), clash)
    exported = cli("export", "-").json()
    (task,) = [t for t in exported["tasks"] if t["name"] == "other"]
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps({**exported, "tasks": [{**task, "name": "SHOUT"}]}))
    refused(cli("import", str(path)), clash.replace("'Shout'", "'SHOUT'"))
    assert sorted(t["name"] for t in cli("task", "list", "--json").json()) == ["other", "shout"]

    assert cli("task", "add", "down", "--command", "true", "--after", "SHOUT",
               "--depends-on", "Other", "--fallback", "OTHER").code == 0
    down = cli("task", "show", "down", "--json").json()
    assert (down["schedule"]["tasks"], down["depends_on"], down["fallback"]) == (
        ["shout"], ["other"], "other")
    assert "run 1 of 'shout'" in cli("task", "run", "SHOUT").out
    assert [r["task_name"] for r in cli("run", "list", "--task", "Shout", "--json").json()] \
        == ["shout"]
    assert cli("task", "update", "shout", "--name", "Shout").code == 0  # its own name
    assert cli("task", "show", "down", "--json").json()["schedule"]["tasks"] == ["Shout"]


def test_a_store_already_holding_names_differing_in_case_keeps_working(
        cli: Any, home: Path) -> None:
    import sqlite3

    for name in ("shout", "pair"):
        assert cli("task", "add", name, "--command", "true").code == 0
    with sqlite3.connect(home / "tickwork.db") as db:  # as a Tickwork before the rule made
        db.execute("UPDATE task SET name = 'Shout' WHERE name = 'pair'")
    assert sorted(t["name"] for t in cli("task", "list", "--json").json()) == ["Shout", "shout"]
    for name in ("shout", "Shout"):  # exact names are never in doubt
        assert cli("task", "update", name, "--priority", "3").code == 0
        assert cli("task", "show", name, "--json").json()["name"] == name
    assert cli("task", "add", "down", "--command", "true", "--after", "Shout").code == 0
    assert cli("task", "show", "down", "--json").json()["schedule"]["tasks"] == ["Shout"]
    both = "'SHOUT' could be 'Shout' or 'shout' (names differing only in letter case)"
    refused(cli("task", "add", "down2", "--command", "true", "--after", "SHOUT"),
            "after: " + both)
    refused(cli("task", "run", "SHOUT"), "task: " + both)
    assert cli("task", "run", "Shout").code == 0


def test_a_path_typed_relative_means_the_folder_it_was_typed_in(home: Path,
                                                                 tmp_path: Path) -> None:
    """README's `--command ./standup.sh`, typed in the script's folder, was checked there and
    stored with no working folder: every run started in the engine's folder and failed with
    "No such file or directory". The folder typed in is now the task's working folder."""
    from tests.engine.conftest import EngineProcess, wait_until
    from tests.support import tickwork

    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "standup.sh").write_text("#!/bin/sh\necho standing up in \"$PWD\"\n")
    (scripts / "standup.sh").chmod(0o755)
    (scripts / "mymod_here.py").write_text("def f():\n    print('beside it')\n")

    def typed_in(folder: Path, *args: str) -> Any:
        done = tickwork.run(["--home", str(home), *args], cwd=folder, timeout=60)
        assert done.returncode == 0, done.stderr
        return done

    def action(name: str) -> Any:
        return json.loads(typed_in(tmp_path, "task", "show", name, "--json").stdout)["action"]

    typed_in(scripts, "task", "add", "standup", "--command", "./standup.sh", "--manual")
    assert action("standup")["cwd"] == str(scripts)
    assert action("standup")["argv"] == ["./standup.sh"]  # the line kept as typed
    typed_in(scripts, "task", "add", "dot", "--command", "ls", "--cwd", ".", "--manual")
    assert action("dot")["cwd"] == str(scripts)  # a relative --cwd, made absolute
    typed_in(scripts, "task", "add", "py", "--python", "mymod_here:f", "--manual")
    assert action("py")["cwd"] == str(scripts)
    typed_in(tmp_path, "task", "add", "plain", "--command", "true", "--manual")
    assert action("plain")["cwd"] is None  # nothing relative: the home folder
    (scripts / "crunch.py").write_text("print('crunched')\n")
    typed_in(scripts, "task", "add", "bare", "--command", "python3 crunch.py", "--manual")
    assert action("bare")["cwd"] == str(scripts)  # a file here by its name alone
    typed_in(scripts, "task", "add", "word", "--command", "echo crunch", "--manual")
    assert action("word")["cwd"] is None  # a word that is no file here: nothing relative

    engine = EngineProcess(home, tmp_path / "engine.log")  # started from another folder
    try:
        for name in ("standup", "py"):
            ran = json.loads(typed_in(tmp_path, "task", "run", name, "--json").stdout)
            shown = wait_until(lambda run=ran: (r := json.loads(typed_in(
                tmp_path, "run", "show", str(run["id"]), "--json").stdout))["status"]
                in ("succeeded", "failed") and r, 30)
            assert shown["status"] == "succeeded", shown
        log = typed_in(tmp_path, "run", "show", str(ran["id"] - 1), "--log").stdout
        assert f"standing up in {scripts}" in log
    finally:
        engine.stop()


def test_shell_syntax_without_the_shell_gets_a_note_as_in_the_editor(cli: Any) -> None:
    """`--command 'sleep 20; echo done'` was stored without a word and every run failed with
    "sleep: invalid time interval 'done'"; the editor says so under the field, the CLI now
    on stderr — a note, since a program may want the `;` itself (`find … -exec … ;`)."""
    added = cli("task", "add", "long", "--command", "sleep 20; echo done", "--manual")
    assert added.code == 0
    assert added.err.strip() == (
        "note: 'long' runs without the shell, but its command uses shell syntax (`;`): the "
        "program gets it as literal words; add --shell to run the line through /bin/sh")
    assert cli("task", "update", "long", "--shell").err == ""  # through the shell now
    assert cli("task", "add", "piped", "--command", "ls | wc -l", "--shell",
               "--manual").err == ""
    assert cli("task", "update", "piped", "--priority", "3").err == ""  # the action unchanged
    # a shell given its script (`sh -c`): the syntax is for that shell, which reads it so (the
    # note was said of it; a fault hunt)
    lines = ('sh -c "echo $HOME; ls"', "bash -lc 'a | b'", '/bin/sh -e -c "x && y"')
    for i, line in enumerate(lines):
        added = cli("task", "add", f"sh{i}", "--command", line, "--manual")
        assert added.code == 0 and added.err == "", (line, added.err)
    assert "note:" in cli("task", "add", "script", "--command", "sh run.sh $HOME",
                          "--manual", "--no-verify").err  # a script file: $ is literal


ONE_FIELD = [
    (["task", "add", "t", "--command", "true", "--priority", "abc"],
     "error: priority: not a whole number: 'abc'"),
    (["run", "show", "abc"], "error: run: not a whole number: 'abc'"),
    (["run", "list", "--status", "bogus"], "error: status: not a run status: 'bogus'"),
    (["--store", "foo", "task", "list"], "error: --store: 'foo' is not a PostgreSQL URL"),
    # quoted as typed (the slashes of an empty host were dropped: 'sqlite:/x.db')
    (["--store", "sqlite:///x.db", "task", "list"],
     "error: --store: 'sqlite:///x.db' is not a PostgreSQL URL"),
    (["task", "add", "t", "--command", "true", "--secret-env", "NOEQ"],
     "error: secret-env: expected KEY=SECRET, got 'NOEQ'"),
    (["task", "add", "t", "--command", "true", "--every", "-5m"],
     "error: every: must be positive, got '-5m'"),
    (["task", "add", "t", "--command", "true", "--every", "1h", "--timeout", "-1s"],
     "error: timeout: must be positive, got '-1s'"),
]


@pytest.mark.parametrize(("options", "line"), ONE_FIELD)
def test_a_bad_value_names_its_field_once(cli: Any, options: list[str], line: str) -> None:
    """Not "argument --priority: priority: …", and a value starting with '-' reaches the
    field's own check, not argparse's "expected one argument"."""
    refused(cli(*options), line)
    assert cli("task", "list", "--json").json() == []


def test_a_tag_holding_a_comma_is_refused(cli: Any) -> None:
    """`--tag "a,b"` was stored, and the editor, which lists tags comma-separated, gave it
    back as two tags on the next save; `task show` printed "a b, a,b" for tags "a b", "a,b"."""
    refused(cli("task", "add", "t", "--command", "true", "--manual", "--tag", "a,b"), "tags",
            "'a,b': a tag cannot hold a comma")
    assert cli("task", "add", "t", "--command", "true", "--manual", "--tag", "a b",
               "--tag", "c").code == 0
    refused(cli("task", "update", "t", "--tag", "x,y"), "tags")
    assert cli("task", "show", "t", "--json").json()["tags"] == ["a b", "c"]


def test_relative_paths_through_the_shell_an_emptied_cwd_and_a_deleted_folder(
        home: Path, tmp_path: Path) -> None:
    """Found by a fault hunt: `--shell --command ./x.sh` kept no folder (every run: "./x.sh:
    not found"); `task update --cwd ""` stored the current folder instead of none; a command
    typed in a folder deleted since failed with a bare FileNotFoundError."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    folder = tmp_path / "w"
    folder.mkdir()

    def typed_in(where: Path, *args: str) -> Any:
        return tickwork_in(where, "--home", str(home), *args)

    def tickwork_in(where: Path, *args: str) -> Any:
        return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=where, text=True,
                              capture_output=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})

    def cwd_of(name: str) -> Any:
        shown = typed_in(tmp_path, "task", "show", name, "--json")
        return json.loads(shown.stdout)["action"]["cwd"]

    assert typed_in(folder, "task", "add", "s", "--shell", "--command", "./x.sh --go",
                    "--manual", "--no-verify").returncode == 0
    assert cwd_of("s") == str(folder)
    moved = typed_in(folder, "task", "update", "s", "--cwd", "")  # (./x.sh is in no folder:
    assert moved.returncode == 2 and "no such program: ./x.sh" in moved.stderr  # checked)
    assert typed_in(folder, "task", "update", "s", "--cwd", "", "--no-verify").returncode == 0
    assert cwd_of("s") is None
    # a newcomer's run-through: `--shell --command sub/x.sh` (no ./) kept no folder either
    # ("sub/x.sh: not found"), nor did a script named as an argument
    (folder / "sub").mkdir()
    (folder / "sub" / "x.sh").write_text("#!/bin/sh\n")
    for name, line, shell in (("sub", "sub/x.sh --go", True), ("arg", "sh sub/x.sh", False),
                              ("argsh", "sh sub/x.sh | cat", True),
                              ("plain", "echo a/b", True), ("abs", "sh /bin/x/y", False),
                              ("assign", "TZ=Europe/Berlin date", True)):  # (a review's)
        added = typed_in(folder, "task", "add", name, *(["--shell"] if shell else []),
                         "--command", line, "--manual", "--no-verify")
        assert added.returncode == 0, added.stderr
        # a word that is no path here ("a/b") or an absolute one keeps no folder
        assert cwd_of(name) == (None if name in ("plain", "abs", "assign") else str(folder)), name
    gone = tmp_path / "gone"
    gone.mkdir()
    code = ("import os, subprocess, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); "
            "sys.exit(subprocess.run([sys.executable, '-m', 'app.cli', '--home', sys.argv[2], "
            "'task', 'add', 'g', '--command', './x.sh', '--manual', '--no-verify']).returncode)")
    done = subprocess.run([sys.executable, "-c", code, str(gone), str(home)], text=True,
                          capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2, done.stderr
    assert "cwd: the current folder no longer exists" in done.stderr


def test_odd_digits_and_unicode_forms_of_names(cli: Any) -> None:
    """Found by a fault hunt: `task show ²` failed with "ValueError: invalid literal for
    int()" (² is a digit to str.isdigit, not to int); "Café" typed as e + accent and as é
    made two tasks that look the same."""
    shown = cli("task", "show", "²")
    assert shown.code == 2 and shown.err == "tickwork: error: task not found: ²\n"
    assert cli("task", "add", "²", "--command", "true", "--manual").code == 0  # a name, no id
    assert cli("task", "add", "Cafe\u0301", "--command", "true", "--manual").code == 0
    refused(cli("task", "add", "Caf\u00e9", "--command", "true", "--manual"), "name",
            "differs from it only in how its letters are encoded (Caf\\xe9 against "
            "Cafe\\u0301")
    # look-alikes of another kind (a newcomer's run-through: they made two tasks), named by
    # their code points, which the eye cannot tell apart
    assert cli("task", "add", "full", "--command", "true", "--manual").code == 0
    refused(cli("task", "add", "\uff46\uff55\uff4c\uff4c", "--command", "true", "--manual"),
            "differs from it only in the forms of its letters (\\uff46\\uff55\\uff4c\\uff4c "
            "against full: full-width")
    refused(cli("task", "add", "\uff26ULL", "--command", "true", "--manual"),
            "differs from it only in letter case and the forms of its letters")
    assert cli("task", "add", "\u03a9", "--command", "true", "--manual").code == 0
    refused(cli("task", "add", "\u2126", "--command", "true", "--manual"),
            "a task named '\u03a9' already exists: '\u2126' differs from it only in how its "
            "letters are encoded (\\u2126 against \\u03a9")
    assert [t["name"] for t in cli("task", "list", "--json").json()] == [
        "Cafe\u0301", "full", "\u00b2", "\u03a9"]


@pytest.mark.parametrize("option", ["--start", "--end", "--at"])
def test_a_wall_time_the_clocks_skip_is_refused_by_every_time_option(cli: Any,
                                                                      option: str) -> None:
    """`--at` refused 02:30 on the night Berlin springs forward; `--start` took it as 03:30
    without a word. A repeated wall time (the autumn night) is its first occurrence."""
    timing = [] if option == "--at" else ["--every", "1h"]
    refused(cli("task", "add", "x", "--command", "true", "--tz", "Europe/Berlin", *timing,
                option, "2027-03-28T02:30:00"),
            f"{option[2:]}: 2027-03-28 02:30:00 does not exist in Europe/Berlin")
    assert cli("task", "list", "--json").json() == []
    assert cli("task", "add", "y", "--command", "true", "--tz", "Europe/Berlin", *timing,
               option, "2027-10-31T02:30:00").code == 0
    shown = cli("task", "show", "y", "--json").json()
    key = {"--start": "start_at", "--end": "end_at"}.get(option)
    assert (shown[key] if key else shown["next_run_at"]) == "2027-10-31T00:30:00+00:00"


def test_a_newline_after_a_name_is_not_part_of_it(cli: Any, home: Path) -> None:
    """The checks' patterns ended in `$`, which also matches before a last newline: "g\n"
    from a script or an import file was a second concurrency group beside "g" (its limit
    not shared), "K\n" a variable the run never got. The newline is not part of the name; a
    Python target an older version stored with it still reads (refusing it there stopped
    every read of the task, and the engine with it)."""
    import sqlite3

    assert cli("task", "add", "a", "--manual", "--command", "true", "--group", "g:2").code == 0
    assert cli("task", "add", "b", "--manual", "--command", "true", "--group", "g\n:2",
               "--env", "K\n=v").code == 0
    assert cli("task", "add", "c", "--manual", "--no-verify",
               "--python", "os:getcwd\n").code == 0
    listed = {t["name"]: t for t in cli("task", "list", "--json").json()}
    assert listed["a"]["group"] == listed["b"]["group"] == "g"
    assert listed["b"]["env"] == {"K": "v"}
    assert listed["c"]["action"]["target"] == "os:getcwd"
    with sqlite3.connect(home / "tickwork.db") as con:  # as an older version stored them
        con.execute("UPDATE task SET action = json_set(action, '$.target', 'os:getcwd' || "
                    "char(10)) WHERE name = 'c'")
        con.execute("INSERT INTO concurrency_group (name, \"limit\") VALUES ('g' || char(10), 2)")
        con.execute("UPDATE task SET group_id = (SELECT id FROM concurrency_group WHERE name = "
                    "'g' || char(10)) WHERE name = 'b'")
    shown = cli("task", "show", "c", "--json")
    assert shown.code == 0 and shown.json()["action"]["target"] == "os:getcwd", shown.err
    assert cli("task", "show", "b", "--json").code == 0  # (read as it was stored)


def test_a_secret_name_with_a_trailing_newline_is_refused(cli: Any) -> None:
    refused(cli("secret", "set", "nl\n", stdin="v"), "name")
    assert cli("secret", "list").out.strip() == "(none)"


def test_a_cron_step_that_does_not_come_round_evenly_is_said_as_it_fires(cli: Any) -> None:
    """README's promise through the CLI: "Every 45 minutes" was said of `*/45`, which fires
    at :00 and :45 (a fault hunt); `task add` and `task list` say its times."""
    added = cli("task", "add", "x", "--cron", "*/45 * * * *", "--command", "true", "--tz", "UTC")
    assert added.code == 0 and "At 0 and 45 minutes past the hour" in added.out, added.out
    assert cli("task", "list", "--json").json()[0]["schedule_text"].startswith(
        "At 0 and 45 minutes past the hour")


def test_a_one_shot_in_the_past_is_said_in_its_zone_as_a_person_writes_times(cli: Any) -> None:
    """"at: is in the past: 2020-12-05 20:00:00+00:00 (now 2026-12-05 18:27:10+00:00)"
    (a person in the window): the time as typed, in the task's zone, and now in it too."""
    result = cli("task", "add", "x", "--command", "true", "--at", "2020-12-05T20:00",
                 "--tz", "Europe/Berlin")
    refused(result, "tickwork: error: at: is in the past: 2020-12-05 20:00 (Europe/Berlin); "
                    "it is now 20")
    assert result.err.rstrip().endswith(" (Europe/Berlin)"), result.err
    assert "+00:00" not in result.err and "+01:00" not in result.err
    assert cli("task", "list", "--json").json() == []


@pytest.mark.parametrize("args", [
    ["task", "show"], ["task", "update", "--priority", "3"], ["task", "delete", "--force"],
    ["task", "run"], ["task", "reschedule", "--every", "5m"], ["task", "pause"],
    ["task", "resume"], ["run", "list", "--task"]], ids=lambda args: " ".join(args[:2]))
def test_an_empty_task_name_is_bad_input_naming_the_field(cli: Any, args: list[str]) -> None:
    """`task show ''` said "task not found: " and nothing after (`--task "$T"` with T unset)."""
    assert cli("task", "add", "t", "--command", "true", "--every", "1h").code == 0
    before = cli("task", "show", "t", "--json").json()
    for empty in ("", " "):
        verb, rest = args[:2], args[2:]
        said = cli(*verb, *([*rest, empty] if verb == ["run", "list"] else [empty, *rest]))
        assert (said.code, said.out, said.err) == (
            2, "", "tickwork: error: task: is empty: give the task's name or its id\n")
    assert cli("task", "show", "t", "--json").json() == before
    assert cli("run", "list", "--json").json() == []
