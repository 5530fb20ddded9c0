"""`task update` and `reschedule` change what their options say and leave the rest as it
was; contradictory options are refused in one line (exit 2) and change nothing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_task_checks import refused
from tests.conftest import ROOT


def action(cli: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = cli("task", "show", name, "--json").json()["action"]
    return found


def test_a_new_command_keeps_the_tasks_shell_unless_told(cli: Any) -> None:
    assert cli("task", "add", "d", "--command", "echo a | tr a b", "--shell", "--manual").code \
        == 0
    assert cli("task", "update", "d", "--command", "echo a | tr a c").code == 0
    assert action(cli, "d")["shell"] is True
    assert action(cli, "d")["argv"] == ["echo a | tr a c"]
    assert cli("task", "update", "d", "--no-shell").code == 0  # the line, now split
    assert action(cli, "d")["shell"] is False
    assert action(cli, "d")["argv"] == ["echo", "a", "|", "tr", "a", "c"]
    assert cli("task", "update", "d", "--command", "echo 'x y'").code == 0
    assert action(cli, "d")["argv"] == ["echo", "x y"]
    assert cli("task", "update", "d", "--command", "echo b | cat", "--shell").code == 0
    assert action(cli, "d")["argv"] == ["echo b | cat"]
    assert cli("task", "update", "d", "--command", "echo 'z z'", "--no-shell").code == 0
    assert action(cli, "d") == {
        "kind": "command", "argv": ["echo", "z z"], "shell": False, "cwd": None,
        "line": "echo 'z z'"}


def test_a_new_python_target_keeps_the_tasks_kwargs_unless_given(cli: Any) -> None:
    assert cli("task", "add", "pp", "--python", "json:loads", "--kwargs", '{"s": "1"}',
               "--manual").code == 0
    assert cli("task", "update", "pp", "--python", "json:dumps").code == 0
    assert action(cli, "pp")["kwargs"] == {"s": "1"}
    assert action(cli, "pp")["target"] == "json:dumps"
    assert cli("task", "update", "pp", "--python", "json:loads", "--kwargs", "{}").code == 0
    assert action(cli, "pp")["kwargs"] == {}
    refused(cli("task", "update", "pp", "--shell"), "shell: goes with --command")


def test_contradictory_switches_are_refused_and_change_nothing(cli: Any) -> None:
    assert cli("task", "add", "x", "--command", "true", "--manual").code == 0
    before = cli("task", "show", "x", "--json").json()
    refused(cli("task", "update", "x", "--disabled", "--enabled"), "--enabled", "--disabled")
    refused(cli("task", "update", "x", "--notify", "never", "--notify-success"),
            "--notify-success", "--notify")
    assert cli("task", "show", "x", "--json").json() == before
    refused(cli("task", "add", "ns", "--command", "true", "--manual", "--notify", "never",
                "--notify-success"), "--notify-success", "--notify")
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["x"]


def test_options_that_add_and_drop_the_same_thing_are_refused_and_change_nothing(
        cli: Any) -> None:
    """Which of `--env A=9 --unset-env A` won was an accident of the code; each such pair is
    refused as `--enabled --disabled` is, in one line naming both options. (`--unset-env K`
    with `--env K` that changes K from a secret to plain is the next test's.)"""
    assert cli("task", "add", "v", "--command", "true", "--manual", "--env", "A=1",
               "--tag", "t").code == 0
    before = cli("task", "show", "v", "--json").json()
    for given, first, second, named in (
            (["--env", "A=9", "--unset-env", "A"], "--unset-env", "--env", "variable 'A'"),
            (["--unset-env", "A", "--env", "A=9"], "--unset-env", "--env", "variable 'A'"),
            (["--env", "B=1", "--secret-env", "B=s"], "--secret-env", "--env", "variable 'B'"),
            (["--tag", "t", "--untag", " t"], "--untag", "--tag", "tag 't'"),
            (["--env-clear", "--unset-env", "A"], "--unset-env", "--env-clear", ""),
            (["--untag", "t", "--tag-clear"], "--tag-clear", "--untag", "")):
        refused(cli("task", "update", "v", *given), f"argument {first}: not allowed with "
                f"argument {second}", named)
    assert cli("task", "show", "v", "--json").json() == before
    refused(cli("task", "add", "w", "--command", "true", "--manual", "--tag", "a", "--untag",
                "a"), "unrecognized arguments: --untag")  # update's alone (below)
    # what does not contradict still works: clear, then set; set one, drop another
    assert cli("task", "update", "v", "--env-clear", "--env", "A=2", "--tag-clear", "--tag",
               "u").code == 0
    assert cli("task", "update", "v", "--env", "C=3", "--unset-env", "A").code == 0
    after = cli("task", "show", "v", "--json").json()
    assert (after["env"], after["tags"]) == ({"C": "3"}, ["u"])


def test_a_schedule_that_takes_no_exclusions_is_refused_while_the_task_has_some(
        cli: Any) -> None:
    assert cli("task", "add", "r", "--command", "true", "--cron", "0 3 * * *", "--exclude",
               "2027-01-01").code == 0
    before = cli("task", "show", "r", "--json").json()
    for options in (["reschedule", "r", "--at", "2027-03-01T10:00"],
                    ["update", "r", "--at", "2027-03-01T10:00"],
                    ["reschedule", "r", "--manual"]):
        refused(cli("task", *options), "exclude: a", "takes no exclusion dates",
                "--exclude-clear")
    assert cli("task", "show", "r", "--json").json() == before
    moved = cli("task", "reschedule", "r", "--at", "2027-03-01T10:00", "--exclude-clear")
    assert moved.code == 0, moved.err
    assert cli("task", "show", "r", "--json").json()["schedule"]["kind"] == "date"
    # a new repeating schedule keeps them, as before
    assert cli("task", "add", "k", "--command", "true", "--cron", "0 3 * * *", "--exclude",
               "2027-01-01").code == 0
    assert cli("task", "reschedule", "k", "--every", "1h").code == 0
    assert cli("task", "show", "k", "--json").json()["schedule"]["exclude"] == ["2027-01-01"]


def settings(cli: Any, name: str) -> dict[str, Any]:
    shown = cli("task", "show", name, "--json").json()
    return {k: shown[k] for k in ("env", "secret_env", "tags", "timeout", "group",
                                  "group_limit")}


def test_update_adds_and_removes_variables_and_tags_one_by_one(cli: Any) -> None:
    """As --exclude/--exclude-clear: a repeatable option adds (or sets one KEY), --unset-env
    and --untag remove one, --env-clear and --tag-clear drop all first."""
    assert cli("task", "add", "e", "--command", "true", "--manual", "--env", "A=1", "--env",
               "B=2", "--tag", "x", "--tag", "y").code == 0
    assert cli("task", "update", "e", "--env", "C=3", "--env", "A=9", "--tag", "z").code == 0
    assert settings(cli, "e")["env"] == {"A": "9", "B": "2", "C": "3"}
    assert settings(cli, "e")["tags"] == ["x", "y", "z"]
    assert cli("task", "update", "e", "--unset-env", "B", "--untag", "y").code == 0
    assert (settings(cli, "e")["env"], settings(cli, "e")["tags"]) == (
        {"A": "9", "C": "3"}, ["x", "z"])
    before = cli("task", "show", "e", "--json").json()
    refused(cli("task", "update", "e", "--unset-env", "NOPE"), "unset-env", "'NOPE'")
    refused(cli("task", "update", "e", "--untag", "nope", "--tag", "w"), "untag", "'nope'")
    assert cli("task", "show", "e", "--json").json() == before
    assert cli("task", "update", "e", "--env-clear", "--env", "D=4", "--tag-clear").code == 0
    assert (settings(cli, "e")["env"], settings(cli, "e")["tags"]) == ({"D": "4"}, [])


def test_a_secret_variable_is_unset_by_name_and_not_overwritten_plain(cli: Any) -> None:
    assert cli("secret", "set", "token", stdin="hunter2\n").code == 0
    assert cli("task", "add", "s", "--command", "env", "--manual", "--env", "MODE=fast",
               "--secret-env", "TOKEN=token").code == 0
    refused(cli("task", "update", "s", "--env", "TOKEN=x"), "env",
            "TOKEN is the task's secret variable: --unset-env TOKEN --env TOKEN=VALUE")
    # dropping a secret and setting it again as a secret: which wins would be an accident
    refused(cli("task", "update", "s", "--unset-env", "TOKEN", "--secret-env", "TOKEN=token"),
            "argument --unset-env: not allowed with argument --secret-env for the same "
            "variable 'TOKEN'")
    # dropping it and setting it plain changes its kind: that is what the two say together
    assert cli("task", "update", "s", "--unset-env", "TOKEN", "--env", "TOKEN=x").code == 0
    assert (settings(cli, "s")["env"], settings(cli, "s")["secret_env"]) == (
        {"MODE": "fast", "TOKEN": "x"}, {})


def test_a_timeout_and_a_group_once_set_can_be_removed(cli: Any) -> None:
    assert cli("task", "add", "g", "--command", "true", "--manual", "--timeout", "5m",
               "--group", "io:2").code == 0
    assert cli("task", "update", "g", "--timeout", "none").code == 0
    assert settings(cli, "g")["timeout"] is None
    assert settings(cli, "g")["group"] == "io"
    assert cli("task", "update", "g", "--group", "").code == 0
    assert (settings(cli, "g")["group"], settings(cli, "g")["group_limit"]) == (None, None)
    refused(cli("task", "update", "g", "--timeout", "0"), "timeout: must be positive")


def test_depends_on_gives_the_whole_list(cli: Any) -> None:
    for name in ("a", "b"):
        assert cli("task", "add", name, "--command", "true", "--manual").code == 0
    assert cli("task", "add", "c", "--command", "true", "--manual", "--depends-on", "a").code \
        == 0
    assert cli("task", "update", "c", "--depends-on", "b").code == 0
    assert cli("task", "show", "c", "--json").json()["depends_on"] == ["b"]


def test_a_fallback_folder_and_window_are_cleared_with_an_empty_value(cli: Any) -> None:
    assert cli("task", "add", "spare", "--command", "true", "--manual").code == 0
    assert cli("task", "add", "f", "--command", "true", "--every", "1h", "--fallback",
               "spare", "--cwd", "/tmp", "--start", "2030-01-01T00:00", "--end",
               "2031-01-01T00:00").code == 0
    for option in ("--fallback", "--cwd", "--start", "--end"):
        assert cli("task", "update", "f", option, "").code == 0
    shown = cli("task", "show", "f", "--json").json()
    assert (shown["fallback"], shown["action"]["cwd"], shown["start_at"], shown["end_at"]) \
        == (None, None, None, None)


def test_moving_to_another_group_keeps_that_groups_limit(cli: Any) -> None:
    """`task update t4 --group k` (t4 in g:2, k already at 7) set k's limit to 2 for every
    task in k — the old group's limit carried over (found by a fault hunt)."""
    assert cli("task", "add", "t3", "--command", "true", "--manual", "--group", "k:7").code == 0
    assert cli("task", "add", "t4", "--command", "true", "--manual", "--group", "g:2").code == 0
    assert cli("task", "update", "t4", "--group", "k").code == 0
    for name in ("t3", "t4"):
        shown = cli("task", "show", name, "--json").json()
        assert (shown["group"], shown["group_limit"]) == ("k", 7), name
    assert cli("task", "update", "t4", "--group", "fresh").code == 0  # a new group: limit 1
    assert cli("task", "show", "t4", "--json").json()["group_limit"] == 1
    assert cli("task", "show", "t3", "--json").json()["group_limit"] == 7


@pytest.mark.parametrize("option", ["--env", "--secret-env"])
def test_a_variable_tickwork_sets_for_every_run_is_refused(cli: Any, option: str) -> None:
    """`--env TICKWORK_RUN_ID=999` was taken, then set over at every run (a fault hunt)."""
    added = cli("task", "add", "t", "--manual", "--command", "true", option,
                "TICKWORK_RUN_ID=999")
    assert added.code == 2
    assert "TICKWORK_RUN_ID is set by Tickwork for every run; a task cannot set it" in \
        added.err
    assert cli("task", "list", "--json").json() == []


def test_a_new_group_limit_that_is_also_other_tasks_is_said(cli: Any) -> None:
    """`--group nightly:2` changed the limit of every task in the group with no word (a
    helper's note): it is said on stderr, naming the others; the same limit says nothing."""
    assert cli("task", "add", "g", "--manual", "--command", "true", "--group",
               "nightly:5").code == 0
    added = cli("task", "add", "h", "--manual", "--command", "true", "--group", "nightly:2")
    assert added.code == 0
    assert added.err.strip() == ("note: group 'nightly' now lets 2 run at once (was 5) for "
                                 "all its tasks, also 'g'")
    again = cli("task", "update", "g", "--group", "nightly:2")
    assert again.code == 0 and again.err == ""
    joined = cli("task", "add", "k", "--manual", "--command", "true", "--group", "nightly")
    assert joined.code == 0 and joined.err == ""


def test_group_limit_notes_hold_when_tasks_are_added_at_once(cli: Any, home: Path) -> None:
    """Six `task add --group pg:N` at once (a newcomer's run-through: one note of six, the
    limit changed under the others without a word): each command reads the group's limit
    in the transaction that changes it, so every add after the first says the limit it
    replaced, and the notes chain from one limit to the next."""
    assert cli("task", "list").code == 0  # the store exists before they race for it
    procs = [subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--home", str(home), "task", "add", f"n{i}",
         "--manual", "--command", "true", "--group", f"pg:{i}"], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(1, 7)]
    notes = {}
    for i, proc in enumerate(procs, 1):
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        if err:
            notes[i] = err
    assert len(notes) == 5, notes
    changed = {int(re.search(r"\(was (\d+)\)", e).group(1)): i  # type: ignore[union-attr]
               for i, e in notes.items()}
    first = next(i for i in range(1, 7) if i not in notes)
    seen, at = [first], first
    while at in changed:  # was → now: one chain through all six limits
        at = changed[at]
        seen.append(at)
    assert sorted(seen) == [1, 2, 3, 4, 5, 6], (notes, seen)
    final = {t["group_limit"] for t in cli("task", "list", "--json").json()}
    assert final == {seen[-1]}


