"""Export from one home, import into another, through the real CLI: every task comes back with
every field; what cannot be imported is refused whole, naming it, and changes nothing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, CliResult
from tests.support.tickwork import run as run_tickwork
from tests.support.tmpfs import mounted

# derived by the store, not configured by the user: they may differ between homes
NOT_CONFIGURED = ("id", "created_at", "updated_at", "next_run_at", "last_run")


def tickwork(home: Path, *args: str, stdin: str | None = None) -> CliResult:
    proc = run_tickwork(["--home", str(home), *args], input=stdin, timeout=60, cwd=ROOT)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def tickwork_in(folder: Path, home: Path, *args: str) -> CliResult:
    """`tickwork` typed in `folder`."""
    proc = run_tickwork(["--home", str(home), *args], timeout=60, cwd=folder)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def ok(home: Path, *args: str, stdin: str | None = None) -> CliResult:
    result = tickwork(home, *args, stdin=stdin)
    assert result.code == 0, (args, result.err)
    return result


def shown(home: Path) -> dict[str, dict[str, Any]]:
    """Every task's `task show --json`, by name."""
    names = [t["name"] for t in ok(home, "task", "list", "--json").json()]
    return {name: ok(home, "task", "show", name, "--json").json() for name in names}


def assert_same_tasks(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> None:
    """Field by field, every field but ids and timestamps; scheduled or not alike (a fire
    overdue in the first home, never run there, is simply past in the second)."""
    assert sorted(a) == sorted(b)
    for name in a:
        fields = set(a[name]) | set(b[name])
        for key in sorted(fields - set(NOT_CONFIGURED)):
            assert a[name].get(key) == b[name].get(key), (name, key)
        due = a[name]["next_run_at"]
        if due is None or datetime.fromisoformat(due) > datetime.now(UTC):  # not overdue
            assert (due is None) == (b[name]["next_run_at"] is None), name


def rich_home(home: Path, folder: Path) -> None:
    """Tasks that between them set every field a task has."""
    ok(home, "secret", "set", "api-token", stdin="tw-secret-value\n")
    ok(home, "task", "add", "fetch", "--command", "echo fetch 'two words'", "--cron",
       "*/15 8-18 * * 1-5", "--tz", "Europe/Berlin", "--start", "2030-01-01T00:00:00+00:00",
       "--end", "2031-06-30T12:00:00+00:00", "--priority", "5", "--retries", "3",
       "--retry-delay", "45s", "--backoff", "exponential", "--timeout", "10m",
       "--max-instances", "2", "--overlap", "queue", "--group", "net:2", "--catch-up", "all",
       "--cwd", str(folder), "--env", "A=1", "--env", "B=x y", "--secret-env",
       "TOKEN=api-token", "--description", "pull the feeds\nsecond line", "--tag", "net",
       "--tag", "feeds", "--notify-success")
    ok(home, "task", "add", "alert", "--command", "echo failed >&2; exit 0", "--shell",
       "--manual", "--group", "net", "--priority", "-3")
    ok(home, "task", "add", "report", "--python", "tests.support.actions:append", "--kwargs",
       json.dumps({"path": str(folder / "out.txt"), "text": "ünïcode", "deep": [1, {"k": None}]}),
       "--every", "1h", "--depends-on", "fetch", "--fallback", "alert", "--catch-up", "skip",
       "--overlap", "replace")
    ok(home, "task", "add", "mail", "--command", "true", "--after", "fetch,report",
       "--fallback", "alert", "--group", "solo:1", "--retries", "1")
    ok(home, "task", "add", "yearly", "--command", "true", "--calendar", "1mo@02:00",
       "--tz", "America/New_York", "--disabled")
    ok(home, "task", "add", "later", "--command", "true", "--at", "2035-06-01T12:00:00",
       "--tz", "Asia/Tokyo")
    ok(home, "task", "pause", "later")
    ok(home, "task", "add", "unicode ✓ 任务", "--command", "true", "--every", "90s",
       "--depends-on", "later", "--depends-on", "yearly")
    # the fields the CLI has no option for: set them through the service, as the GUI does
    from app.service import Service
    from app.store.database import Store

    # and a one-shot that has fired already, as a backup holds it: created back then
    store = Store.open(home)
    try:
        service = Service(store, "gui")
        service.update_task("report", {"dependency_timeout": 600.0})
        service.update_task("yearly", {"notify": {"on_failure": False, "on_success": False}})
        service.create_task({"name": "fired", "action": {"kind": "command", "argv": ["true"]},
                             "schedule": {"kind": "date", "at": "2020-03-01T09:00:00+01:00"},
                             "timezone": "Europe/Paris", "end_at": "2020-12-31T00:00:00+00:00"},
                            now=datetime(2020, 1, 1, tzinfo=UTC))
    finally:
        store.close()


def test_export_then_import_into_a_fresh_home_recreates_every_field(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    folder = tmp_path / "work"
    folder.mkdir()
    rich_home(a, folder)
    before = shown(a)
    assert before["report"]["dependency_timeout"] == 600.0
    assert before["yearly"]["notify"] == {"on_failure": False, "on_success": False}
    assert before["fetch"]["secret_env"] == {"TOKEN": "api-token"}
    # each command line comes back exactly as it was typed, quotes and all
    assert before["fetch"]["action"]["line"] == "echo fetch 'two words'"
    assert before["alert"]["action"]["line"] == "echo failed >&2; exit 0"
    export = tmp_path / "e.json"
    assert "exported 8 tasks" in ok(a, "export", str(export)).out

    ok(b, "secret", "set", "api-token", stdin="another value\n")
    result = ok(b, "import", str(export))
    assert "imported 8 tasks" in result.out
    after = shown(b)
    assert_same_tasks(before, after)
    assert after["later"]["enabled"] is False and after["mail"]["schedule"] == {
        "kind": "after", "tasks": ["fetch", "report"]}
    assert ok(b, "audit", "--verify").code == 0
    actions = [e["action"] for e in ok(b, "audit", "--json", "--limit", "100").json()]
    assert actions.count("task.import") == 8 and actions[0] == "tasks.import"
    assert after["fired"]["schedule"]["at"] == "2020-03-01T09:00:00+01:00"
    assert after["fetch"]["action"]["line"] == "echo fetch 'two words'"
    assert "line" not in after["fired"]["action"]  # stored without one: still fine

    # and the copy exports to the same tasks again
    again = tmp_path / "again.json"
    ok(b, "export", str(again))
    strip = [{k: v for k, v in t.items() if k not in NOT_CONFIGURED}
             for t in json.loads(again.read_text())["tasks"]]
    assert strip == [{k: v for k, v in t.items() if k not in NOT_CONFIGURED}
                     for t in json.loads(export.read_text())["tasks"]]


def test_import_refuses_existing_names_whole_and_names_them(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for name in ("one", "two", "three"):
        ok(a, "task", "add", name, "--command", "true")
    export = tmp_path / "e.json"
    ok(a, "export", str(export))
    ok(b, "task", "add", "two", "--command", "echo mine")
    ok(b, "task", "add", "three", "--command", "echo mine")
    events = len(ok(b, "audit", "--json").json())
    result = tickwork(b, "import", str(export))
    assert result.code == 2, result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "'two'" in result.err and "'three'" in result.err and "'one'" not in result.err
    assert sorted(shown(b)) == ["three", "two"]
    assert shown(b)["two"]["action"]["argv"] == ["echo", "mine"]
    assert len(ok(b, "audit", "--json").json()) == events


def test_a_one_task_file_whose_task_is_here_says_how_to_import_anyway(tmp_path: Path) -> None:
    """A file of several tasks that are here is refused naming `--skip-existing`; one of a
    single task said only "a task named 'x' already exists", as `task add` does, so a
    newcomer importing a one-line crontab or a one-task export again was not told the way
    on. It now says that nothing was imported and how to leave the task as it is."""
    home = tmp_path / "home"
    ok(home, "task", "add", "x", "--command", "true", "--manual")
    export = tmp_path / "x.json"
    ok(home, "export", str(export))
    way_on = ("tickwork: error: name: a task named 'x' already exists (nothing was imported; "
              "rename or delete it first, or leave it as it is: --skip-existing)")
    refused = tickwork(home, "import", str(export))
    assert refused.code == 2 and refused.err.strip() == way_on, refused.err
    ok(home, "task", "add", "echo-rel", "--command", "true", "--manual")
    again = tickwork(home, "import", "--crontab", "-", stdin="0 4 * * * echo rel\n")
    assert again.code == 2 and again.err.strip() == way_on.replace("'x'", "'echo-rel'")
    kept = ok(home, "import", str(export), "--skip-existing")
    assert (kept.out, kept.err) == ("imported 0 tasks\n", "already here, left as they are: x\n")
    added = tickwork(home, "task", "add", "x", "--command", "true")  # not an import: as before
    assert added.err.strip() == "tickwork: error: name: a task named 'x' already exists"


def test_a_deleted_task_comes_back_from_an_export_beside_the_ones_still_here(
        tmp_path: Path) -> None:
    """Export, delete one task, import the export again: the whole file was refused for the
    names still here, and the only way back was deleting those too, with their history (a
    run-through). `--skip-existing` leaves them as they are and brings back the rest; the
    refusal says so."""
    home, folder = tmp_path / "a", tmp_path / "work"
    folder.mkdir()
    rich_home(home, folder)
    before = shown(home)
    export = tmp_path / "e.json"
    ok(home, "export", str(export))
    ok(home, "task", "update", "alert", "--command", "echo changed here")  # kept as it is
    ok(home, "task", "delete", "report", "--force")  # "mail" ran after it: that link goes
    refused = tickwork(home, "import", str(export))
    assert refused.code == 2 and "--skip-existing" in refused.err, refused.err
    back = ok(home, "import", str(export), "--skip-existing")
    assert back.out.splitlines() == ["imported 1 task: report"]
    assert back.err.splitlines()[0] == ("already here, left as they are: fetch, alert, mail, "
                                        "yearly, later, unicode ✓ 任务, fired")
    after = shown(home)
    assert_same_tasks({"report": before["report"]}, {"report": after["report"]})
    assert after["alert"]["action"]["line"] == "echo changed here"
    assert after["mail"]["schedule"] == {"kind": "after", "tasks": ["fetch"]}  # as it is here
    events = ok(home, "audit", "--json", "--limit", "5").json()
    assert events[0]["action"] == "tasks.import" and "alert" in str(events[0])

    again = ok(home, "import", str(export), "--skip-existing", "--json").json()
    assert again["created"] == [] and len(again["already_here"]) == 8  # nothing twice
    nothing = ok(home, "import", str(export), "--skip-existing")
    assert nothing.out == "imported 0 tasks\n", nothing  # it said "imported 0 tasks: -"
    assert nothing.err.startswith("already here, left as they are: fetch, alert, "), nothing
    assert sorted(shown(home)) == sorted(before)
    fresh = tmp_path / "b"  # a home with none of them: all of them, as without the flag
    ok(fresh, "secret", "set", "api-token", stdin="v\n")
    assert "imported 8 tasks" in ok(fresh, "import", str(export), "--skip-existing").out


def test_import_refuses_a_secret_the_target_home_does_not_have(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    ok(a, "secret", "set", "db-password", stdin="pw\n")
    ok(a, "task", "add", "plain", "--command", "true")
    ok(a, "task", "add", "backup", "--command", "true", "--secret-env", "PW=db-password")
    export = tmp_path / "e.json"
    ok(a, "export", str(export))
    assert "pw" not in export.read_text().split('"secret_env"')[1][:40]  # a reference only

    result = tickwork(b, "import", str(export))
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "'db-password'" in result.err and "tickwork secret set db-password" in result.err
    assert shown(b) == {}

    ok(b, "secret", "set", "db-password", stdin="pw\n")
    ok(b, "import", str(export))
    assert shown(b)["backup"]["secret_env"] == {"PW": "db-password"}


def test_import_ignores_ids_and_links_tasks_in_any_order(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "existing", "--command", "true")  # holds id 1
    data = {"version": 1, "tasks": [
        {"id": 1, "name": "down", "action": {"kind": "command", "argv": ["true"]},
         "depends_on": ["up"], "fallback": "up", "timezone": "UTC"},
        {"id": 2, "name": "up", "action": {"kind": "command", "argv": ["true"]},
         "schedule": {"kind": "after", "tasks": ["existing"]}, "timezone": "UTC"},
    ]}
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data))
    assert "imported 2 tasks" in ok(home, "import", str(path)).out
    data["tasks"] = [{**data["tasks"][0], "name": "one more", "depends_on": [],
                      "fallback": None}]
    path.write_text(json.dumps(data))
    assert ok(home, "import", str(path)).out.startswith("imported 1 task: one more")
    tasks = shown(home)
    assert tasks["down"]["depends_on"] == ["up"] and tasks["down"]["fallback"] == "up"
    assert tasks["up"]["schedule"] == {"kind": "after", "tasks": ["existing"]}
    assert tasks["existing"]["id"] == 1


@pytest.mark.parametrize(("content", "needle"), [
    ('{"version": true, "tasks": []}', "version"),
    ('{"version": 1.0, "tasks": []}', "version"),
    ('{"version": "1", "tasks": []}', "version"),
    # (named: a 200 KB test id is in PYTEST_CURRENT_TEST, too long for any process to start
    # with, and a call that went to a real `python -m app.cli` failed "Argument list too long")
    pytest.param('{"version": 1, "tasks": [' + "[" * 100_000 + "]" * 100_000 + "]}", "file",
                 id="nested-100000-deep"),
    pytest.param('{"version": 1, "tasks": [{"name": "x", "action": {"kind": "python", "target":'
                 ' "m:f", "kwargs": {"a": ' + "[" * 500 + "]" * 500 + "}}}]}",
                 "tasks[0].action.kwargs", id="kwargs-500-deep"),
    ('{"version": 1, "tasks": [{"name": "x", "action": {"kind": "command", "argv": ["true"]}},'
     ' {"name": "x", "action": {"kind": "command", "argv": ["true"]}}]}', "appears twice"),
    *[('{"version": 1, "tasks": [{"name": "x", "action": {"kind": "command", "argv": '
       f'["true"]}}, "{field}": {value}}}]}}', field)
      for field, value in (("retry_delay", "NaN"), ("timeout", "NaN"),
                           ("dependency_timeout", "Infinity"), ("timeout", "-Infinity"))],
    ('{"version": 1, "tasks": [{"name": "x", "action": {"kind": "command", "argv": ["true"]},'
     ' "tags": ["a\\nb"]}]}', "tags"),
    ('{"version": 1, "tasks": [{"name": "x", "action": {"kind": "command", "argv": ["true"]},'
     ' "start_at": "9999-12-31T23:59:59-05:00"}]}', "tasks[0].start_at: is out of range"),
])
def test_bad_import_files_exit_2_with_one_line(tmp_path: Path, content: str,
                                               needle: str) -> None:
    home = tmp_path / "home"
    path = tmp_path / "in.json"
    path.write_text(content)
    result = tickwork(home, "import", str(path))
    assert result.code == 2, result.err
    assert len(result.err.strip().splitlines()) == 1 and needle in result.err
    assert "Traceback" not in result.err and "RecursionError" not in result.err
    assert shown(home) == {}


WRONG_TYPES = [  # (the field as the file has it, a value of the wrong type, the line's end)
    ("name", 123, "tasks[0].name: must be text"),
    ("description", 5, "tasks[0].description: must be text"),
    ("enabled", "yes", "tasks[0].enabled: must be true or false"),
    ("tags", "a", "tasks[0].tags: must be a list of names"),
    ("priority", "high", "tasks[0].priority: must be a whole number"),
    ("retry_delay", [], "tasks[0].retry_delay: must be a duration"),
    ("group", 5, "tasks[0].group: must be text"),
    ("env", [], "tasks[0].env: must be a JSON object"),
    ("keep_days", 1.5, "tasks[0].keep_days: must be a whole number"),
    ("action.kind", 5, "tasks[0].action.kind: must be command or python, got 5"),
    ("action.shell", "yes", "tasks[0].action.shell: must be true or false"),
    ("action.cwd", 5, "tasks[0].action.cwd: must be text"),
    # 0, [] and {} became this machine's zone unsaid (a fault hunt)
    ("timezone", 0, "tasks[0].timezone: must be a time zone name, got 0"),
    ("timezone", [], "tasks[0].timezone: must be a time zone name, got []"),
    ("timezone", {}, "tasks[0].timezone: must be a time zone name, got {}"),
    # the key as the file has it: it said "needs 'parts'"
    ("schedule", {"kind": "any", "schedules": []},
     "tasks[0].schedule: an any schedule needs at least one schedule in 'schedules'"),
]


def test_a_field_of_the_wrong_type_is_named_with_the_type_it_needs(tmp_path: Path) -> None:
    """`"name": 123` said `tasks[0].name: is required`: a field of the wrong type says the type
    it must be, as a missing one says it is required, and a task that is no JSON object is
    `tasks[0]`, not `tasks[0].task`."""
    home = tmp_path / "home"
    path = tmp_path / "in.json"

    def refused(tasks: list[Any]) -> str:
        path.write_text(json.dumps({"version": 1, "tasks": tasks}))
        result = tickwork(home, "import", str(path))
        assert result.code == 2 and len(result.err.splitlines()) == 1, result.err
        return result.err.strip()

    for field, value, said in WRONG_TYPES:
        task: dict[str, Any] = {"name": "x", "action": {"kind": "command", "argv": ["true"]}}
        where, _, key = field.rpartition(".")
        (task[where] if where else task)[key] = value
        assert refused([task]) == f"tickwork: error: {said}", field
    assert refused([{"action": {"kind": "command", "argv": ["true"]}}]).endswith(
        "tasks[0].name: is required")
    assert refused([5]).endswith("tasks[0]: must be a JSON object")
    assert shown(home) == {}


def test_a_missing_field_is_said_required_and_a_version_as_text_is_named(
        tmp_path: Path) -> None:
    """What the file lacks is said to be required, as a missing name is: a task without its
    action said "tasks[0].action: must be a JSON object", a schedule without its kind
    "unknown kind None", a file without its version "unsupported export version None"; and
    `"version": "1"` said "unsupported export version '1' (this Tickwork reads version 1)".
    Each is one line, exit 2, nothing imported."""
    home = tmp_path / "home"
    path = tmp_path / "in.json"
    command = {"kind": "command", "argv": ["true"]}
    for document, said in [
        ({"tasks": []}, "version: is required"),
        ({"version": "1", "tasks": []}, "version: must be the whole number 1, got '1'"),
        ({"version": 1, "tasks": [{"name": "x"}]}, "tasks[0].action: is required"),
        ({"version": 1, "tasks": [{"name": "x", "action": {"kind": "command"}}]},
         "tasks[0].action.argv: is required"),
        ({"version": 1, "tasks": [{"name": "x", "action": command, "schedule": {}}]},
         "tasks[0].schedule.kind: is required (use one of manual, date, interval, cron, "
         "calendar, after, any)"),
    ]:
        path.write_text(json.dumps(document))
        result = tickwork(home, "import", str(path))
        assert (result.code, result.err) == (2, f"tickwork: error: {said}\n"), document
    assert shown(home) == {}


def test_export_is_written_0600_even_over_a_readable_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true", "--env", "PASSWORD=hunter2")
    fresh = tmp_path / "fresh.json"
    old = tmp_path / "old.json"
    old.write_text("old")
    old.chmod(0o644)
    for path in (fresh, old):
        proc = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), "export",
                               str(path)], capture_output=True, text=True, cwd=ROOT,
                              preexec_fn=lambda: os.umask(0))
        assert proc.returncode == 0, proc.stderr
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert "hunter2" in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_an_export_that_cannot_be_written_exits_2_and_leaves_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true")
    (tmp_path / "taken").mkdir()
    for target in (tmp_path / "taken", tmp_path / "missing" / "e.json"):
        result = tickwork(home, "export", str(target))
        assert result.code == 2 and "file: cannot write" in result.err, result.err
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == []
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_an_export_to_a_full_disk_exits_1_as_any_failure_and_leaves_nothing(tmp_path: Path
                                                                          ) -> None:
    """README: exit 2 is "a usage or validation error", 1 "any other failure". An export the
    disk had no room for said "file: cannot write …: No space left on device" and exit 2, as
    if the name given were wrong (a backup there exits 1); the name was right, the disk
    full."""
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true")
    with mounted(tmp_path / "small", "size=16k") as small:
        (small / "fill").write_bytes(b"\0" * 16384)
        result = tickwork(home, "export", str(small / "e.json"))
        assert (result.code, result.err) == (1, f"tickwork: error: cannot write "
                                             f"{small / 'e.json'}: No space left on device\n")
        assert sorted(p.name for p in small.iterdir()) == ["fill"]


