"""`tickwork settings` and the task's keep options, through the real CLI: the global keep
default, a task's own values through export and import, bad values refused naming the
option with nothing changed, and start at login / the background engine written to a temp
XDG config folder (no user bus here: the unit is enabled for the next login, exit 0)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.support import tickwork


@pytest.fixture(autouse=True)
def _no_user_bus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))


def test_the_global_default_is_shown_and_set(cli: Any) -> None:
    shown = cli("settings", "--json").json()
    assert (shown["keep_runs"], shown["keep_days"]) == (100, 90)
    assert shown["start_at_login"] is False and shown["background_engine"] is False
    assert shown["engine_running"] is False and shown["engine_pid"] is None
    assert "engine now: not running: nothing schedules this home's tasks" in cli("settings").out
    done = cli("settings", "--keep-runs", "20", "--keep-days", "7")
    assert done.code == 0 and "7 days, at least the last 20 runs" in done.out
    assert cli("settings", "--json").json()["keep_runs"] == 20
    plain = cli("settings").out
    assert "keep runs: 20" in plain and "keep days: 7" in plain
    events = cli("audit", "--json").json()
    assert any(e["action"] == "settings.keep" for e in events)


@pytest.mark.parametrize(("args", "field"), [
    (("--keep-runs", "0"), "keep-runs"), (("--keep-runs", "many"), "keep-runs"),
    (("--keep-days", "-3"), "keep-days"), (("--keep-days", "36501"), "keep-days"),
    (("--start-at-login", "maybe"), "start-at-login"),
    (("--background-engine", "yes please"), "background-engine"),
])
def test_bad_values_exit_2_naming_the_option_and_change_nothing(cli: Any, args: tuple[str, ...],
                                                                field: str) -> None:
    bad = cli("settings", "--keep-runs", "5", *args)
    assert bad.code == 2, bad.err
    assert field in bad.err and len(bad.err.strip().splitlines()) == 1
    assert cli("settings", "--json").json()["keep_runs"] == 100


def test_a_task_s_keep_values_survive_export_and_import(cli: Any, tmp_path: Path,
                                                        home: Path) -> None:
    assert cli("task", "add", "kept", "--command", "true", "--keep-runs", "5").code == 0
    assert cli("task", "add", "plain", "--command", "true").code == 0
    assert cli("task", "update", "kept", "--keep-days", "2").code == 0
    shown = cli("task", "show", "kept").out
    assert "2 days, at least the last 5 runs" in shown
    assert "the default (90 days, at least the last 100 runs)" in cli("task", "show",
                                                                      "plain").out
    bad = cli("task", "update", "kept", "--keep-runs", "x")
    assert bad.code == 2 and "keep-runs" in bad.err
    out = tmp_path / "tasks.json"
    assert cli("export", str(out)).code == 0
    other = tmp_path / "other-home"
    imported = _cli_at(other, "import", str(out))
    assert imported.returncode == 0, imported.stderr
    data = json.loads(_cli_at(other, "task", "show", "kept", "--json").stdout)
    assert (data["keep_runs"], data["keep_days"]) == (5, 2)
    assert json.loads(_cli_at(other, "task", "show", "plain", "--json").stdout)[
        "keep_runs"] is None
    assert cli("task", "update", "kept", "--keep-runs", "default").code == 0
    assert cli("task", "show", "kept", "--json").json()["keep_runs"] is None


def _cli_at(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return tickwork.run(["--home", str(home), *args], cwd=ROOT)


def test_one_day_and_one_run_are_said_in_the_singular(cli: Any) -> None:
    """`--keep-days 1 --keep-runs 1` printed "1 days, at least the last 1 runs" in
    `settings` and `task show`."""
    done = cli("settings", "--keep-days", "1", "--keep-runs", "1")
    assert done.code == 0, done.err
    assert "history kept: 1 day, at least the last 1 run (tasks" in done.out
    assert cli("task", "add", "t", "--command", "true", "--keep-days", "1").code == 0
    assert "history: 1 day, at least the last 1 run (default)\n" in cli("task", "show", "t").out
    assert cli("task", "add", "u", "--command", "true").code == 0
    assert "history: the default (1 day, at least the last 1 run)" in cli("task", "show",
                                                                          "u").out


def test_history_kept_by_count_alone_is_said_so(cli: Any) -> None:
    """`--keep-days 0` (README: "by count only") was shown as "0 days, at least the last 5
    runs", as if runs were kept zero days (a newcomer)."""
    assert cli("task", "add", "t", "--command", "true", "--keep-days", "0",
               "--keep-runs", "5").code == 0
    assert "history: the last 5 runs, by count alone\n" in cli("task", "show", "t").out
    done = cli("settings", "--keep-days", "0")
    assert done.code == 0, done.err
    assert "history kept: the last 100 runs, by count alone (tasks" in done.out
    assert cli("task", "add", "u", "--command", "true", "--keep-runs", "7").code == 0
    assert "history: the last 7 runs, by count alone (default)\n" in cli("task", "show",
                                                                          "u").out
    assert cli("task", "add", "v", "--command", "true").code == 0
    assert "history: the default (the last 100 runs, by count alone)" in cli(
        "task", "show", "v").out


