"""What the command line says is what happened (a newcomer's run-through): pausing a paused
task said "paused task 17" again though nothing changed (and nothing was audited); a task's
last run read "timed_out at" the time it was due, not when it ran."""

from __future__ import annotations

from typing import Any


def test_pausing_a_paused_task_says_nothing_changed(cli: Any) -> None:
    assert cli("task", "add", "x5", "--command", "true", "--every", "1h").code == 0
    events = len(cli("audit", "--json").json())
    assert cli("task", "pause", "x5").out == "paused task 1 'x5'\n"
    again = cli("task", "pause", "x5")
    assert (again.code, again.out) == (0, "task 1 'x5' is already paused: nothing changed\n")
    assert cli("task", "resume", "x5").out == "resumed task 1 'x5'\n"
    again = cli("task", "resume", "x5")
    assert (again.code, again.out) == (0, "task 1 'x5' is not paused: nothing changed\n")
    assert len(cli("audit", "--json").json()) == events + 2  # the two changes only


def test_an_update_that_gives_a_task_what_it_has_says_nothing_changed(cli: Any) -> None:
    """`task update x --description same` (or `--timeout none` on a task without one, a
    `reschedule` to its own schedule) said "updated task 1 'x'" and audited a task.update
    each time, unlike a pause of a paused task."""
    assert cli("task", "add", "x", "--command", "true", "--cron", "0 1 * * *", "--tz", "UTC",
               "--description", "same", "--tag", "t").code == 0
    events = len(cli("audit", "--json").json())
    for options in (["--description", "same"], ["--timeout", "none"], ["--tag", "t"],
                    ["--cron", "0 1 * * *"], ["--tz", "UTC"]):
        again = cli("task", "update", "x", *options)
        assert (again.code, again.out) == (0, "task 1 'x' already had that: nothing changed\n")
    again = cli("task", "reschedule", "x", "--cron", "0 1 * * *")
    assert (again.code, again.out) == (0, "task 1 'x' already had that schedule: nothing "
                                          "changed (At 01:00 (UTC))\n")
    assert len(cli("audit", "--json").json()) == events
    assert cli("task", "update", "x", "--description", "new").out == "updated task 1 'x'\n"
    assert len(cli("audit", "--json").json()) == events + 1


def test_an_update_of_when_a_task_fires_says_the_schedule_it_now_has(cli: Any) -> None:
    """`task add` and `reschedule` say the schedule in words; `task update nightly --cron
    "0 3 * * *"` said only "updated task 1 'nightly'", so a cron typed wrong (or a day taken
    from --start) went unseen until `task show`. An update of when the task fires says the
    schedule it now has; any other says what it said."""
    assert cli("task", "add", "nightly", "--command", "true", "--cron", "0 2 * * *",
               "--tz", "UTC").code == 0
    assert cli("task", "update", "nightly", "--cron", "0 3 * * 1-5").out == \
        "updated task 1 'nightly': At 03:00, Monday through Friday (UTC)\n"
    assert cli("task", "update", "nightly", "--exclude", "2027-12-24").out == \
        "updated task 1 'nightly': At 03:00, Monday through Friday (UTC); not on 24 Dec 2027\n"
    assert cli("task", "add", "monthly", "--command", "true", "--calendar", "1mo@02:00",
               "--tz", "UTC").code == 0
    assert cli("task", "update", "monthly", "--start", "2027-01-15T00:00").out == \
        "updated task 2 'monthly': Every month on day 15 at 02:00 (UTC)\n"
    assert cli("task", "update", "nightly", "--priority", "2").out == \
        "updated task 1 'nightly'\n"


def test_a_last_run_that_never_started_says_when_it_was_due(cli: Any) -> None:
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    assert cli("task", "run", "t").code == 0  # no engine: it stays queued ...
    assert cli("run", "cancel", "1").code == 0  # ... and ends unstarted
    last = next(line for line in cli("task", "show", "t").out.splitlines()
                if "last run:" in line)
    assert last.strip().startswith("last run: cancelled, due ") and ", ended " in last
    assert last.endswith("(run 1)")