def test_an_export_is_written_through_a_link_and_to_standard_output(tmp_path: Path) -> None:
    """A link to the export (a synced folder's file, say) stays a link, its file replaced;
    `export -` writes the JSON alone on stdout, which another home imports."""
    home, other, third = tmp_path / "home", tmp_path / "other", tmp_path / "third"
    ok(home, "task", "add", "t", "--command", "true", "--env", "K=v")
    (tmp_path / "synced").mkdir()
    real = tmp_path / "synced" / "tasks.json"
    real.write_text("old")
    link = tmp_path / "tasks-link.json"
    link.symlink_to(real)
    ok(home, "export", str(link))
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    ok(other, "import", str(link))
    streamed = ok(home, "export", "-")
    assert json.loads(streamed.out)["tasks"][0]["name"] == "t"
    assert "exported 1 task to standard output" in streamed.err
    ok(third, "import", "-", stdin=streamed.out)  # `export - | import -` (once "cannot read -")
    refused = tickwork(tmp_path / "fourth", "import", "-", stdin="garbage")
    assert refused.code == 2 and refused.err.startswith(
        "tickwork: error: file: standard input is not valid JSON")
    shared = tmp_path / "shared"  # a folder anyone writes in (as /tmp): its links are not
    shared.mkdir()                # followed, whoever made them
    shared.chmod(0o1777)
    trap = shared / "tasks.json"
    trap.symlink_to(real)
    before = real.read_text()
    refused = tickwork(home, "export", str(trap))
    assert refused.code == 2 and "not followed" in refused.err and real.read_text() == before
    log = tmp_path / "log.txt"  # `tickwork export /dev/stdout >> log.txt`: appended to
    log.write_text("earlier lines\n")
    with log.open("a") as out:
        proc = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), "export",
                               "/dev/stdout"], stdout=out, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert log.read_text().startswith("earlier lines\n{")
    configured = [{k: v for k, v in shown(h)["t"].items() if k not in NOT_CONFIGURED}
                  for h in (home, other, third)]
    assert configured[0] == configured[1] == configured[2]
    assert configured[2]["env"] == {"K": "v"}