@pytest.mark.parametrize("dropping", [["--untag", "t"], ["--tag-clear"], ["--unset-env", "A"],
                                      ["--env-clear"], ["--exclude-clear"]],
                         ids=["untag", "tag-clear", "unset-env", "env-clear", "exclude-clear"])
def test_options_that_drop_what_a_task_has_are_update_s_not_add_s(cli: Any,
                                                                  dropping: list[str]) -> None:
    """`task add --help` listed --untag ("remove a tag the task has") and the other options
    that drop a stored task's values; `add x --untag t` said "the task has no tag 't'" and
    `add x --env-clear` was taken without a word. They are `task update`'s (and
    --exclude-clear `reschedule`'s) alone."""
    added = cli("task", "add", "x", "--command", "true", *dropping)
    assert added.code == 2 and dropping[0] in added.err
    assert cli("task", "list", "--json").json() == []
    assert dropping[0] not in cli("task", "add", "--help").out
    assert dropping[0] in cli("task", "update", "--help").out


def test_a_retry_at_once_is_set_as_the_editor_and_an_import_set_it(cli: Any) -> None:
    """A retry delay of 0 (retry at once) is what the editor and an export may hold, and
    `task show` says it ("delay 0s"); `--retry-delay 0` was refused ("must be positive"),
    so the command line could neither set it nor put it back after a change. A negative
    one is refused, changing nothing."""
    assert cli("task", "add", "r", "--command", "true", "--manual", "--retries", "2",
               "--retry-delay", "0").code == 0
    assert cli("task", "show", "r", "--json").json()["retry_delay"] == 0
    assert cli("task", "update", "r", "--retry-delay", "45s").code == 0
    assert cli("task", "update", "r", "--retry-delay", "0s").code == 0
    assert cli("task", "show", "r", "--json").json()["retry_delay"] == 0
    assert "delay 0s" in cli("task", "show", "r").out
    negative = cli("task", "update", "r", "--retry-delay", "-1s")
    assert (negative.code, negative.err) == (
        2, "tickwork: error: retry-delay: must not be negative, got '-1s'\n")
    assert cli("task", "show", "r", "--json").json()["retry_delay"] == 0