def test_start_at_login_writes_and_removes_the_autostart_entry(cli: Any, home: Path) -> None:
    entry = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "tickwork.desktop"
    on = cli("settings", "--start-at-login", "on")
    assert on.code == 0 and str(entry) in on.out
    # folders made 0700, as every folder Tickwork makes (and the XDG spec asks), whatever
    # the umask (they were 0755)
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    text = entry.read_text()
    assert "[Desktop Entry]" in text and "Type=Application" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(f"--home {home} --minimized")
    assert "-m app.cli" in exec_line
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                               text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    assert cli("settings", "--json").json()["start_at_login"] is True
    off = cli("settings", "--start-at-login", "off")
    assert off.code == 0 and not entry.exists()
    assert cli("settings", "--json").json()["start_at_login"] is False
    again = cli("settings", "--start-at-login", "off")
    assert again.code == 0 and "nothing to remove" in again.out


def test_background_engine_without_a_user_bus_is_enabled_for_the_next_login(
        cli: Any, home: Path) -> None:
    units = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    on = cli("settings", "--background-engine", "on")
    assert on.code == 0, on.err
    unit = units / "tickwork-engine.service"
    link = units / "default.target.wants" / "tickwork-engine.service"
    assert f"wrote {unit}" in on.out
    assert "not started now" in on.out and ("no user bus" in on.out
                                            or "systemctl is not installed" in on.out)
    text = unit.read_text()
    start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    assert start.endswith(f"--home {home} engine") and "-m app.cli" in start
    assert "[Install]" in text and "WantedBy=default.target" in text
    assert link.is_symlink() and link.resolve() == unit.resolve()
    assert {stat.S_IMODE(p.stat().st_mode) for p in (units.parent, units, link.parent)} == {
        0o700}
    if shutil.which("systemd-analyze"):
        check = subprocess.run(["systemd-analyze", "--user", "verify", str(unit)],
                               capture_output=True, text=True)
        assert "ExecStart" not in check.stderr, check.stderr
    assert cli("settings", "--json").json()["background_engine"] is True
    assert "background service: on (the engine starts at login" in cli("settings").out
    stale = units / ".tickwork-engine.service.tickwork-tmp"  # a killed write's: cleared too
    stale.write_text("[Unit]\n")
    off = cli("settings", "--background-engine", "off")
    assert off.code == 0 and not unit.exists() and not link.is_symlink() and not stale.exists()
    assert "nothing to stop now" in off.out
    assert cli("settings", "--json").json()["background_engine"] is False


