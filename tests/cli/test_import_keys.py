"""An import names a bad value by its key in the file, through the real CLI: every key of a
real export (nested action, schedule and notify keys too) given a wrong value is refused in one
line naming `tasks[0].<that key's path>` (`timezone`, not the `tz` of the CLI's option), exit 2,
and the home it was imported into is unchanged; what the store derives is ignored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, CliResult
from tests.support.tickwork import run as run_tickwork

# objects of the export format whose keys are the format's own (env, secret_env and kwargs
# are the user's names; tags, argv and depends_on are lists of values)
FORMAT = ("action", "schedule", "notify", "schedules")
# written by the store and by export, read by nobody: a wrong value there changes nothing
DERIVED = ("exported_at", "id", "schedule_text", "next_run_at", "last_run", "created_at",
           "updated_at")


def tickwork(home: Path, *args: str) -> CliResult:
    proc = run_tickwork(["--home", str(home), *args], timeout=60, cwd=ROOT)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def ok(home: Path, *args: str) -> CliResult:
    result = tickwork(home, *args)
    assert result.code == 0, (args, result.err)
    return result


def keys(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """The path of every key of the export format in `value`, outer before inner."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, inner in items:
        yield (*path, key)
        if isinstance(inner, dict | list) and (key in (*FORMAT, "tasks") or
                                                 isinstance(key, int)):
            yield from keys(inner, (*path, key))


def named(path: tuple[str | int, ...]) -> str:
    """A key path as an error names it: `tasks[0].action.argv`."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else f".{key}" if out else key
    return out


def wrong(value: Any) -> Any:
    """A value of the wrong type for `value`'s key: text for a number, a list for a null
    (a number would be a fine timeout), a number for anything else."""
    if value is None:
        return []
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "x"
    return 5


def corrupted(document: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    copy = json.loads(json.dumps(document))
    inner = copy
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = wrong(inner[path[-1]])
    return copy


def test_every_key_of_an_export_given_a_wrong_value_is_named_as_the_file_has_it(
        tmp_path: Path) -> None:
    source, target, folder = tmp_path / "source", tmp_path / "target", tmp_path / "work"
    folder.mkdir()
    ok(source, "task", "add", "fetch", "--command", "echo fetch 'two words'", "--cron",
       "*/15 8-18 * * 1-5", "--tz", "Europe/Berlin", "--start", "2030-01-01T00:00:00+00:00",
       "--end", "2031-06-30T12:00:00+00:00", "--priority", "5", "--retries", "3",
       "--retry-delay", "45s", "--backoff", "exponential", "--timeout", "10m",
       "--max-instances", "2", "--overlap", "queue", "--group", "net:2", "--catch-up", "all",
       "--cwd", str(folder), "--env", "A=1", "--description", "pull the feeds", "--tag", "net",
       "--notify-success", "--keep-runs", "20")
    export = tmp_path / "export.json"
    ok(source, "export", str(export))
    document = json.loads(export.read_text())
    ok(target, "task", "add", "keep", "--command", "true")
    before = ok(target, "task", "list", "--json").out

    paths = list(keys(document))
    assert {("tasks", 0, "timezone"), ("tasks", 0, "action", "argv"),
            ("tasks", 0, "action", "line"), ("tasks", 0, "schedule", "expr"),
            ("tasks", 0, "notify", "on_failure")} <= set(paths)
    checked = []
    bad = tmp_path / "bad.json"
    for path in paths:
        if path[-1] in DERIVED or path == ("tasks", 0):
            continue
        bad.write_text(json.dumps(corrupted(document, path)))
        result = tickwork(target, "import", str(bad))
        where = named(path)
        assert result.code == 2, (where, result.code, result.err)
        assert result.err.startswith(f"tickwork: error: {where}: "), (where, result.err)
        assert len(result.err.splitlines()) == 1 and "Traceback" not in result.err, result.err
        assert ok(target, "task", "list", "--json").out == before, where
        checked.append(where)
    assert len(checked) >= 35, checked

    # what the store derives is read by nobody: wrong values there import as if absent
    for path in paths:
        if path[-1] in DERIVED:
            document = corrupted(document, path)
    bad.write_text(json.dumps(document))
    ok(target, "import", str(bad))
    assert sorted(t["name"] for t in ok(target, "task", "list", "--json").json()) == [
        "fetch", "keep"]


def test_one_of_several_schedules_is_named_by_its_place(tmp_path: Path) -> None:
    """`cron` in the second of several schedules is `schedule.schedules[1].expr`."""
    path = tmp_path / "in.json"
    schedule = {"kind": "any", "schedules": [{"kind": "interval", "seconds": 60},
                                             {"kind": "cron", "expr": "61 * * * *"}]}
    path.write_text(json.dumps({"version": 1, "tasks": [
        {"name": "x", "action": {"kind": "command", "argv": ["true"]}, "schedule": schedule}]}))
    result = tickwork(tmp_path / "home", "import", str(path))
    assert result.code == 2
    assert result.err.startswith("tickwork: error: tasks[0].schedule.schedules[1].expr: "
                                 "minute field: 61 is out of range"), result.err
    # a key the file has that no task has is named as written, the CLI's word or not
    path.write_text(json.dumps({"version": 1, "tasks": [
        {"name": "x", "action": {"kind": "command", "argv": ["true"]}, "tz": "UTC"}]}))
    result = tickwork(tmp_path / "home", "import", str(path))
    assert result.err == "tickwork: error: tasks[0].tz: is not a task field\n", result.err


def test_a_secret_not_stored_is_named_by_the_task_that_needs_it(tmp_path: Path) -> None:
    """The import names which task refers to a secret this home does not hold."""
    path = tmp_path / "in.json"
    home = tmp_path / "home"

    def task(name: str, secrets: dict[str, str]) -> dict[str, Any]:
        return {"name": name, "action": {"kind": "command", "argv": ["true"]},
                "secret_env": secrets}

    path.write_text(json.dumps({"version": 1, "tasks": [task("a", {"T": "token"})]}))
    result = tickwork(home, "import", str(path))
    assert result.code == 2
    assert result.err.startswith("tickwork: error: tasks[0].secret_env: T refers to unknown "
                                 "secret 'token'"), result.err
    path.write_text(json.dumps({"version": 1, "tasks": [task("a", {}),
                                                         task("b", {"T": "token"})]}))
    result = tickwork(home, "import", str(path))
    assert result.code == 2
    assert result.err.startswith("tickwork: error: tasks[1].secret_env: secret 'token' (used "
                                 "by 'b') is not stored"), result.err
    assert ok(home, "task", "list", "--json").json() == []