def test_an_export_to_dev_stdout_is_the_json_alone_as_export_dash_is(tmp_path: Path) -> None:
    """README: "`export -` or `/dev/stdout` writes to standard output". `tickwork export
    /dev/stdout | tickwork import -` failed "standard input is not valid JSON: Extra data":
    the line saying what was exported went to stdout after the JSON; it goes to stderr, as
    `export -`'s does."""
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true")
    streamed = ok(home, "export", "/dev/stdout")
    assert json.loads(streamed.out)["tasks"][0]["name"] == "t"
    assert streamed.err == "exported 1 task to /dev/stdout\n"
    ok(tmp_path / "other", "import", "-", stdin=streamed.out)
    assert [t["name"] for t in shown(tmp_path / "other").values()] == ["t"]


@pytest.mark.parametrize("args", [["export", ""], ["import", ""], ["import", "--crontab", " "],
                                  ["backup", ""], ["restore", ""]])
def test_an_empty_file_name_is_refused_naming_it(tmp_path: Path, args: list[str]) -> None:
    """`export ""` said "cannot write /the/folder: Is a directory"; `backup ""` wrote its
    default file; now each says the name is empty, exit 2, and nothing is written."""
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true", "--manual")
    before = sorted(p.name for p in home.rglob("*") if p.suffix == ".db")
    result = tickwork(home, *args)
    assert result.code == 2
    assert result.err.strip().endswith(f"{'crontab' if '--crontab' in args else 'file'}: is "
                                       "empty: name a file")
    assert sorted(p.name for p in home.rglob("*") if p.suffix == ".db") == before