def test_a_path_that_is_the_wrong_kind_says_what_it_is(cli: Any, tmp_path: Any) -> None:
    """`--cwd /etc/passwd` said "no such folder" (it exists: a file), `--command /tmp` "no
    such program" (a folder)."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    for options, line in (
            (["--command", "true", "--cwd", str(a_file)], f"cwd: a file, not a folder: {a_file}"),
            (["--command", str(tmp_path)], f"command: a folder, not a program: {tmp_path}"),
            (["--command", "true", "--cwd", str(tmp_path / "gone")],
             f"cwd: no such folder: {tmp_path / 'gone'}")):
        refused = cli("task", "add", "t", *options, "--manual")
        assert refused.code == 2 and refused.err.count("\n") == 1, refused
        assert refused.err == f"tickwork: error: {line} (--no-verify stores it anyway)\n"
    assert cli("task", "list", "--json").json() == []


def test_a_time_zone_typed_with_spaces_is_kept_as_its_name(cli: Any) -> None:
    """`--tz 'Europe/Berlin '` was checked without its spaces and stored with them: the
    schedule read "At 01:00 (Europe/Berlin )" and the export kept them."""
    made = cli("task", "add", "tz", "--command", "true", "--cron", "0 1 * * *",
               "--tz", " Europe/Berlin ")
    assert made.code == 0 and made.out.endswith("At 01:00 (Europe/Berlin)\n"), made
    assert cli("task", "show", "tz", "--json").json()["timezone"] == "Europe/Berlin"


def test_a_list_by_priority_puts_first_what_starts_first_and_shows_it(cli: Any) -> None:
    """`task list --sort priority` listed the lowest priority first (higher starts first) and
    showed no priority to say why."""
    for name, priority in (("low", "-3"), ("high", "5"), ("plain", "0")):
        assert cli("task", "add", name, "--command", "true", "--manual",
                   "--priority", priority).code == 0
    lines = cli("task", "list", "--sort", "priority").out.splitlines()
    assert lines[0].split()[:4] == ["ID", "NAME", "ON", "PRIORITY"]
    assert [line.split()[1:4] for line in lines[1:]] == [
        ["high", "yes", "5"], ["plain", "yes", "0"], ["low", "yes", "-3"]]
    listed = cli("task", "list", "--sort", "priority", "--json").json()
    assert [t["name"] for t in listed] == ["high", "plain", "low"]
    assert "PRIORITY" not in cli("task", "list").out  # by name: the usual columns


def test_a_refusal_names_the_option_as_it_is_typed(cli: Any) -> None:
    """A task field's refusal named it in the store's spelling (`max_instances:`,
    `group_limit:`) where others used the option's (`keep-runs:`), and a task running after
    itself was refused as `depends_on:` when `--after` said it."""
    for options, line in (
            (["--max-instances", "0"], "max-instances: must be between 1 and 1000"),
            (["--group", "g:0"], "group: must be between 1 and 10000"),
            (["--after", "x4"], "after: would create a dependency cycle x4 → x4"),
            (["--depends-on", "x4"], "depends-on: would create a dependency cycle x4 → x4"),
            (["--start", "2027-01-02T00:00", "--end", "2027-01-01T00:00"],
             "end: must be after start")):
        refused = cli("task", "add", "x4", "--command", "true", *options)
        assert (refused.code, refused.err) == (2, f"tickwork: error: {line}\n"), options
    assert cli("task", "list", "--json").json() == []


def test_an_end_in_the_past_is_said_so(cli: Any) -> None:
    """`--end` before now was refused as a window back to front ("the schedule never fires
    between 2026-12-07 16:43:08 (Etc/UTC) and 2020-01-01 00:00 (Etc/UTC)"), where a past
    `--at` is said to be in the past."""
    for options in (["--every", "5m"], ["--cron", "0 2 * * *"], ["--calendar", "1d"]):
        refused = cli("task", "add", "x5", "--command", "true", "--tz", "UTC", *options,
                      "--end", "2020-01-01T00:00")
        assert refused.code == 2, options
        assert refused.err.startswith(
            "tickwork: error: end: is in the past: 2020-01-01 00:00 (UTC); it is now "), \
            refused.err
        assert len(refused.err.splitlines()) == 1
    assert cli("task", "list", "--json").json() == []


def test_a_variable_holding_a_space_is_shown_quoted(cli: Any) -> None:
    """`task show` printed `env: A=1 B=two words`: one variable, or three? A value with a
    space or a quote is quoted as a shell would take it back in `--env`; others as they are."""
    assert cli("task", "add", "v", "--command", "true", "--manual", "--env", "A=1",
               "--env", "B=two words", "--env", "C=it's", "--env", "D=").code == 0
    shown = cli("task", "show", "v").out
    assert "         env: A=1 B='two words' C='it'\"'\"'s' D=\n" in shown, shown
    assert cli("task", "show", "v", "--json").json()["env"] == {
        "A": "1", "B": "two words", "C": "it's", "D": ""}  # (--json: the data, exact)


def test_a_missing_or_unknown_command_is_said_in_the_users_words(cli: Any) -> None:
    """`tickwork task` said "the following arguments are required: task_cmd" (a name from
    inside the parser); `secret set --help` did not say where the value comes from."""
    bare = cli("task")
    assert bare.code == 2 and bare.err == (
        "tickwork: error: tickwork task needs a command: add, update, list, show, delete, run, "
        "cancel, reschedule, pause, resume (`tickwork task --help` says what each does)\n")
    unknown = cli("frob")
    assert unknown.code == 2 and unknown.err.startswith(
        "tickwork: error: argument COMMAND: invalid choice: 'frob' (choose from 'task'")
    assert "read from standard input" in cli("secret", "set", "--help").out


def test_a_crontab_task_taken_off_the_shell_drops_its_shell(cli: Any, home: Any) -> None:
    """A crontab's `SHELL=/bin/bash` stays with its task's shell line; `task update --no-shell`
    was refused ("shell_program: is only for commands run through the shell"), the program
    kept though the shell went (a review's finding)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), "import",
                           "--crontab", "-"], input="SHELL=/bin/bash\n* * * * * echo hi\n",
                          text=True, capture_output=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert cli("task", "show", "echo-hi", "--json").json()["action"]["shell_program"] == \
        "/bin/bash"
    assert cli("task", "update", "echo-hi", "--command", "echo there").code == 0  # still sh
    assert cli("task", "show", "echo-hi", "--json").json()["action"]["shell_program"] == \
        "/bin/bash"
    off = cli("task", "update", "echo-hi", "--no-shell")
    assert off.code == 0, off.err
    action = cli("task", "show", "echo-hi", "--json").json()["action"]
    assert (action["shell"], action.get("shell_program")) == (False, None)


def test_a_calendar_day_past_the_28th_says_it_skips_months(cli: Any) -> None:
    """`--calendar 1mo` on the 31st fired in January, March and May and said nothing of it."""
    made = cli("task", "add", "c31", "--command", "true", "--calendar", "1mo@02:00",
               "--start", "2031-01-31T00:00", "--tz", "UTC")
    assert made.code == 0 and made.out.endswith(
        "Every month on day 31 at 02:00, skipping months without one (UTC)\n"), made.out
    fires = cli("simulate", "--from", "2031-01-01T00:00Z", "--hours", str(24 * 160), "--json")
    assert [f["fire_at"][:10] for f in fires.json()] == [
        "2031-01-31", "2031-03-31", "2031-05-31"]


def test_an_interval_under_a_second_is_refused_saying_the_one_second_it_needs(
        cli: Any) -> None:
    """`--every 0.0001s` was refused as "must be at least 1ms", and `--every 1ms` then as
    "must be at least 1s" (a fault hunt on time): each says 1s, as typed."""
    for typed in ("0.0001s", "1ms", "500ms", "0.5"):
        said = cli("task", "add", "x", "--command", "true", "--every", typed)
        assert (said.code, said.out, said.err) == (
            2, "", f"tickwork: error: every: must be at least 1s, got {typed!r}\n")
    assert cli("task", "add", "x", "--command", "true", "--every", "1s").code == 0
    again = cli("task", "update", "x", "--every", "1ms")
    assert again.err == "tickwork: error: every: must be at least 1s, got '1ms'\n"
    assert cli("task", "show", "x", "--json").json()["schedule"]["seconds"] == 1.0


def test_a_duration_refused_says_what_that_option_takes(cli: Any) -> None:
    """`--timeout 11y` was told to "use a calendar schedule such as 1mo@02:00", and
    `--retry-delay 0.0001s` "must be at least 1ms" where 0 is taken (a fault hunt on time)."""
    cases = (
        (["--timeout", "11y"], "timeout: not a duration: '11y' (months and years have no "
                               "fixed length; use days, e.g. 30d)"),
        (["--retry-delay", "1mo"], "retry-delay: not a duration: '1mo' (months and years "
                                   "have no fixed length; use days, e.g. 30d)"),
        (["--every", "1mo"], "every: not a duration: '1mo' (months and years have no fixed "
                             "length; use a calendar schedule such as 1mo@02:00)"),
        (["--retry-delay", "0.0001s"], "retry-delay: must be 0 or at least 1ms, got "
                                       "'0.0001s'"),
        (["--timeout", "0.0001s"], "timeout: must be at least 1ms, got '0.0001s'"))
    for options, said in cases:
        refused = cli("task", "add", "x", "--command", "true", *(
            options if options[0] == "--every" else ["--every", "1h", *options]))
        assert (refused.code, refused.out, refused.err) == (2, "", f"tickwork: error: {said}\n")
    assert cli("task", "list", "--json").json() == []
