"""`tickwork import --crontab` through the real CLI: `crontab -l | tickwork import --crontab -`,
the preview of --dry-run, all or nothing, twice refused, and the imported tasks firing when
cron would fire them and running as cron would run them (stdin, SHELL, environment).

The crontabs here run what a user's might (`rsync`, `/home/me/bin/backup.sh`), which this
machine need not have: where that is not the point, they are imported with `--no-verify`
(tests/cli/test_shell_program_checks.py checks a line's program)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.processes import stop

CRONTAB = """\
# m h dom mon dow command
MAILTO=me@example.com
PATH=/usr/local/bin:/usr/bin:/bin
30 9 * * 1-5 /bin/echo report --daily
CRON_TZ=Europe/Berlin
GREETING = "hello world"
0 2 * * * rsync -a ~/notes /mnt/backup/
@weekly cat > /dev/null%dear me,%all is 100\\% well
"""


def names(cli: Any) -> list[str]:
    return sorted(t["name"] for t in cli("task", "list", "--json").json())


def test_crontab_from_stdin_with_a_preview_first(cli: Any) -> None:
    preview = cli("import", "--no-verify", "--crontab", "-", "--dry-run", stdin=CRONTAB)
    assert preview.code == 0, preview.err
    lines = preview.out.splitlines()
    assert lines[0] == "would create 3 tasks from crontab (standard input):"
    assert lines[1].split() == ["from", "name", "schedule", "time", "zone", "command", "notes"]
    assert lines[2].split()[:3] == ["line", "4", "echo-report"]
    assert "At 09:30, Monday through Friday" in lines[2]
    assert "Europe/Berlin" in lines[3] and "rsync-notes" in lines[3]
    assert "(stdin: 2 lines)" in lines[4]
    assert lines[5:] == []  # (the notes: on stderr, beside the result)
    assert preview.err.splitlines() == [
        "not mapped: line 2: MAILTO=me@example.com (Tickwork sends no mail; a failed run is "
        "shown as a desktop notification)", "nothing was imported (--dry-run)"]
    assert names(cli) == []

    result = cli("import", "--no-verify", "--crontab", "-", stdin=CRONTAB)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == ("imported 3 tasks from crontab (standard input): "
                                          "echo-report, rsync-notes, cat")  # (as a file's)
    assert "not mapped: line 2: MAILTO" in result.err
    assert names(cli) == ["cat", "echo-report", "rsync-notes"]

    report = cli("task", "show", "echo-report", "--json").json()
    assert report["schedule"] == {"kind": "cron", "expr": "30 9 * * 1-5"}
    assert report["env"] == {"PATH": "/usr/local/bin:/usr/bin:/bin"}
    assert report["action"]["shell"] is True and report["catch_up"] == "skip"
    assert report["tags"] == ["crontab"]
    rsync = cli("task", "show", "rsync-notes", "--json").json()
    assert rsync["timezone"] == "Europe/Berlin"
    assert rsync["env"] == {"PATH": "/usr/local/bin:/usr/bin:/bin", "GREETING": "hello world"}
    cat = cli("task", "show", "cat", "--json").json()
    assert cat["action"]["line"] == "cat > /dev/null"
    assert cat["action"]["stdin"] == "dear me,\nall is 100% well\n"
    shown = cli("task", "show", "cat").out
    assert "      action: command cat > /dev/null (through /bin/sh)\n" in shown
    assert '       stdin: "dear me,\\nall is 100% well\\n"\n' in shown

    (event, *_) = cli("audit", "--json").json()  # the same audit as any import
    assert event["action"] == "tasks.import"
    assert event["target"] == "crontab (standard input)"
    assert sorted(event["after"]["created"]) == ["cat", "echo-report", "rsync-notes"]


def test_stdin_and_shell_survive_export_import_and_a_new_command_line(
        cli: Any, tmp_path: Path) -> None:
    crontab = "SHELL=/bin/bash\n@daily cat > /dev/null%one%two\n"
    assert cli("import", "--crontab", "-", stdin=crontab).code == 0
    before = cli("task", "show", "cat", "--json").json()["action"]
    assert (before["shell_program"], before["stdin"]) == ("/bin/bash", "one\ntwo\n")
    assert cli("export", str(tmp_path / "tasks.json")).code == 0
    other = tmp_path / "other"
    assert cli("--home", str(other), "import", str(tmp_path / "tasks.json")).code == 0
    assert cli("--home", str(other), "task", "show", "cat", "--json").json()["action"] == before
    # a new command line keeps the text it reads, and (still through the shell) its shell
    assert cli("task", "update", "cat", "--command", "wc -l", "--shell").code == 0
    after = cli("task", "show", "cat", "--json").json()["action"]
    assert (after["line"], after["shell_program"], after["stdin"]) == (
        "wc -l", "/bin/bash", "one\ntwo\n")
    assert cli("task", "update", "cat", "--command", "/usr/bin/wc -c",
               "--no-shell").code == 0
    after = cli("task", "show", "cat", "--json").json()["action"]
    assert "shell_program" not in after and after["stdin"] == "one\ntwo\n"


def test_the_same_crontab_twice_is_refused_and_adds_nothing(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "crontab"
    path.write_text(CRONTAB)
    assert cli("import", "--no-verify", "--crontab", str(path)).code == 0
    again = cli("import", "--no-verify", "--crontab", str(path))
    assert again.code == 2
    assert again.err.strip() == (
        "tickwork: error: name: 3 tasks already exist: 'echo-report', 'rsync-notes', 'cat' "
        "(nothing was imported; rename or delete those first, or leave them as they "
        "are: --skip-existing)")
    assert len(cli("task", "list", "--json").json()) == 3
    assert cli("import", "--no-verify", "--crontab", str(path),  # says so beforehand
               "--dry-run").code == 2
    kept = cli("import", "--no-verify", "--crontab", str(path),  # what is here stays
               "--skip-existing")
    assert kept.code == 0, kept.err
    assert "imported 0 tasks from" in kept.out
    assert "already here, left as they are: echo-report, rsync-notes, cat" in kept.err
    assert len(cli("task", "list", "--json").json()) == 3


LIVED_IN = """\
MAILTO=me@example.com
PATH=/usr/local/bin:/usr/bin:/bin
SHELL=/bin/bash