def test_an_endless_file_is_refused_not_read_until_memory_runs_out(cli: Any) -> None:
    """`import /dev/zero` read until a MemoryError (a fault hunt): a file is read up to
    256 MiB, then refused in one line."""
    result = cli("import", "/dev/zero")
    assert result.code == 2, result.err
    assert result.err.strip().endswith("/dev/zero is larger than 256 MiB: not a file "
                                       "Tickwork imports"), result.err
    assert len(result.err.strip().splitlines()) == 1


def test_an_import_keeps_the_limit_of_a_group_the_home_s_tasks_are_in(tmp_path: Path) -> None:
    """A file whose tasks say `nightly:2` into a home where `g` runs in `nightly` with limit 5:
    the home's limit stays (as `task update --group nightly` joins it), and the import says
    so, on its output and in the audit; a group no task here is in takes the file's."""
    a, b = tmp_path / "a", tmp_path / "b"
    ok(a, "task", "add", "n1", "--command", "true", "--every", "1h", "--group", "nightly:2")
    ok(a, "task", "add", "n2", "--command", "true", "--every", "1h", "--group", "nightly")
    ok(a, "task", "add", "w", "--command", "true", "--every", "1h", "--group", "weekly:3")
    export = tmp_path / "e.json"
    ok(a, "export", str(export))
    ok(b, "task", "add", "g", "--command", "true", "--every", "1h", "--group", "nightly:5")
    ok(b, "task", "add", "x", "--command", "true", "--group", "weekly:7")
    ok(b, "task", "update", "x", "--group", "")  # `weekly` stays, with no task in it

    result = ok(b, "import", str(export))
    note = ("note: group 'nightly' keeps this home's limit of 5 (the file gives 2): "
            "'g' is already in it")
    assert (result.out.splitlines(), result.err.splitlines()) == (
        ["imported 3 tasks: n1, n2, w"], [note])
    tasks = shown(b)
    assert {n: (t["group"], t["group_limit"]) for n, t in tasks.items()} == {
        "g": ("nightly", 5), "n1": ("nightly", 5), "n2": ("nightly", 5), "w": ("weekly", 3),
        "x": (None, None)}
    (event,) = [e for e in ok(b, "audit", "--json").json() if e["action"] == "tasks.import"]
    assert event["after"]["notes"] == [note.removeprefix("note: ")]
    ok(b, "task", "delete", "n1")
    ok(b, "task", "delete", "n2")
    ok(b, "task", "delete", "w")
    assert ok(b, "import", str(export), "--json").json()["notes"] == [
        note.removeprefix("note: ")]