def test_the_background_engine_has_the_path_of_the_shell_that_turned_it_on(
        home: Path, tmp_path: Path) -> None:
    """A user manager's PATH lacks what a login shell adds (`~/.local/bin`): a task checked
    in a terminal failed every run of the background engine ("cannot start 'mytool'"). The
    unit carries the PATH of whoever turned it on, quoted as systemd reads it back (a space,
    a `%` specifier, a quote and a backslash in a folder's name)."""
    odd = tmp_path / 'my "bin" 100%\\x'
    path = f"{odd}:{os.environ['PATH']}"
    on = tickwork.run(["--home", str(home), "settings", "--background-engine", "on"],
                      env={**os.environ, "PATH": path}, cwd=ROOT)
    assert on.returncode == 0, on
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "tickwork-engine.service"
    lines = unit.read_text().splitlines()
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    assert f'Environment="PATH={escaped}"' in lines, lines
    assert lines.index(f'Environment="PATH={escaped}"') > lines.index("[Service]")
    if shutil.which("systemd-analyze"):
        runtime = tmp_path / "runtime"
        runtime.mkdir(mode=0o700)
        check = subprocess.run(["systemd-analyze", "--user", "verify", str(unit)],
                               capture_output=True, text=True,
                               env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
        assert "PATH" not in check.stderr and "Environment" not in check.stderr, check.stderr


def test_the_background_service_of_another_home_is_said_to_be_that_home_s(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """One service serves one home, the last one turned on. `settings` in another home said
    "background service: on (the engine starts at login, without the window)" though it ran
    the first home's engine, and turning it on (or off) there took it from the first home
    without a word (a fault hunt): the other home is named."""
    assert cli("settings", "--background-engine", "on").code == 0
    other = tmp_path / "other home"

    def there(*args: str) -> subprocess.CompletedProcess[str]:
        return tickwork.run(["--home", str(other), "settings", *args], cwd=ROOT)

    shown = there().stdout
    assert (f"background service: on for another home ({home}): this home's engine does not "
            "start at login") in shown, shown
    assert "background service: on (the engine starts at login" in cli("settings").out
    taken = there("--background-engine", "on")
    assert taken.returncode == 0, taken.stderr
    assert (f"it ran the engine of {home}: that home's engine no longer starts at login"
            in taken.stdout), taken.stdout
    assert f"on for another home ({other})" in cli("settings").out
    assert "on (the engine starts at login" in there().stdout
    off = cli("settings", "--background-engine", "off")
    assert off.code == 0 and f"it ran the engine of {other}" in off.out, off.out


@pytest.mark.parametrize("blocked", ["systemd", "systemd/user/default.target.wants"])
def test_a_file_where_the_unit_s_folder_goes_is_said_in_one_line(cli: Any,
                                                                 blocked: str) -> None:
    """A file (or a folder it cannot write) where the unit's folder goes ended
    `settings --background-engine on` in "tickwork: failed: NotADirectoryError: [Errno 20]
    …" (a fault hunt): it says what it could not do in a line, exit 1."""
    config = Path(os.environ["XDG_CONFIG_HOME"])
    (config / blocked).parent.mkdir(parents=True, exist_ok=True)
    (config / blocked).write_text("not a folder\n")
    on = cli("settings", "--background-engine", "on")
    assert on.code == 1 and "Error" not in on.err, on.err
    *done, said = on.err.strip().splitlines()  # (what it did first: "wrote …")
    assert said.startswith(("tickwork: cannot write ", "tickwork: cannot enable it "))
    assert said.endswith(": Not a directory") and len(done) <= 1, on.err


def test_a_unit_file_tickwork_did_not_write_is_left_alone(cli: Any) -> None:
    units = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    units.mkdir(parents=True)
    mine = units / "tickwork-engine.service"
    mine.write_text("[Service]\nExecStart=/opt/my/tickwork engine\n")
    on = cli("settings", "--background-engine", "on")
    assert on.code == 1 and "not written by Tickwork" in on.err
    assert cli("settings", "--background-engine", "off").code == 1
    assert mine.read_text() == "[Service]\nExecStart=/opt/my/tickwork engine\n"


def test_every_change_with_json_prints_one_json_document(cli: Any, home: Path) -> None:
    """`settings --keep-runs 5 --json` printed its line of text: each change now prints the
    settings as they are after it (as `settings --json` shows them) and a line per change."""
    kept = cli("settings", "--keep-runs", "5", "--json")
    assert kept.code == 0, kept.err
    doc = kept.json()
    assert (doc["keep_runs"], doc["keep_days"], doc["store"]) == (5, 90, str(
        home / "tickwork.db"))
    assert doc["done"] == ["history kept: 90 days, at least the last 5 runs (tasks without "
                           "their own values)"]
    both = cli("settings", "--keep-days", "7", "--start-at-login", "on", "--json").json()
    assert (both["keep_days"], both["start_at_login"]) == (7, True) and len(both["done"]) == 2
    engine = cli("settings", "--background-engine", "on", "--json")
    assert engine.code == 0 and engine.json()["background_engine"] is True, engine.err
    local = cli("settings", "--shared-store", "off", "--json")
    assert local.code == 0 and local.json() == {
        "done": [f"this home now uses its own store file under {home}"]}
    assert cli("settings", "--keep-runs", "6").out.startswith("history kept:")  # text as ever


def test_an_engine_on_another_host_is_given_no_pid_of_this_one(cli: Any, home: Path) -> None:
    """A home on a shared folder, its engine on another machine: `settings --json` gave
    that machine's process id as `engine_pid`, which here is some other process (a script
    that stops the engine by it signals that one; a fault hunt). It gives none, and the
    text says where the engine runs."""
    import fcntl

    assert cli("settings").code == 0
    lock = home / "engine.lock"
    lock.write_text(json.dumps({"pid": os.getpid(), "engine": "elsewhere.example:4242:17",
                                "since": 0}))
    with lock.open("r") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        doc = cli("settings", "--json").json()
        shown = cli("settings").out
    assert (doc["engine_running"], doc["engine_pid"]) == (True, None)
    assert "engine now: running on elsewhere.example" in shown, shown


def test_an_engine_lock_it_cannot_read_is_said_not_failed_on(home: Path) -> None:
    """The engine's lock another user's file (as `sudo tickwork engine` leaves it): `tickwork
    settings` ended in "failed: PermissionError: [Errno 13] …" once it read the lock to say
    whether an engine runs (a fault hunt). It shows the rest, and says it cannot tell."""
    from tests.cli.test_start_at_login_files import without_reading_everything

    prefix = without_reading_everything()
    tickwork.run(["--home", str(home), "settings"], cwd=ROOT)
    lock = home / "engine.lock"
    lock.write_text('{"pid": 1}')
    lock.chmod(0)

    def settings(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*prefix, sys.executable, "-m", "app.cli", "--home", str(home),
                               "settings", *args], capture_output=True, text=True, cwd=ROOT,
                              timeout=60)

    shown, doc = settings(), settings("--json")
    assert shown.returncode == 0 and doc.returncode == 0, shown.stderr + doc.stderr
    assert (f"engine now: not known: {lock} cannot be read (Permission denied)"
            in shown.stdout), shown.stdout
    assert "keep runs: 100" in shown.stdout
    assert (json.loads(doc.stdout)["engine_running"], json.loads(doc.stdout)["engine_pid"]) == (
        None, None)


def test_a_fifo_where_the_engine_s_lock_goes_is_not_waited_on(cli: Any, home: Path) -> None:
    """`tickwork settings` hung for ever on a fifo where the engine's lock goes, once it read
    the lock to say whether an engine runs (opened for reading, a fifo waits for a writer; a
    fault hunt). No engine can hold it: it says none runs."""
    assert cli("settings").code == 0
    os.mkfifo(home / "engine.lock")
    shown = cli("settings", timeout=20)
    assert shown.code == 0, shown.err
    assert "engine now: not running: nothing schedules this home's tasks" in shown.out
    assert cli("settings", "--json", timeout=20).json()["engine_running"] is False


def test_the_package_s_unit_enabled_with_systemctl_is_the_service_on(
        cli: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The .deb's unit says to turn it on with `systemctl --user enable --now
    tickwork-engine`; done so, `settings` said "background service: off" (it looked for its
    own unit only), and turning it on there wrote a second unit in front of the package's.
    Enabled, it is the service on, for the default home; turned off, it is disabled and the
    package's file stays."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    packaged = tmp_path / "usr/lib/systemd/user/tickwork-engine.service"
    packaged.parent.mkdir(parents=True)
    packaged.write_text((ROOT / "packaging/systemd/tickwork-engine.service").read_text())
    wants = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd/user/default.target.wants"
    wants.mkdir(parents=True)
    (wants / "tickwork-engine.service").symlink_to(packaged)  # what `systemctl enable` does
    default = tmp_path / "data" / "tickwork"

    def there(*args: str) -> subprocess.CompletedProcess[str]:
        return tickwork.run(["--home", str(default), "settings", *args], cwd=ROOT)

    shown = there()
    assert ("background service: on (the package's unit, enabled with systemctl: the engine "
            "starts at login, without the window)") in shown.stdout, shown.stdout + shown.stderr
    doc = json.loads(there("--json").stdout)
    assert doc["background_engine"] is True and doc["service_packaged"] is True
    assert doc["service_file"] == str(packaged)
    assert (f"on for another home ({default}): this home's engine does not start at login "
            "(the package's unit, enabled with systemctl)") in cli("settings").out
    off = there("--background-engine", "off")
    assert off.returncode == 0, off.stderr
    assert f"removed {wants / 'tickwork-engine.service'}" in off.stdout
    assert packaged.is_file() and not (wants / "tickwork-engine.service").is_symlink()
    assert "background service: off" in there().stdout
    (wants / "tickwork-engine.service").symlink_to(tmp_path / "removed-package.service")
    assert "background service: off" in there().stdout  # a package removed: nothing enabled


def test_both_units_keep_down_an_engine_a_restart_cannot_mend(cli: Any, tmp_path: Path) -> None:
    """`Restart=on-failure` started an engine whose data home had been moved or deleted again
    2 s later, and it made a new empty home where the folder had been (the folder moved back
    went inside it). The engine exits 66 then (65: its store is damaged or not Tickwork's;
    73: a folder where its lock goes; 77: another user's home; 78: a newer Tickwork's store;
    2: a bad option), which the unit Tickwork writes and the package's both name, as
    systemd reads them."""
    from app.engine.headless import NO_RESTART

    assert cli("settings", "--background-engine", "on").code == 0
    written = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "tickwork-engine.service"
    packaged = ROOT / "packaging" / "systemd" / "tickwork-engine.service"
    for unit in (written, packaged):
        lines = unit.read_text().splitlines()
        assert lines.count("Restart=on-failure") == 1, unit
        assert f"RestartPreventExitStatus={' '.join(map(str, NO_RESTART))}" in lines, unit
        service = lines[lines.index("[Service]"):lines.index("[Install]")]
        assert "RestartPreventExitStatus=2 65 66 73 77 78" in service, unit
    said = [line for line in packaged.read_text().splitlines() if "RestartPrevent" in line
            or line.startswith("# Not restarted") or "`systemctl --user start" in line]
    assert said == [line for line in written.read_text().splitlines()
                    if line in said], "the two units say it alike"
    if shutil.which("systemd-analyze"):
        runtime = tmp_path / "runtime"
        runtime.mkdir(mode=0o700)
        for unit in (written, packaged):
            check = subprocess.run(["systemd-analyze", "--user", "verify", str(unit)],
                                   capture_output=True, text=True,
                                   env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
            ours = [line for line in check.stderr.splitlines()  # (not other units' noise)
                    if f"{unit}:" in line or "RestartPrevent" in line]
            assert ours == [], check.stderr


OLD_STATUSES = ("# Not restarted when its data home was moved or deleted (66) or its store is",
                "# damaged (65), or for a bad option (2).", "RestartPreventExitStatus=2 65 66")


def _as_an_earlier_version_wrote(unit: Path, path_line: bool) -> None:
    """The unit as Tickwork wrote it before this version: the statuses it kept down were
    fewer (and, before that, it gave no PATH)."""
    from app.platform.service_unit import NOT_RESTARTED

    lines = [line for line in unit.read_text().splitlines() if line not in NOT_RESTARTED
             and (path_line or not _path_line(line))]
    at = lines.index("RestartSec=2") + 1
    lines = [*lines[:at], *OLD_STATUSES, *lines[at:]]
    at = lines.index("[Service]") + 1  # and the person's own edit (`systemctl edit --full`)
    unit.write_text("\n".join([*lines[:at], *OWN_EDIT, *lines[at:]]) + "\n")


def _path_line(line: str) -> bool:
    """A line of the unit's PATH (and its comment), which units before it lacked."""
    return line.startswith('Environment="PATH=') or "The PATH of the shell" in line or (
        "where they were found when they were checked" in line)


OWN_EDIT = ("# mine: gentler on the laptop", "Nice=5", "Environment=TICKWORK_BROKER=redis://nas")


def _with_own_edit(text: str) -> str:
    lines = text.splitlines()
    at = lines.index("[Service]") + 1
    return "\n".join([*lines[:at], *OWN_EDIT, *lines[at:]]) + "\n"


@pytest.mark.parametrize("path_line", [True, False])
def test_the_engine_started_by_systemd_brings_an_earlier_version_s_unit_up_to_date(
        cli: Any, home: Path, path_line: bool) -> None:
    """An upgrade leaves the unit an earlier version wrote in ~/.config: it kept down only
    65, 66 and 2, so systemd restarted an engine on 73, 77 or 78 — faults a restart cannot
    mend — every 2 s until its start limit. The engine systemd starts (INVOCATION_ID) makes
    its unit's statuses this version's, keeping the rest — what it runs, the PATH it gives
    (none, if it gave none), the person's own edits — and says so in its log."""
    assert cli("settings", "--background-engine", "on").code == 0
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "tickwork-engine.service"
    now = unit.read_text()
    _as_an_earlier_version_wrote(unit, path_line)
    before = unit.read_text()
    assert "RestartPreventExitStatus=2 65 66\n" in before and now != before
    log = home.parent / "engine.log"
    with log.open("wb") as out:
        engine = tickwork.start(["--home", str(home), "engine"], stderr=out,
                                env={**os.environ, "INVOCATION_ID": "0123456789abcdef"})
    said = f"brought {unit}, written by an earlier version, up to this one's"
    try:
        deadline = time.monotonic() + 30  # (the file is written before the line is said)
        while said not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        after = unit.read_text()
    finally:
        engine.terminate()
        engine.wait(30)
    err = log.read_bytes()
    expected = now if path_line else "\n".join(
        line for line in now.splitlines() if not _path_line(line)) + "\n"
    assert after == _with_own_edit(expected)  # the statuses this version's, the rest kept
    assert said in err.decode()


def test_a_unit_of_another_home_or_not_tickwork_s_is_not_brought_up_to_date(
        cli: Any, home: Path, tmp_path: Path) -> None:
    from app.platform import service_unit

    assert cli("settings", "--background-engine", "on").code == 0
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "tickwork-engine.service"
    _as_an_earlier_version_wrote(unit, True)
    before = unit.read_text()
    assert service_unit.refresh(tmp_path / "another home") is None  # another home's engine
    unit.write_text(before.replace("# X-Tickwork-Unit", "# edited by hand"))  # not ours
    assert service_unit.refresh(home) is None
    assert unit.read_text() == before.replace("# X-Tickwork-Unit", "# edited by hand")
    unit.write_text(before)
    assert service_unit.refresh(home) is not None and service_unit.refresh(home) is None


def test_the_unit_is_brought_up_to_date_before_a_fault_the_old_one_restarted_on(
        cli: Any, home: Path) -> None:
    """An engine that stops at once on a fault a restart cannot mend (73: a folder where its
    lock goes) still brings its unit up first, so systemd does not start it again."""
    assert cli("settings", "--background-engine", "on").code == 0
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "tickwork-engine.service"
    now = unit.read_text()
    _as_an_earlier_version_wrote(unit, True)
    (home / "engine.lock").mkdir()
    ran = tickwork.run(["--home", str(home), "engine"], timeout=60, cwd=ROOT,
                       env={**os.environ, "INVOCATION_ID": "0123456789abcdef"})
    assert ran.returncode == 73, ran
    assert unit.read_text() == _with_own_edit(now)
    assert "up to this one's" in ran.stderr


def test_a_remembered_shared_store_away_says_how_to_go_back_to_the_file(
        cli: Any, home: Path) -> None:
    """A home that remembers a shared store whose server is away failed every command —
    `settings` too — with the driver's words alone; the one line now says how to let go of it
    (the window's box did), and only where the home's choice, not `--store`, named it."""
    from tests.support.postgres import free_port

    url = f"postgresql://tickwork@127.0.0.1:{free_port()}/tickwork"  # (nothing listens)
    assert cli("task", "add", "mine", "--command", "true", "--manual").code == 0
    assert cli("settings", "--shared-store", url).code == 0
    hint = "`tickwork settings --shared-store off` goes back to its own file"
    for command in (("task", "list"), ("settings",)):
        away = cli(*command)
        assert away.code == 1 and "Connection refused" in away.err, away.err
        assert hint in away.err and len(away.err.strip().splitlines()) == 1, away.err
    named = cli("--store", url, "task", "list")
    assert named.code == 1 and hint not in named.err, named.err
    assert cli("settings", "--shared-store", "off").code == 0
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["mine"]