# backup the photos
0 2 * * * rsync -a --delete /home/me/Pictures/ /mnt/backup/photos/ >> /var/log/photos.log 2>&1
*/15 * * * * cd /opt/reports && ./pull_reports.sh --since 15m >> /var/log/reports.log 2>&1
0 6 * * 1-5 /usr/bin/env python3 /opt/mailer/send_summary.py --flag --to team@example.com
@reboot /home/me/bin/start-tunnel.sh
@daily find /tmp/scratch -type f -mtime +7 -delete
0 * * * * bash -c 'cd /srv/app && php artisan schedule:run' > /dev/null 2>&1
5 4 * * 0 /usr/bin/python3 /opt/tools/rotate_keys.py
10 4 * * 0 /usr/bin/python3 /opt/tools/vacuum_db.py --full
*/5 * * * * flock -n /tmp/sync.lock /home/me/bin/sync.sh
0 12 * * * nice -n 19 ionice -c3 /usr/local/bin/reindex --all
0 1 * * * /home/me/bin/backup.sh
"""


def test_a_lived_in_crontab_gets_short_names_saying_what_each_job_is(
        cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "crontab"
    path.write_text(LIVED_IN)
    result = cli("import", "--no-verify", "--crontab", str(path))
    assert result.code == 0, result.err
    assert names(cli) == sorted([
        "backup the photos", "pull_reports", "send_summary", "start-tunnel", "find-scratch",
        "artisan-schedule:run", "rotate_keys", "vacuum_db", "sync", "reindex", "backup"])
    # a line added below with a program already used: the tasks imported keep their names,
    # so importing the file again is refused by them and creates nothing twice
    path.write_text(LIVED_IN + "30 1 * * 0 /home/me/bin/backup.sh --full\n")
    preview = cli("import", "--no-verify", "--crontab", str(path), "--dry-run")
    assert preview.code == 2 and "11 tasks already exist: 'backup the photos'" in preview.err
    assert cli("import", "--no-verify", "--crontab", str(path)).code == 2
    assert len(names(cli)) == 11
    lone = tmp_path / "lone"
    lone.write_text("0 1 * * * /home/me/bin/backup.sh\n")
    assert cli("--home", str(tmp_path / "other"), "import", "--no-verify", "--crontab",
               str(lone)).code == 0
    lone.write_text("0 1 * * * /home/me/bin/backup.sh\n30 1 * * 0 /home/me/bin/backup.sh --full\n")
    again = cli("--home", str(tmp_path / "other"), "import", "--no-verify", "--crontab",
                str(lone))
    assert again.err.strip() == ("tickwork: error: name: 1 task already exists: 'backup' "
                                 "(nothing was imported; rename or delete it first, or "
                                 "leave it as it is: --skip-existing)")
    assert len(cli("--home", str(tmp_path / "other"), "task", "list", "--json").json()) == 1


def test_the_readmes_crontab_preview_is_what_the_cli_prints(cli: Any) -> None:
    """README's "Names" example: its crontab through `--dry-run` prints its preview, line
    for line (the table's trailing spaces aside)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("a line added to the crontab later never renames a task imported")
    crontab, preview = (block.split("```\n", 1)[0] for block in
                        text[start:].split("  ```\n")[1:4:2])
    crontab = "".join(line.removeprefix("  ") + "\n" for line in crontab.splitlines())
    result = cli("import", "--no-verify", "--crontab", "-", "--dry-run", stdin=crontab)
    assert result.code == 0, result.err
    # (as a terminal shows it: the result on stdout, then the notes on stderr)
    assert [line.rstrip() for line in (result.out + result.err).splitlines()] == [
        line.removeprefix("  ").rstrip() for line in preview.splitlines()]


@pytest.mark.parametrize(("crontab", "error"), [
    ("0 1 * * * /bin/true\n\n# c\n0 25 * * * /bin/true\n",
     "line 4: cron: hour field: 25 is out of range 0-23"),
    ("0 1 * * * /bin/true\nSHELL=/bin/no-such-shell\n0 2 * * * /bin/true\n",
     "line 3: SHELL: no such shell: /bin/no-such-shell (--no-verify stores it anyway)"),
    ("0 1 * * * /bin/true\n@fortnightly /bin/true\n", "line 2: unknown macro '@fortnightly'"),
])
def test_a_bad_line_refuses_the_whole_crontab(cli: Any, crontab: str, error: str) -> None:
    result = cli("import", "--crontab", "-", stdin=crontab)
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert line.startswith(f"tickwork: error: {error}"), line
    assert names(cli) == []


def test_import_usage_errors_are_one_line(cli: Any, tmp_path: Path) -> None:
    for args, error in [
        ((), "import: give one of FILE, --crontab FILE or --systemd [DIR]"),
        (("x.json", "--crontab", "-"), "import: give one of FILE, --crontab FILE or"),
        (("x.json", "--dry-run"), "dry-run: goes with --crontab or --systemd"),
        (("--crontab", str(tmp_path / "missing")), "crontab: cannot read"),
    ]:
        result = cli("import", *args)
        assert result.code == 2, args
        assert result.err.startswith(f"tickwork: error: {error}"), result.err


def test_an_imported_weekday_line_fires_at_0930_in_its_cron_tz(cli: Any) -> None:
    crontab = "CRON_TZ=America/New_York\n30 9 * * 1-5 /bin/true\n"
    assert cli("import", "--crontab", "-", stdin=crontab).code == 0
    # ten days from Friday 1 January 2027 (UTC): New York's weekdays up to Friday the 8th
    result = cli("simulate", "--from", "2027-01-01T00:00:00+00:00", "--hours", "240", "--json")
    assert result.code == 0, result.err
    york = ZoneInfo("America/New_York")
    fires = [datetime.fromisoformat(i["fire_at"]).astimezone(york) for i in result.json()]
    assert [(f.date().isoformat(), f.strftime("%a %H:%M")) for f in fires] == [
        ("2027-01-01", "Fri 09:30"), ("2027-01-04", "Mon 09:30"), ("2027-01-05", "Tue 09:30"),
        ("2027-01-06", "Wed 09:30"), ("2027-01-07", "Thu 09:30"), ("2027-01-08", "Fri 09:30"),
    ]


@pytest.fixture
def engine(home: Path, tmp_path: Path) -> Iterator[Any]:
    """Start `tickwork engine` on the home, on demand; stopped (SIGTERM) at the end."""
    procs: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "engine.log"

    def start() -> Path:
        with log.open("w") as err:
            procs.append(tickwork.start(["--home", str(home), "engine", "--grace", "2"],
                                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err))
        return log

    yield start
    for proc in procs:
        stop(proc)


def test_an_imported_line_runs_with_its_stdin_shell_and_environment(
        cli: Any, engine: Any, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    crontab = (f"SHELL=/bin/bash\nGREETING=hi there\n"
               f'@reboot cat > {out}; echo "$0 $GREETING" >> {out}%first line%second \\% line\n'
               # far more than a pipe holds, to a command that never reads it: it still ends
               f"@reboot /bin/true%{'x' * 300_000}\n")
    assert cli("import", "--crontab", "-", stdin=crontab).code == 0
    engine()  # @reboot: runs at the first engine start after the boot
    runs = wait_until(lambda: (lambda done: len(done) == 2 and done)(
        [r for r in cli("run", "list", "--json").json() if r["status"] not in (
            "queued", "waiting", "running")]), 30)
    assert sorted((r["task_name"], r["status"]) for r in runs) == [
        ("cat", "succeeded"), ("true", "succeeded")]
    assert out.read_text() == "first line\nsecond % line\n/bin/bash hi there\n"


def test_an_edit_that_does_not_show_stdin_keeps_it(service: Any) -> None:
    """The editor's form has no stdin field: saving it must not drop the text."""
    from app.core.crontab import read_crontab

    plan = read_crontab("SHELL=/bin/bash\n@daily cat%hello\n")
    service.import_specs(plan.specs(datetime.now(ZoneInfo("UTC"))), "test", label=plan.label)
    form = {"kind": "command", "argv": ["cat -n"], "shell": True, "cwd": None, "line": "cat -n"}
    action = service.update_task("cat", {"action": form}).spec.action
    assert (action.line, action.stdin, action.shell_program) == ("cat -n", "hello\n", "/bin/bash")
    cleared = service.update_task("cat", {"action": {**form, "stdin": None}}).spec.action
    assert cleared.stdin is None and cleared.shell_program == "/bin/bash"


def test_a_preview_of_one_job_says_one_task(cli: Any) -> None:
    preview = cli("import", "--crontab", "-", "--dry-run", stdin="0 3 * * * echo hi\n")
    assert preview.code == 0, preview.err
    assert preview.out.splitlines()[0] == "would create 1 task from crontab (standard input):"


def test_dry_run_and_import_say_it_in_json_too(cli: Any) -> None:
    """`import --crontab … --dry-run --json` was "unrecognized arguments: --json", though
    README says every read command takes --json: the plan is printed whole, nothing made."""
    import json

    text = "# backup the photos\n0 2 * * * rsync -a ~/Pictures /mnt\nMAILTO=me@example.com\n"
    dry = cli("import", "--no-verify", "--crontab", "-", "--dry-run", "--json", stdin=text)
    assert dry.code == 0, dry.err
    plan = json.loads(dry.out)
    assert plan["dry_run"] is True and plan["source"] == "crontab (standard input)"
    (task,) = plan["tasks"]
    assert task["origin"] == "line 2" and task["name"] == "backup the photos"
    assert task["schedule"] == {"kind": "cron", "expr": "0 2 * * *"}
    assert any("MAILTO" in note for note in plan["not_mapped"])
    assert cli("task", "list", "--json").json() == []  # nothing was made
    done = json.loads(cli("import", "--no-verify", "--crontab", "-", "--json", stdin=text).out)
    assert done["dry_run"] is False and [t["name"] for t in done["tasks"]] == [
        "backup the photos"]
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["backup the photos"]


def test_lines_sharing_a_name_get_their_schedule_as_cron_writes_it(cli: Any) -> None:
    """README: a second line with a name already used gets its schedule added to it. A list's
    comma (which a name cannot hold) was written as a space: `true (0 0 1 15 * 1)` read as
    six fields, month 15, not the line's `0 0 1,15 * 1`. Each line still gets its own name,
    whatever the letter case, and they are the tasks made."""
    text = ("0 0 * * * true\n0 0 1,15 * 1 true\n0 0 1,15 * 1 true\n5 0 * * * TRUE\n"
            "@daily true\n")
    dry = cli("import", "--no-verify", "--crontab", "-", "--dry-run", "--json", stdin=text)
    assert dry.code == 0, dry.err  # (no program TRUE here)
    names = [t["name"] for t in dry.json()["tasks"]]
    assert names == ["true", "true (0 0 1+15 * 1)", "true (0 0 1+15 * 1) #2",
                     "TRUE (5 0 * * *)", "true (@daily)"]
    done = cli("import", "--no-verify", "--crontab", "-", stdin=text)
    assert done.code == 0, done.err
    assert sorted(t["name"] for t in cli("task", "list", "--json").json()) == sorted(names)
    again = cli("import", "--no-verify", "--crontab", "-", stdin=text)  # (nothing is made twice)
    assert again.code == 2 and len(cli("task", "list", "--json").json()) == 5
