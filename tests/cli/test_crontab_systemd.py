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
    assert lines[4:] == [
        "not mapped: backup.timer: RandomizedDelaySec=10min",
        "not mapped: backup.service: Nice=10",
        "not mapped: eom.timer (skipped): OnCalendar=*-*~01 12:00: '~' (days counted from the "
        "month's end) has no cron form",
        "nothing was imported (--dry-run)",
    ]
    assert cli("task", "list", "--json").json() == []

    result = cli("import", "--systemd", str(folder))
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"imported 2 tasks from systemd units in {folder}"
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