def test_an_import_whose_tasks_give_a_group_two_limits_is_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    ok(a, "task", "add", "n1", "--command", "true", "--group", "nightly:2")
    export = tmp_path / "e.json"
    ok(a, "export", str(export))
    doc = json.loads(export.read_text())
    doc["tasks"].append({**doc["tasks"][0], "name": "n2", "group_limit": 4})
    export.write_text(json.dumps(doc))
    ok(b, "task", "add", "g", "--command", "true", "--group", "nightly:5")
    events = len(ok(b, "audit", "--json").json())
    result = tickwork(b, "import", str(export))
    assert result.code == 2, result.err
    assert result.err.strip().splitlines() == [
        "tickwork: error: tasks[1].group: group 'nightly' has limit 4 here and limit 2 in 'n1': "
        "give its tasks one limit"]
    assert {n: t["group_limit"] for n, t in shown(b).items()} == {"g": 5}
    assert len(ok(b, "audit", "--json").json()) == events


def test_an_export_to_standard_output_and_an_import_from_standard_input_are_audited_so(
        tmp_path: Path) -> None:
    """`export -` said "exported 1 task to standard output", but its audit event's target was
    "-" (`tickwork audit`'s TARGET column, the window's "Exported 1 task to -"), and so was
    `import -`'s: each now names the stream as the command's own line does. A file typed
    relative (`export tasks.json`) was audited as typed, which says nothing of where it
    went once the terminal is closed; it is audited from the folder it was typed in, as
    `tickwork backup` names its file."""
    home, other = tmp_path / "home", tmp_path / "other"
    ok(home, "task", "add", "t", "--command", "true", "--manual")
    streamed = ok(home, "export", "-")
    ok(other, "import", "-", stdin=streamed.out)
    for where, action, stream in ((home, "tasks.export", "standard output"),
                                  (other, "tasks.import", "standard input")):
        (event,) = [e for e in ok(where, "audit", "--json").json() if e["action"] == action]
        assert event["target"] == stream, event
        (line,) = [x for x in ok(where, "audit").out.splitlines() if action in x]
        assert line.rstrip().endswith(f"{action}  {stream}"), line
    typed = tickwork_in(tmp_path, home, "export", "tasks.json")  # relative, as typed here
    assert typed.code == 0 and typed.out.strip() == "exported 1 task to tasks.json", typed.err
    assert tickwork_in(tmp_path, other, "import", "tasks.json", "--skip-existing").code == 0
    for where, action in ((home, "tasks.export"), (other, "tasks.import")):
        event = next(e for e in ok(where, "audit", "--json").json() if e["action"] == action)
        assert event["target"] == str(tmp_path / "tasks.json"), event  # it read "tasks.json"


def test_a_file_named_dash_is_a_file_when_written_dot_slash_dash(tmp_path: Path) -> None:
    """`./-` is how a shell user names a file called `-` (as `cat ./-`): export wrote the JSON
    to standard output instead, and import read standard input (a path's `./` is dropped,
    and what was left read as `-`). A round trip through that file, in the folder it names."""
    home, folder = tmp_path / "home", tmp_path / "work"
    folder.mkdir()
    ok(home, "task", "add", "t", "--command", "true")
    exported = tickwork_in(folder, home, "export", "./-")
    assert exported.code == 0, exported.err
    assert exported.out == "exported 1 task to ./-\n"
    assert json.loads((folder / "-").read_text())["tasks"][0]["name"] == "t"
    imported = tickwork_in(folder, tmp_path / "other", "import", "./-")
    assert imported.code == 0, imported.err
    assert [t["name"] for t in shown(tmp_path / "other").values()] == ["t"]
