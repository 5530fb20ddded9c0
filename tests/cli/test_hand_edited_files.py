"""Files a person edited by hand come in as they read: an export or a crontab saved by an
editor that puts a byte order mark first (Windows' Notepad) was refused ("Unexpected UTF-8
BOM", "minute field: '\\ufeff0' is not valid")."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_transfer import ok, shown, tickwork

BOM = b"\xef\xbb\xbf"


def test_an_export_saved_with_a_byte_order_mark_imports_as_it_was(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    ok(a, "task", "add", "fetch", "--command", "echo ünï", "--cron", "0 2 * * *", "--env",
       "K=v", "--description", "first line")
    ok(a, "task", "add", "after", "--command", "true", "--every", "5m", "--depends-on", "fetch")
    export = tmp_path / "tasks.json"
    ok(a, "export", str(export))
    # as Notepad saves it: a byte order mark, Windows line ends
    export.write_bytes(BOM + export.read_bytes().replace(b"\n", b"\r\n"))
    assert ok(b, "import", str(export)).out == "imported 2 tasks: fetch, after\n"
    assert ok(c, "import", "-", stdin=export.read_bytes().decode("utf-8")).out.startswith(
        "imported 2 tasks")
    before = shown(a)
    for home in (b, c):
        after = shown(home)
        for name in before:
            assert after[name]["env"] == before[name]["env"]
            assert after[name]["action"] == before[name]["action"]
            assert after[name]["depends_on"] == before[name]["depends_on"]


def test_a_crontab_saved_with_a_byte_order_mark_imports_its_first_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    crontab = tmp_path / "crontab"
    crontab.write_bytes(BOM + b"0 2 * * * echo hi\n")
    assert ok(home, "import", "--crontab", str(crontab)).out.startswith("imported 1 task")
    crontab.write_bytes(BOM + b"GREETING=hello\n30 3 * * * echo $GREETING\n")
    ok(home, "import", "--crontab", str(crontab))
    tasks = shown(home)
    assert tasks["echo-hi"]["schedule"] == {"kind": "cron", "expr": "0 2 * * *"}
    assert [t["env"] for t in tasks.values() if t["schedule"]["expr"] == "30 3 * * *"] == [
        {"GREETING": "hello"}]


def test_a_systemd_timer_saved_with_a_byte_order_mark_is_read_as_systemd_reads_it(
        tmp_path: Path) -> None:
    """systemd skips the mark; the import said the timer had no OnCalendar= and skipped it."""
    home, units = tmp_path / "home", tmp_path / "units"
    units.mkdir()
    (units / "nightly.timer").write_bytes(BOM + b"[Timer]\nOnCalendar=*-*-* 03:00:00\n")
    (units / "nightly.service").write_bytes(BOM + b"[Service]\nExecStart=/bin/true\n")
    assert ok(home, "import", "--systemd", str(units)).out.startswith("imported 1 task")
    assert shown(home)["nightly"]["schedule"] == {"kind": "cron", "expr": "0 3 * * *"}


def test_a_key_given_twice_is_refused_naming_where(tmp_path: Path) -> None:
    """JSON keeps the last of a key given twice: a variable added in an `env` above the
    exported one was dropped without a word, and the task imported without it."""
    a, b = tmp_path / "a", tmp_path / "b"
    ok(a, "task", "add", "fetch", "--command", "true", "--every", "5m")
    export = tmp_path / "tasks.json"
    ok(a, "export", str(export))
    text = export.read_text()
    for edited, said in [
        (text.replace('"env": {}', '"env": {"TOKEN": "mine"},\n      "env": {}'),
         "tasks[0]: gives 'env' twice"),
        (text.replace('"env": {}', '"env": {"A": "1", "A": "2"}'),
         "tasks[0].env: gives 'A' twice"),
        (text.replace('"version": 1,', '"version": 1,\n  "version": 1,'),
         "file: gives 'version' twice"),
    ]:
        assert edited != text
        export.write_text(edited)
        result = tickwork(b, "import", str(export))
        assert result.code == 2 and result.err == (
            f"tickwork: error: {said} (JSON keeps the last one only): keep the one you "
            "mean\n"), result.err
        assert shown(b) == {}


def test_a_backup_given_to_import_is_named_for_what_it_is(tmp_path: Path) -> None:
    """It said "file: backup.db is not UTF-8 text: invalid start byte"."""
    a, b = tmp_path / "a", tmp_path / "b"
    ok(a, "task", "add", "t", "--command", "true")
    backup = tmp_path / "backup.db"
    ok(a, "backup", str(backup))
    for args in (["import", str(backup)], ["import", "--crontab", str(backup)]):
        result = tickwork(b, *args)
        field = "crontab" if "--crontab" in args else "file"
        assert result.code == 2 and result.err == (
            f"tickwork: error: {field}: {backup} is an SQLite database (a backup?), not a file "
            "Tickwork imports: `tickwork restore FILE` puts a backup back\n")
    assert ok(b, "restore", str(backup)).out.startswith(f"restored {backup}")
    assert shown(b).keys() == {"t"}


def test_arguments_giving_a_key_twice_are_refused_as_a_file_giving_one_is(
        tmp_path: Path) -> None:
    """An import file that gives a key twice is refused naming it; `--kwargs '{"n": 1,
    "n": 2}'` kept 2 without a word (and `task update --kwargs` overwrote the task's
    arguments so). Nested objects too; nothing changed."""
    home = tmp_path / "home"
    ok(home, "task", "add", "p", "--python", "os:getenv", "--kwargs", '{"key": "A"}',
       "--manual")
    for kwargs, key in [('{"key": "B", "key": "C"}', "key"),
                        ('{"key": "B", "default": {"x": 1, "x": 2}}', "x")]:
        for args in (["task", "add", "q", "--python", "os:getenv", "--manual"],
                     ["task", "update", "p"]):
            result = tickwork(home, *args, "--kwargs", kwargs)
            assert (result.code, result.err) == (2, (
                f"tickwork: error: kwargs: gives {key!r} twice (JSON keeps the last one "
                "only): keep the one you mean\n")), (args, kwargs)
    assert [t["name"] for t in ok(home, "task", "list", "--json").json()] == ["p"]
    assert ok(home, "task", "show", "p", "--json").json()["action"]["kwargs"] == {"key": "A"}
