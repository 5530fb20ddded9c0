"""The CLI contract, exercised through the real `tickwork` command in a subprocess."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def test_round_trip_add_list_update_show_delete_with_verified_audit(cli: Any) -> None:
    add = cli("task", "add", "backup", "--command", "cp -a ~/notes /tmp/notes-copy",
              "--cron", "0 2 * * *", "--tz", "Europe/Berlin", "--priority", "3",
              "--retries", "2", "--retry-delay", "30s", "--backoff", "exponential",
              "--timeout", "1h", "--group", "disk:1", "--tag", "nightly", "--json")
    assert add.code == 0, add.err
    created = add.json()
    assert created["action"]["argv"] == ["cp", "-a", "~/notes", "/tmp/notes-copy"]
    assert created["group"] == "disk" and created["group_limit"] == 1

    listed = cli("task", "list", "--json")
    assert listed.code == 0
    (item,) = listed.json()
    for key in ("id", "name", "enabled", "schedule", "next_run_at", "priority", "depends_on",
                "last_run"):
        assert key in item
    assert item["schedule"]["kind"] == "cron"
    assert item["next_run_at"].endswith(("+00:00", "Z"))

    upd = cli("task", "update", "backup", "--every", "15m", "--priority", "7")
    assert upd.code == 0, upd.err
    shown = cli("task", "show", "backup", "--json").json()
    assert shown["schedule"] == {"kind": "interval", "seconds": 900.0}
    assert shown["priority"] == 7 and shown["retries"] == 2 and shown["timezone"] == "Europe/Berlin"

    human = cli("task", "show", "backup")
    assert "Every 15 minutes" in human.out

    assert cli("task", "delete", "backup").code == 0
    assert cli("task", "list", "--json").json() == []
    verify = cli("audit", "--verify")
    assert verify.code == 0 and "verified" in verify.out
    actions = [e["action"] for e in cli("audit", "--json").json()]
    assert actions[:3] == ["task.delete", "task.update", "task.create"]


def test_show_says_a_task_with_no_working_folder_starts_in_the_home_folder(
        cli: Any, tmp_path: Path) -> None:
    """A run with no working folder starts in the home folder, but `task show` said nothing
    of where: it names the home folder as it names a folder set (`--json` keeps it empty)."""
    assert cli("task", "add", "plain", "--command", "true", "--manual").code == 0
    assert cli("task", "add", "py", "--python", "os:getcwd", "--manual").code == 0
    assert cli("task", "add", "set", "--command", "true", "--cwd", str(tmp_path),
               "--manual").code == 0
    for name in ("plain", "py"):
        assert "      folder: (home folder)\n" in cli("task", "show", name).out
        assert cli("task", "show", name, "--json").json()["action"]["cwd"] is None
    assert f"      folder: {tmp_path}\n" in cli("task", "show", "set").out


def test_audit_verify_fails_after_a_row_is_edited(cli: Any, home: Path) -> None:
    assert cli("task", "add", "a", "--command", "true").code == 0
    assert cli("task", "add", "b", "--command", "true").code == 0
    assert cli("audit", "--verify").code == 0
    con = sqlite3.connect(home / "tickwork.db")
    con.execute("UPDATE audit_event SET target='evil' WHERE id=1")
    con.commit()
    con.close()
    result = cli("audit", "--verify")
    assert result.code == 1
    assert "event 1 was altered" in result.err


@pytest.mark.parametrize(("args", "needle"), [
    (["task", "add", "x", "--command", "true", "--cron", "61 * * * *"], "cron"),
    (["task", "add", "x", "--command", "true", "--cron", "* * *"], "cron"),
    (["task", "add", "x", "--command", "true", "--tz", "Nowhere/Town"], "tz"),
    (["task", "add", "x", "--command", "true", "--at", "2001-01-01T00:00:00"], "at"),
    (["task", "add", "x", "--command", "true", "--at", "tomorrowish"], "at"),
    (["task", "add", "x", "--command", "true", "--every", "5 parsecs"], "every"),
    (["task", "add", "x", "--command", "true", "--depends-on", "ghost"], "depends-on"),
    (["task", "add", "x", "--python", "not-a-target"], "python"),
    (["task", "add", "x", "--python", "m:f", "--kwargs", "{bad"], "kwargs"),
    (["task", "add", "x", "--command", "true", "--env", "NOEQUALS"], "env"),
    (["task", "add", "x", "--command", "true", "--priority", "high"], "priority"),
    (["task", "add", "x"], "one of the arguments --command --python is required"),
    (["task", "add", "x", "--command", "true", "--overlap", "maybe"], "overlap"),
    (["task", "show", "nope"], "task not found: nope"),
    (["task", "frobnicate"], "invalid choice"),
    (["run", "show", "12345"], "run not found"),
    (["run", "show", "99999999999999999999999"], "run: too large"),
    (["run", "cancel", "0"], "run: must be at least 1"),
    (["task", "show", "99999999999999999999999"], "task not found"),
    (["run", "list", "--limit", "99999999999999999999"], "limit: too large"),
    (["run", "list", "--status", "bogus"], "status: not a run status: 'bogus'"),
    (["simulate", "--hours", "-1"], "hours: must be more than 0"),
    (["task", "add", "x", "--command", "true", "--at", "9999-12-31T23:59:59-05:00"],
     "at: is out of range"),  # (the year 10000 in UTC)
    (["task", "add", "x", "--command", "true", "--at", "9999-06-01T00:00:00+00:00"],
     "at: must be between the years 1900 and 9998"),
    (["task", "add", "x", "--command", "true", "--at", "0001-01-01T00:00:00+01:00"], "at:"),
    (["task", "add", "x", "--command", "true", "--every", "1h", "--start",
      "9999-12-31T23:00:00-05:00"], "start: is out of range"),
    (["task", "add", "x", "--command", "true", "--tag", "a\nb"], "tags: must not contain"),
])
def test_bad_input_exits_2_with_one_line_and_changes_nothing(cli: Any, args: list[str],
                                                             needle: str) -> None:
    result = cli(*args)
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert needle in lines[0]
    assert "Traceback" not in result.err
    assert cli("task", "list", "--json").json() == []


def test_duplicate_name_and_cycle_exit_2(cli: Any) -> None:
    assert cli("task", "add", "A", "--command", "true").code == 0
    assert cli("task", "add", "B", "--command", "true", "--depends-on", "A").code == 0
    dup = cli("task", "add", "A", "--command", "true")
    assert dup.code == 2 and "already exists" in dup.err
    before = cli("task", "show", "A", "--json").json()
    cycle = cli("task", "update", "A", "--depends-on", "B")
    assert cycle.code == 2
    assert "A → B → A" in cycle.err and "error: depends-on:" in cycle.err
    assert cli("task", "show", "A", "--json").json() == before


def test_huge_command_string_is_refused(cli: Any, tmp_path: Path) -> None:
    # through an import file: a 1 MB argument is too long for a command line itself
    data = {"version": 1, "tasks": [{"name": "huge", "action": {
        "kind": "command", "argv": ["echo", "x" * 1_000_001]}}]}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data))
    result = cli("import", str(path))
    assert result.code == 2 and "tasks[0].action.argv: is longer than" in result.err


def test_sqlish_and_unicode_names(cli: Any) -> None:
    for name in ["'; DROP TABLE task; --", "Ünïcødé ✓ 任务"]:
        assert cli("task", "add", name, "--command", "true").code == 0
    names = sorted(t["name"] for t in cli("task", "list", "--json").json())
    assert names == sorted(["'; DROP TABLE task; --", "Ünïcødé ✓ 任务"])


def test_newer_schema_database_is_refused(cli: Any, home: Path) -> None:
    assert cli("task", "list").code == 0
    con = sqlite3.connect(home / "tickwork.db")
    con.execute("UPDATE meta SET value='42' WHERE key='schema_version'")
    con.commit()
    con.close()
    result = cli("task", "list")
    assert result.code == 1
    assert "newer than this Tickwork" in result.err and "Traceback" not in result.err


def test_export_import_and_malformed_import(cli: Any, tmp_path: Path) -> None:
    assert cli("task", "add", "a", "--command", "echo hi", "--every", "1h").code == 0
    out = tmp_path / "export.json"
    assert cli("export", str(out)).code == 0
    data = json.loads(out.read_text())
    assert data["version"] == 1 and data["tasks"][0]["name"] == "a"
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    result = cli("import", str(bad))
    assert result.code == 2 and "not valid JSON" in result.err
    missing = cli("import", str(tmp_path / "missing.json"))
    assert missing.code == 2 and "cannot read" in missing.err
    data["tasks"][0].pop("id")
    data["tasks"][0]["name"] = "copy"
    out.write_text(json.dumps(data))
    assert cli("import", str(out)).code == 0
    assert sorted(t["name"] for t in cli("task", "list", "--json").json()) == ["a", "copy"]


def test_secret_set_list_and_use(cli: Any, home: Path) -> None:
    result = cli("secret", "set", "token", stdin="hunter2\n")
    assert result.code == 0, result.err
    assert cli("secret", "list", "--json").json() == ["token"]
    add = cli("task", "add", "t", "--command", "env", "--secret-env", "TOKEN=token",
              "--env", "MODE=fast")
    assert add.code == 0, add.err
    assert b"hunter2" not in (home / "tickwork.db").read_bytes()
    shown = cli("task", "show", "t").out  # what it runs with, the secret by name only
    assert "env: MODE=fast" in shown and "secret env: TOKEN=<secret token>" in shown
    assert "hunter2" not in shown
    bad = cli("task", "add", "u", "--command", "env", "--secret-env", "TOKEN=unknown")
    assert bad.code == 2 and "unknown secret" in bad.err


def test_a_variable_set_plain_over_its_secret_is_refused_not_emptied(cli: Any) -> None:
    assert cli("secret", "set", "token", stdin="hunter2\n").code == 0
    assert cli("task", "add", "t", "--command", "env", "--manual",
               "--secret-env", "API_TOKEN=token").code == 0
    over = cli("task", "update", "t", "--env", "API_TOKEN=")
    assert over.code == 2
    assert "env: API_TOKEN is the task's secret variable: --unset-env API_TOKEN --env " \
        "API_TOKEN=VALUE changes its kind" in over.err  # (it said "keep one", not how)
    shown = cli("task", "show", "t", "--json").json()
    assert shown["env"] == {} and shown["secret_env"] == {"API_TOKEN": "token"}
    assert cli("task", "update", "t", "--env", "MODE=fast").code == 0
    other = cli("task", "update", "t", "--secret-env", "MODE=token")  # the other way
    assert other.code == 2 and "secret-env: MODE is the task's plain variable: --unset-env " \
        "MODE --secret-env MODE=SECRET changes its kind" in other.err
    assert cli("task", "update", "t", "--unset-env", "MODE", "--secret-env",
               "MODE=token").code == 0  # as it says
    shown = cli("task", "show", "t", "--json").json()
    assert shown["env"] == {} and shown["secret_env"] == {"API_TOKEN": "token", "MODE": "token"}
    both = cli("task", "add", "u", "--command", "env", "--manual",
               "--secret-env", "API_TOKEN=token", "--env", "API_TOKEN=x")
    assert both.code == 2 and "argument --secret-env: not allowed with argument --env for " \
        "the same variable 'API_TOKEN'" in both.err


def test_secret_without_keyring_backend_fails_and_writes_nothing(cli: Any, home: Path,
                                                                 monkeypatch: Any) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    result = cli("secret", "set", "token", stdin="hunter2\n")
    assert result.code == 1
    assert "no usable keyring backend" in result.err
    assert cli("secret", "list", "--json").json() == []


def test_run_list_json_shape(cli: Any) -> None:
    assert cli("task", "add", "t", "--command", "true").code == 0
    run = cli("task", "run", "t", "--json").json()
    assert run["status"] == "queued"
    (item,) = cli("run", "list", "--json").json()
    for key in ("id", "task_id", "task_name", "status", "attempt", "scheduled_for",
                "started_at", "finished_at", "exit_code", "lateness_ms", "error"):
        assert key in item
    assert cli("run", "cancel", str(item["id"])).code == 0
    assert cli("run", "show", str(item["id"]), "--json").json()["status"] == "cancelled"


def test_pause_resume_reschedule(cli: Any) -> None:
    assert cli("task", "add", "t", "--command", "true", "--every", "1h").code == 0
    assert cli("task", "pause", "t").code == 0
    assert cli("task", "show", "t", "--json").json()["enabled"] is False
    assert cli("task", "resume", "t").code == 0
    assert cli("task", "reschedule", "t", "--cron", "*/5 * * * *").code == 0
    shown = cli("task", "show", "t", "--json").json()
    assert shown["enabled"] is True and shown["schedule"]["expr"] == "*/5 * * * *"


def test_a_command_closes_the_store_on_its_way_out(cli: Any, home: Path) -> None:
    """The write-ahead log is folded back into the file when a command ends (the store is
    closed at exit, not left to the interpreter's teardown)."""
    assert cli("task", "add", "tidy", "--command", "true", "--manual").code == 0
    assert (home / "tickwork.db").exists()
    assert not (home / "tickwork.db-wal").exists()
    assert not (home / "tickwork.db-shm").exists()


def test_a_command_loads_only_what_it_needs(cli: Any, home: Path) -> None:
    """`tickwork task list` in a new interpreter (as a user runs it) loads neither Qt, the
    engine nor the commands of nouns it does not use (the parser still loads the modules
    that define some nouns' options): each module costs every new process its start-up
    time (README's `task list` figure). Nor the audit's check and listing, the engine lock,
    or cron_descriptor for crons at a time every day."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    assert cli("task", "add", "tidy-notes", "--command", "true", "--manual").code == 0
    assert cli("task", "add", "nightly", "--command", "true", "--cron", "30 2 * * *").code == 0
    probe = ("import sys, app.cli; code = app.cli.main(['--home', sys.argv[1], 'task', "
             "'list']); print(' '.join(sorted(sys.modules)), file=sys.stderr); sys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", probe, str(home)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60, check=True)
    loaded = set(proc.stderr.split())
    assert "tidy-notes" in proc.stdout
    assert "app.cli.tasks" in loaded
    unwanted = {m for m in loaded if m.startswith(("PySide6", "app.gui", "app.engine"))
                or m in ("app.cli.audit", "app.cli.engine", "app.cli.runs", "app.cli.worker",
                         "app.cli.secrets", "app.store.audit_check", "app.store.audit_log",
                         "app.store.lock", "cron_descriptor")}
    assert not unwanted


def test_task_list_loads_nothing_only_a_change_needs(cli: Any, home: Path) -> None:
    """`tickwork task list` as a user starts it (`python -m app.cli`, a new interpreter) loads
    none of what only a change needs: appending to the audit trail and keying it in the
    keyring, backups and schema migrations, the temporary file an export is written to. Each
    cost every list its import (~45 M of ~670 M instructions, README's `task list` row). Nor
    the service (its operations, the preflight, the keyring: ~9 M of ~470 M), nor whole tasks
    and runs (their value types and validation: ~43 M of ~460 M)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    assert cli("task", "add", "nightly", "--command", "true", "--cron", "30 2 * * *").code == 0
    assert cli("task", "run", "nightly").code == 0  # a last run to show
    # `python -m app.cli`, with the modules loaded written out as the interpreter exits
    probe = ("import atexit, runpy, sys; atexit.register(lambda: print(' '.join(sys.modules),"
             " file=sys.stderr)); runpy.run_module('app.cli', run_name='__main__',"
             " alter_sys=True)")
    proc = subprocess.run([sys.executable, "-c", probe, "--home", str(home), "task", "list"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    loaded = set(proc.stderr.split())
    assert "nightly" in proc.stdout and "queued" in proc.stdout
    assert {"app.store.database", "app.store.task_rows", "app.store.runs"} <= loaded
    assert not loaded & {"app.store.audit", "app.store.audit_key", "app.store.backup",
                         "app.store.migrations", "tempfile"}
    # the table reads the store's lines: no service, no whole tasks or runs
    assert not loaded & {"app.service", "app.store.tasks", "app.core.task", "app.core.run",
                         "app.cli.task_options"}


def test_a_command_that_ends_runs_the_cyclic_collector_seldom(home: Path) -> None:
    """What a command reads lives until it exits: the collector runs every 100,000 new
    objects there, not Python's 700. The engine and a worker keep Python's default."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    probe = ("import gc, sys, app.cli; default = gc.get_threshold()[0]; "
             "code = app.cli.main(['--home', sys.argv[1], 'task', 'list']); "
             "print(default, gc.get_threshold()[0], 'engine' in app.cli.entry.LASTING)")
    proc = subprocess.run([sys.executable, "-c", probe, str(home)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60, check=True)
    assert proc.stdout.split()[-3:] == ["700", "100000", "True"]


def test_commands_that_only_read_leave_the_store_file_as_it_was(cli: Any, home: Path) -> None:
    """Listing, showing, the run history, the audit trail, a simulation and the integrity
    check write nothing: the store's file is byte for byte what it was (an open used to
    write its header in every process — a transaction, two fsyncs and a checkpoint, and the
    write lock taken from a running engine)."""
    assert cli("task", "add", "tidy", "--command", "true", "--cron", "0 3 * * *").code == 0
    db = home / "tickwork.db"
    before = db.read_bytes()
    for args in (("task", "list"), ("task", "list", "--json"), ("task", "show", "tidy"),
                 ("run", "list"), ("audit",), ("simulate", "--hours", "24"),
                 ("check",)):
        assert cli(*args).code == 0, args
        assert db.read_bytes() == before, args
        assert not (home / "tickwork.db-wal").exists(), args


def test_tasks_are_listed_by_name_as_people_read_them(cli: Any) -> None:
    """Case does not decide the order: "alpha", "greet", "Nightly", "Zed"."""
    for name in ("Nightly", "greet", "Zed", "alpha"):
        assert cli("task", "add", name, "--command", "true", "--manual").code == 0
    listed = [t["name"] for t in cli("task", "list", "--json").json()]
    assert listed == ["alpha", "greet", "Nightly", "Zed"]
    table = cli("task", "list").out.splitlines()[1:]
    assert [line.split()[1] for line in table] == listed


@pytest.fixture(params=["Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe"])
def zone_here(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from tests.conftest import local_zone

    yield from local_zone(monkeypatch, request.param)


@pytest.mark.usefixtures("zone_here")
def test_times_are_printed_in_local_time_to_the_second() -> None:
    """A table's time is the moment's wall time here, as `strftime("%Y-%m-%d %H:%M:%S")`
    says it (printed another, cheaper way), with its UTC offset in the hour the clocks show
    twice: through a year's changes of the clock, at the last microsecond of a second, from
    a text with another offset, and for a naive time."""
    import os
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from app.cli.output import local
    from app.core.schedule.zones import ambiguous

    here = ZoneInfo(os.environ["TZ"])

    def said(moment: datetime) -> str:
        at = moment.astimezone(here)
        offset = at.isoformat()[-6:] if ambiguous(at.replace(tzinfo=None), here) else ""
        return at.strftime("%Y-%m-%d %H:%M:%S") + offset

    moments = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=45 * i, microseconds=i)
               for i in range(32 * 365)]  # a year, so every change of the clock in it
    moments += [datetime(2026, 10, 4, 14, 59, 59, 999999, tzinfo=UTC),
                datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                datetime(2026, 3, 29, 2, 30), datetime(2026, 10, 25, 2, 30, fold=1)]
    for moment in moments:
        assert local(moment) == said(moment.astimezone()), moment
    assert local("2026-06-01T12:00:00.5+05:30") == datetime(
        2026, 6, 1, 6, 30, tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert local(None) == "-"


def test_the_task_table_says_what_the_json_says(cli: Any) -> None:
    """Each row of `task list` is its task's id, name, on/off, schedule in words, next run
    in local time and last run's status, as `task list --json` gives them (the table reads
    only those columns, the JSON whole tasks), searched and sorted alike; a cell longer than
    60 characters is cut."""
    import re

    from app.cli.output import local

    assert cli("task", "add", "nightly", "--command", "true", "--cron", "30 2 * * *",
               "--tz", "Europe/Berlin").code == 0
    assert cli("task", "add", "paused", "--command", "true", "--every", "1h",
               "--disabled").code == 0
    assert cli("task", "add", "by hand", "--command", "true", "--cron", "0 9 * * 1-5").code == 0
    assert cli("task", "run", "by hand").code == 0
    long = "a name longer than the sixty characters a column of the table shows at most"
    assert cli("task", "add", long, "--command", "true", "--manual").code == 0
    assert cli("task", "add", "Über ✓ 日本", "--command", "true", "--at",
               "2031-03-30T01:30:00", "--tz", "Australia/Lord_Howe").code == 0
    assert cli("task", "add", "chained", "--command", "true", "--after", "nightly,by hand"
               ).code == 0
    assert cli("task", "add", "orphan", "--command", "true", "--after", "paused").code == 0
    assert cli("task", "delete", "paused", "--force").code == 0  # orphan: left to run by hand
    assert cli("task", "add", "several", "--command", "true", "--cron", "0 9 * * 1-5",
               "--every", "4h", "--exclude", "2030-12-25", "--tz", "America/New_York").code == 0
    # a calendar step names its day, counted from the task's start (else its creation)
    assert cli("task", "add", "monthly", "--command", "true", "--calendar", "1mo@02:00",
               "--start", "2030-01-15T00:00", "--tz", "UTC").code == 0
    shown = cli("task", "show", "monthly", "--json").json()["schedule_text"]
    assert shown == "Every month on day 15 at 02:00 (UTC)"
    for extra in ([], ["--sort", "next_run_at"], ["--sort", "id"], ["--search", "日本"]):
        items = cli("task", "list", "--json", *extra).json()
        lines = cli("task", "list", *extra).out.splitlines()
        assert lines[0].split() == ["ID", "NAME", "ON", "SCHEDULE", "NEXT", "RUN", "LAST",
                                    "RUN"]
        for item, line in zip(items, lines[1:], strict=True):
            cells = (str(item["id"]), item["name"], "yes" if item["enabled"] else "no",
                     item["schedule_text"], local(item["next_run_at"]),
                     item["last_run"]["status"] if item["last_run"] else "-")
            cut = (c if len(c) <= 60 else c[:59] + "…" for c in cells)
            assert re.fullmatch(r"\s+".join(re.escape(c) for c in cut), line), line
    items = cli("task", "list", "--json").json()
    assert {t["name"]: t["last_run"] and t["last_run"]["status"] for t in items}["by hand"] \
        == "queued"
    assert {t["name"]: t["schedule_text"] for t in items}["orphan"] == "Manually"
    assert [t["name"] for t in cli("task", "list", "--search", "日本", "--json").json()] == [
        "Über ✓ 日本"]


def test_a_stored_time_far_ahead_is_read_back_though_no_longer_accepted(cli: Any,
                                                                        home: Path) -> None:
    """Earlier versions took any year: a store holding a one-shot in 9999 and an end of
    9999-12-31 still lists and updates; only a new such time is refused."""
    assert cli("task", "add", "far", "--command", "true", "--at", "2090-01-01T00:00:00+00:00",
               "--end", "2095-01-01T00:00:00+00:00").code == 0
    con = sqlite3.connect(home / "tickwork.db")  # as an earlier version stored them
    con.execute("UPDATE task SET schedule = json_set(schedule, '$.at', ?), end_at = ?",
                ("9999-06-01T00:00:00+00:00", "9999-12-31T23:59:59.000000+00:00"))
    con.commit()
    con.close()
    listed = cli("task", "list", "--json")
    assert listed.code == 0 and listed.json()[0]["schedule"]["at"].startswith("9999")
    assert cli("task", "update", "far", "--description", "still editable").code == 0
    again = cli("task", "update", "far", "--at", "9999-07-01T00:00:00+00:00")
    assert again.code == 2 and "between the years 1900 and 9998" in again.err


def test_deleting_a_task_a_chain_follows_says_so_and_audits_the_chain(cli: Any) -> None:
    """Through the CLI: the refusal names the chain left to run by hand (exit 2, one line),
    `--force` deletes, and the chain's change is in the audit trail."""
    assert cli("task", "add", "up", "--command", "true", "--manual").code == 0
    assert cli("task", "add", "chained", "--command", "true", "--after", "up").code == 0
    refused = cli("task", "delete", "up")
    assert refused.code == 2 and len(refused.err.strip().splitlines()) == 1, refused.err
    assert "('chained' then runs only when started by hand, following no other task)" in (
        refused.err)
    assert "(use --force)" in refused.err
    assert cli("task", "delete", "up", "--force").code == 0
    assert cli("task", "show", "chained", "--json").json()["schedule"] == {"kind": "manual"}
    events = cli("audit", "--json").json()
    assert [(e["action"], e["target"]) for e in events[:2]] == [
        ("task.update", "chained"), ("task.delete", "up")]


def test_a_forced_delete_audits_every_task_that_lost_a_link(cli: Any) -> None:
    """README: `task delete --force` removes the dependencies and fallbacks on the task, and
    each task that lost a link is in the audit trail as changed (the test above had a chain
    only)."""
    assert cli("task", "add", "up", "--command", "true", "--manual").code == 0
    for args in (("down", "--manual", "--depends-on", "up"),
                 ("careful", "--manual", "--fallback", "up"), ("chained", "--after", "up")):
        assert cli("task", "add", args[0], "--command", "true", *args[1:]).code == 0
    assert cli("task", "delete", "up", "--force").code == 0
    shown = {n: cli("task", "show", n, "--json").json() for n in ("down", "careful")}
    assert shown["down"]["depends_on"] == [] and shown["careful"]["fallback"] is None
    events = cli("audit", "--json").json()
    assert sorted((e["action"], e["target"]) for e in events[:4]) == [
        ("task.delete", "up"), ("task.update", "careful"), ("task.update", "chained"),
        ("task.update", "down")]


def test_task_show_reads_as_words(cli: Any, tmp_path: Path) -> None:
    """`task show` printed the action as its raw JSON, durations as `3600.0s`, and never the
    task's window (`--start`/`--end`): a task that fires nowhere near now looked like any."""
    from app.cli.output import local

    assert cli("task", "add", "win", "--command", "ls -l /tmp", "--every", "1h",
               "--start", "2030-01-01T00:00", "--end", "2030-02-01T00:00", "--tz", "UTC",
               "--timeout", "1h30m", "--retries", "2", "--retry-delay", "45s").code == 0
    data = cli("task", "show", "win", "--json").json()
    shown = cli("task", "show", "win").out.splitlines()
    assert f"       fires: not before {local(data['start_at'])}, not after " \
           f"{local(data['end_at'])}" in shown
    assert "      action: command ls -l /tmp" in shown
    assert "     timeout: 1h30m" in shown and "     retries: 2 (fixed, delay 45s)" in shown
    assert cli("task", "add", "py", "--python", "tests.support.actions:append", "--kwargs",
               '{"path": "/tmp/x", "text": "é"}', "--manual").code == 0
    shown = cli("task", "show", "py").out.splitlines()
    assert '      action: Python tests.support.actions:append {"path": "/tmp/x", "text": "é"}' \
        in shown
    assert not any(line.strip().startswith("fires:") for line in shown)  # no window: no row
    exported = tmp_path / "piped.json"
    exported.write_text(json.dumps({"version": 1, "tasks": [{  # no typed line kept
        "name": "piped", "timezone": "UTC", "action": {"kind": "command", "shell": True,
                                                        "argv": ["echo a | tr a b"]}}]}))
    assert cli("import", str(exported)).code == 0
    assert "      action: command echo a | tr a b (through /bin/sh)" in cli(
        "task", "show", "piped").out.splitlines()  # not shell-quoted as one word


@pytest.mark.parametrize(("tz", "zone"), [("JST-9", "Etc/GMT-9"), ("<+07>-7", "Etc/GMT-7"),
                                          ("EST5EDT", "EST5EDT"), (":Europe/Berlin",
                                                                   "Europe/Berlin")])
def test_a_task_without_tz_takes_the_zone_tz_names(cli: Any, monkeypatch: Any, tz: str,
                                                   zone: str) -> None:
    """With TZ=JST-9 (a POSIX offset, UTC+9) a task made without --tz was given the system's
    zone (Etc/UTC here) and fired 9 hours off the local time the shell showed."""
    monkeypatch.setenv("TZ", tz)
    assert cli("task", "add", "t", "--command", "true", "--cron", "0 9 * * *").code == 0
    assert cli("task", "show", "t", "--json").json()["timezone"] == zone


@pytest.mark.parametrize(("tz", "zones"), [
    ("CET-1CEST,M3.5.0,M10.5.0/3", {"Europe/Berlin", "Europe/Brussels", "Europe/Paris"}),
    ("GMT0BST,M3.5.0/1,M10.5.0", {"Europe/London"}),
    (":AEST-10AEDT,M10.1.0,M4.1.0/3", {"Australia/Sydney", "Australia/Melbourne"}),
    ("EST5EDT,M3.2.0,M11.1.0", {"EST5EDT", "America/New_York"})])
def test_a_task_without_tz_keeps_the_daylight_saving_rule_tz_gives(
        cli: Any, monkeypatch: Any, tz: str, zones: set[str]) -> None:
    """TZ='CET-1CEST,M3.5.0,M10.5.0/3' (a POSIX rule with daylight saving, which the C
    library and so the shell's clock follow) gave a task made without --tz the system's zone
    (Etc/UTC here): "At 09:00" ran at 10:00 or 11:00 by the shell's clock, and the table said
    so. Such a task takes a zone that keeps the rule, and fires at 09:00 by that clock."""
    monkeypatch.setenv("TZ", tz)
    assert cli("task", "add", "t", "--command", "true", "--cron", "0 9 * * *").code == 0
    task = cli("task", "show", "t", "--json").json()
    assert task["timezone"] in zones
    assert re.search(r"next run: \d{4}-\d\d-\d\d 09:00:00\n", cli("task", "show", "t").out)


def test_task_list_columns_stay_aligned_after_wide_characters(cli: Any) -> None:
    """`日本語` and `☕` take two columns each on a terminal: the columns after them were
    shifted left by one per wide character."""
    from unicodedata import combining, east_asian_width

    def columns(text: str) -> int:
        return sum(0 if combining(c) else 2 if east_asian_width(c) in "WF" else 1 for c in text)

    for name in ("日本語", "☕ break", "plain", "e\u0301te\u0301"):
        assert cli("task", "add", name, "--command", "true", "--manual").code == 0
    lines = cli("task", "list").out.splitlines()
    starts = {columns(line[:line.index(" no " if " no " in line else " yes ")])
              for line in lines[1:]}  # where the ON column begins, in terminal columns
    assert len(starts) == 1, lines


def test_run_list_notes_say_what_followed_a_failed_attempt(cli: Any, service: Any) -> None:
    """`run list`'s NOTE showed a failed attempt's error alone ("exit code 1"), not its note
    ("retried as run 2", a run-through): both, the error first, as the window's "Result /
    note" says them."""
    from datetime import UTC, datetime

    from app.store import ledger

    task = service.create_task({"name": "flaky", "timezone": "UTC", "action": {
        "kind": "command", "argv": ["false"]}})
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    with service.store.write():
        first = ledger.claim(task.id, now, 1, "failed", "manual", now, "e")
        ledger.update(first, {"error": "exit code 1", "exit_code": 1, "finished_at": now})
        ledger.add_note(first, "retried as run 2")
    listed = cli("run", "list")
    assert listed.code == 0, listed.err
    assert "exit code 1 · retried as run 2" in listed.out
