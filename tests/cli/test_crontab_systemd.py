"""`tickwork import --systemd DIR` through the real CLI: timers with their services become
tasks, what does not map is named per unit, and a second import is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def units(folder: Path, work: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "backup.timer").write_text(
        "[Unit]\nDescription=Nightly backup\n\n[Timer]\nOnCalendar=Mon..Fri *-*-* 02:30:00 "
        "Europe/Berlin\nPersistent=true\nRandomizedDelaySec=10min\n\n[Install]\n"
        "WantedBy=timers.target\n")
    (folder / "backup.service").write_text(
        f"[Unit]\nDescription=Back up the notes\n\n[Service]\nType=oneshot\n"
        f"ExecStart=/bin/echo backing up %h\nEnvironment=\"MODE=full copy\"\n"
        f"WorkingDirectory={work}\nNice=10\n")
    (folder / "poll.timer").write_text("[Timer]\nOnUnitActiveSec=15min\nUnit=poller.service\n")
    (folder / "poller.service").write_text("[Service]\nExecStart=-/bin/true\n")
    (folder / "eom.timer").write_text("[Timer]\nOnCalendar=*-*~01 12:00\n")
    (folder / "eom.service").write_text("[Service]\nExecStart=/bin/true\n")
    return folder


def test_systemd_user_timers_are_imported_with_what_was_not_mapped(
        cli: Any, tmp_path: Path) -> None:
    folder = units(tmp_path / "user", tmp_path)
    preview = cli("import", "--systemd", str(folder), "--dry-run")
    assert preview.code == 0, preview.err
    lines = preview.out.splitlines()
    assert lines[0] == f"would create 2 tasks from systemd units in {folder}:"
    assert lines[2].split()[:2] == ["backup.timer", "backup"]
    assert "30 2 * * 1-5" in lines[2] and "Europe/Berlin" in lines[2]
    assert lines[3].split()[:4] == ["poll.timer", "poll", "Every", "15"]
    assert lines[4:] == []  # (the notes: on stderr, beside the result)
    assert preview.err.splitlines() == [
        "not mapped: backup.timer: RandomizedDelaySec=10min",
        "not mapped: backup.service: Nice=10",
        "not mapped: eom.timer (skipped): OnCalendar=*-*~01 12:00: '~' (days counted from the "
        "month's end) has no cron form",
        "nothing was imported (--dry-run)",
    ]
    assert cli("task", "list", "--json").json() == []

    result = cli("import", "--systemd", str(folder))
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (f"imported 2 tasks from systemd units in {folder}: "
                                          "backup, poll")
    backup = cli("task", "show", "backup", "--json").json()
    assert backup["schedule"] == {"kind": "cron", "expr": "30 2 * * 1-5"}
    assert backup["timezone"] == "Europe/Berlin"
    assert backup["catch_up"] == "once"
    assert backup["env"] == {"MODE": "full copy"}
    assert backup["action"]["argv"] == ["/bin/echo", "backing", "up", str(Path.home())]
    assert backup["action"]["cwd"] == str(tmp_path)
    assert backup["description"] == "Back up the notes"
    poll = cli("task", "show", "poll", "--json").json()
    assert poll["schedule"] == {"kind": "interval", "seconds": 900}
    assert poll["catch_up"] == "skip"

    again = cli("import", "--systemd", str(folder))
    assert again.code == 2 and "2 tasks already exist: 'backup', 'poll'" in again.err
    assert len(cli("task", "list", "--json").json()) == 2


def test_a_missing_folder_is_one_line(cli: Any, tmp_path: Path) -> None:
    result = cli("import", "--systemd", str(tmp_path / "nowhere"))
    assert result.code == 2
    assert result.err.strip() == f"tickwork: error: systemd: no such folder: {tmp_path}/nowhere"


def test_the_default_folder_is_the_users_systemd_folder(cli: Any, tmp_path: Path) -> None:
    folder = units(tmp_path / "config" / "systemd" / "user", tmp_path)  # $XDG_CONFIG_HOME
    result = cli("import", "--systemd", "--dry-run")
    assert result.code == 0, result.err
    assert result.out.startswith(f"would create 2 tasks from systemd units in {folder}:")


def test_a_timer_with_several_calendars_fires_at_each(cli: Any, tmp_path: Path) -> None:
    """A timer with two OnCalendar= lines was skipped, "a Tickwork task has one schedule",
    though a task has several: it becomes a task firing at each (lines that fire alike, once);
    lines in different zones, or an interval beside a calendar (counted from its runs too),
    are still skipped, saying so."""
    folder = tmp_path / "user"
    folder.mkdir()
    for name, timer in [
        ("weekly", "OnCalendar=Mon 09:00 Europe/Paris\nOnCalendar=Sat 10:30 Europe/Paris\n"
                   "OnCalendar=Monday 09:00 Europe/Paris\n"),
        ("weekdays", "OnCalendar=Mon..Fri 07:00\nOnCalendar=Mon,Tue,Wed,Thu,Fri 07:00\n"),
        ("zones", "OnCalendar=Mon 09:00 Europe/Paris\nOnCalendar=Sat 10:00 Asia/Tokyo\n"),
        ("mixed", "OnCalendar=daily\nOnUnitActiveSec=1h\n"),
    ]:
        (folder / f"{name}.timer").write_text(f"[Timer]\n{timer}")
        (folder / f"{name}.service").write_text("[Service]\nExecStart=/bin/true\n")
    result = cli("import", "--systemd", str(folder))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"imported 2 tasks from systemd units in {folder}: weekdays, weekly"]
    assert result.err.splitlines() == [
        "not mapped: mixed.timer (skipped): it has OnUnitActiveSec= or OnUnitInactiveSec= "
        "beside another trigger, counted from that one's runs too: no Tickwork schedule "
        "fires so",
        "not mapped: zones.timer (skipped): its OnCalendar= lines are in different time zones "
        "(Europe/Paris, Asia/Tokyo): a task has one",
    ]
    weekly = cli("task", "show", "weekly", "--json").json()
    assert weekly["schedule"] == {"kind": "any", "schedules": [
        {"kind": "cron", "expr": "0 9 * * 1"}, {"kind": "cron", "expr": "30 10 * * 6"}]}
    assert weekly["timezone"] == "Europe/Paris"
    assert cli("task", "show", "weekdays", "--json").json()["schedule"] == {
        "kind": "cron", "expr": "0 7 * * 1-5"}  # two lines that fire alike: once
    fires = cli("simulate", "--from", "2030-01-05T00:00:00+01:00", "--hours", "72", "--json")
    assert [f["fire_at"] for f in fires.json() if f["task_name"] == "weekly"] == [
        "2030-01-05T10:30:00+01:00", "2030-01-07T09:00:00+01:00"], fires.out


def test_a_preview_names_each_program_that_is_not_here_and_shows_the_rest(
        cli: Any, tmp_path: Path) -> None:
    """`--dry-run` is how one sees what an import would do: a unit whose program is missing
    refused the whole preview (seen only with --no-verify). Now the table shows every task,
    the lines under it each one the import would be refused for, and it exits 2 as the
    import would, one line on stderr; the import itself is refused as ever."""
    folder = units(tmp_path / "user", tmp_path)
    (folder / "eom.timer").unlink()
    for name, program in [("sync", "/nonexistent/sync-tw"), ("mail", "/nonexistent/mail-tw")]:
        (folder / f"{name}.timer").write_text("[Timer]\nOnCalendar=daily\n")
        (folder / f"{name}.service").write_text(f"[Service]\nExecStart={program} --all\n")
    preview = cli("import", "--systemd", str(folder), "--dry-run")
    assert preview.code == 2, preview
    lines = preview.out.splitlines()
    assert lines[0] == f"would create 4 tasks from systemd units in {folder}:"
    assert [line.split()[1] for line in lines[2:6]] == ["backup", "mail", "poll", "sync"]
    assert lines[6:] == []  # (the notes: on stderr, beside the result)
    assert [line for line in preview.err.splitlines() if not line.startswith("not mapped: ")
            ] == [
        "would be refused: mail.timer: command: no such program: /nonexistent/mail-tw",
        "would be refused: sync.timer: command: no such program: /nonexistent/sync-tw",
        "nothing was imported (--dry-run)",
        "tickwork: error: the import would be refused for 2 tasks (named above); --no-verify "
        "stores them anyway"]
    as_json = cli("import", "--systemd", str(folder), "--dry-run", "--json")
    assert as_json.code == 2 and len(as_json.json()["tasks"]) == 4
    assert as_json.json()["refused"] == [
        "mail.timer: command: no such program: /nonexistent/mail-tw",
        "sync.timer: command: no such program: /nonexistent/sync-tw"]
    (folder / "mail.timer").unlink()
    one = cli("import", "--systemd", str(folder), "--dry-run")
    assert one.code == 2 and one.err.splitlines()[-1] == (
        "tickwork: error: the import would be refused: sync.timer: command: no such program: "
        "/nonexistent/sync-tw; --no-verify stores it anyway"), one
    refused = cli("import", "--systemd", str(folder))
    assert refused.code == 2 and refused.err == (
        "tickwork: error: sync.timer: command: no such program: /nonexistent/sync-tw "
        "(--no-verify stores it anyway)\n"), refused
    assert cli("task", "list", "--json").json() == []
    fine = cli("import", "--systemd", str(folder), "--dry-run", "--no-verify")
    assert fine.code == 0 and "would be refused" not in fine.out + fine.err, fine
    assert "tickwork: error" not in fine.err, fine