def test_an_import_file_takes_the_retry_delays_the_command_line_takes(
        cli: Any, tmp_path: Path) -> None:
    """`"retry_delay": "0s"` was refused ("must be positive") while the number 0 and
    `--retry-delay 0s` were taken: the file's text now goes through the command line's one
    parser. A negative one is refused, naming the field, and nothing is imported."""
    path = tmp_path / "in.json"

    def imported(delay: object) -> Any:
        path.write_text(json.dumps({"version": 1, "tasks": [
            {"name": "r", "action": {"kind": "command", "argv": ["true"]},
             "retries": 2, "retry_delay": delay}]}))
        return cli("import", str(path))

    for delay in ("-1s", -1):
        said = imported(delay)
        assert (said.code, said.err) == (
            2, f"tickwork: error: tasks[0].retry_delay: must not be negative, got {delay!r}\n")
    assert cli("task", "list", "--json").json() == []
    for delay, seconds in (("0s", 0), ("0", 0), ("1m30s", 90), (0, 0)):
        assert imported(delay).code == 0, delay
        assert cli("task", "show", "r", "--json").json()["retry_delay"] == seconds
        assert cli("task", "delete", "r").code == 0
    timeout = cli("task", "add", "t", "--command", "true", "--timeout", "0s")
    assert timeout.code == 2 and "timeout: must be positive" in timeout.err  # a timeout: > 0
