"""The engine as a background service: the systemd user unit `tickwork-engine.service`
(`$XDG_CONFIG_HOME/systemd/user/`, default `~/.config`), written or removed here, and
systemctl told about it when it can be. The .deb installs a unit of the same name in
/usr/lib/systemd/user, which the user may enable with systemctl themselves (`packaged`): it
counts as the service being on, for the platform's default home, and turning the service off
disables it (its file is the package's, and stays).

`install` writes the unit (ExecStart runs this same Tickwork — `tickwork_argv`, the bundle's
own executable in a PyInstaller bundle — as `engine` on the given data home) and enables
it. With `systemctl` and a user bus (`$XDG_RUNTIME_DIR/bus` or `$DBUS_SESSION_BUS_ADDRESS`)
that is `systemctl --user daemon-reload` and `enable --now`: the engine starts now and at
every login. Without them (a plain SSH or CI shell, a system without systemd) the unit is
still written and enabled the way `systemctl enable` does it — the `default.target.wants`
link — so systemd starts it at the next login; the report says it was not started now and
why. `remove` is the reverse (`disable --now`, then the files go). A unit file Tickwork did
not write (no `X-Tickwork-Unit` mark) is never overwritten or removed.

Every step is said in `ServiceReport.lines`; `ServiceReport.failed` is set only when
systemctl was there and refused (its own message is kept), which the CLI turns into exit 1.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.engine.headless import NO_RESTART
from app.platform import config_files
from app.platform.autostart import config_home
from app.platform.processes import tickwork_argv
from app.store.home import make_private_dir, platform_home

UNIT = "tickwork-engine.service"
MARK = "# X-Tickwork-Unit: written by `tickwork settings --background-engine on`"
_SYSTEMCTL_TIMEOUT = 30.0
# the unit's lines that keep down an engine a restart cannot mend (the package's unit says
# the same: tests/cli/test_settings.py)
NOT_RESTARTED = (
    "# Not restarted when that cannot help: 66 its data home was moved or deleted (a restart",
    "# made a new empty home in its place), 65 its store is damaged or not Tickwork's, 73 a",
    "# folder stands where its lock file goes, 77 the home is another user's (or its owner",
    "# may not write it), 78 a newer Tickwork upgraded the store, 2 a bad option or",
    "# variable. Put it right, then `systemctl --user start tickwork-engine`.",
    f"RestartPreventExitStatus={' '.join(map(str, NO_RESTART))}",
)


@dataclass
class ServiceReport:
    """What `install` / `remove` did, one line a step, and whether systemctl refused."""

    lines: list[str] = field(default_factory=list)
    failed: bool = False


def unit_dir(env: Mapping[str, str] | None = None) -> Path:
    return config_home(env) / "systemd" / "user"


def unit_path(env: Mapping[str, str] | None = None) -> Path:
    return unit_dir(env) / UNIT


def wants_link(env: Mapping[str, str] | None = None) -> Path:
    return unit_dir(env) / "default.target.wants" / UNIT


def exec_start(argv: Sequence[str]) -> str:
    """An ExecStart value: each argument quoted when it needs it, `%` and `$` escaped (systemd
    would expand them as specifiers and variables)."""
    out = []
    for arg in argv:
        arg = arg.replace("%", "%%").replace("$", "$$")
        if arg and not any(c in arg for c in ' \t"\'\\;'):
            out.append(arg)
        else:
            out.append('"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(out)


def environment(name: str, value: str) -> str:
    """An `Environment=` line systemd reads as `name=value`: the assignment quoted whole
    (a value may hold spaces), `\\` and `"` escaped as C escapes are, a line break as `\\n`,
    `%` as `%%` (a specifier otherwise; `$` means nothing there)."""
    text = f"{name}={value}".replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return 'Environment="' + text.replace("\n", "\\n") + '"'


def unit_text(home: Path, argv: Sequence[str] | None = None,
              path: str | None = None) -> str:
    """The unit that keeps the engine of `home` running headless while the user is logged in,
    its commands finding their programs on `path` (the PATH of whoever turned it on: a
    user manager's own lacks what a login shell adds, `~/.local/bin`; None: the manager's)."""
    command = [*(argv or tickwork_argv()), "--home", str(home), "engine"]
    return "\n".join([
        "# A systemd *user* unit that keeps the Tickwork engine running headless, so tasks run",
        "# without the window open. The window still works while it runs: it opens as a viewer",
        "# of this engine and says so. Turn it off with Settings or",
        "# `tickwork settings --background-engine off`.",
        MARK,
        "[Unit]",
        "Description=Tickwork task scheduler engine",
        "After=default.target",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={exec_start(command)}",
        *([] if path is None else [
            "# The PATH of the shell or window that turned it on: tasks find their programs",
            "# where they were found when they were checked.",
            environment("PATH", path)]),
        "# SIGTERM lets running tasks finish for the grace period, then marks the rest",
        "# interrupted.",
        "KillSignal=SIGTERM",
        "TimeoutStopSec=30",
        "Restart=on-failure",
        "RestartSec=2",
        *NOT_RESTARTED,
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ])


def _ours(path: Path) -> bool:
    """Did Tickwork write the file at `path`? Anything but a file it can read is not (a
    fifo is never waited on)."""
    try:
        return MARK in (config_files.read(path) or "").splitlines()
    except config_files.NotAFile:
        return False


def packaged(env: Mapping[str, str] | None = None) -> bool:
    """Is the package's own unit (the .deb's, in /usr/lib/systemd/user) what the user's
    `default.target.wants` link enables — `systemctl --user enable tickwork-engine`, as its
    text says — with no unit of ours in front of it?"""
    link = wants_link(env)
    if not link.is_symlink() or unit_path(env).exists() or not link.exists():
        return False  # (a link left by a removed package points at nothing: not enabled)
    return Path(os.readlink(link)).parent != unit_dir(env)


def is_installed(env: Mapping[str, str] | None = None) -> bool:
    """Is our unit there and enabled (the `default.target.wants` link points at it), or the
    package's, enabled by the user?"""
    return (_ours(unit_path(env)) and wants_link(env).is_symlink()) or packaged(env)


def engine_home(env: Mapping[str, str] | None = None) -> str | None:
    """The data home whose engine our unit runs (its ExecStart's `--home`; the package's
    runs the platform's default home); None when neither is there or ours names none."""
    if packaged(env):
        return str(platform_home())
    try:
        text = config_files.read(unit_path(env)) or ""
    except config_files.NotAFile:
        return None
    return _home_of(text.splitlines())


def _home_of(lines: list[str]) -> str | None:
    """The `--home` of our unit's ExecStart (these its lines); None: not ours, or none."""
    argv = _exec_argv(lines) if MARK in lines else None
    if argv is None:
        return None
    at = argv.index("--home") + 1 if "--home" in argv else len(argv)
    return argv[at] if at < len(argv) else None


def _exec_argv(lines: list[str]) -> list[str] | None:
    """The words of a unit's ExecStart, as `exec_start` was given them (None: none, or not
    one that reads back)."""
    start = next((line for line in lines if line.startswith("ExecStart=")), None)
    if start is None:
        return None
    try:
        words = shlex.split(start.removeprefix("ExecStart="))  # (`exec_start`'s quoting)
    except ValueError:
        return None
    return [word.replace("%%", "%").replace("$$", "$") for word in words]


def refresh(home: Path, env: Mapping[str, str] | None = None) -> str | None:
    """Our unit for `home`'s engine, written by an earlier Tickwork, given this version's
    statuses a restart cannot mend (`NOT_RESTARTED`: an upgrade left the old ones, and
    systemd restarted an engine on a fault it cannot mend until its start limit) — that
    block alone: whatever else the file says, the person's own edits too, stays as it is.
    `tickwork engine` asks when systemd started it. The line saying so; None when there
    was nothing to do (no unit of ours for this home, or its block up to date). OSError: it
    could not be written."""
    path = unit_path(env)
    try:
        old = config_files.read(path) or ""
    except config_files.NotAFile:
        return None
    lines = old.splitlines()
    runs = _home_of(lines)
    if runs is None or os.path.realpath(runs) != os.path.realpath(home):
        return None
    status = next((i for i, line in enumerate(lines)
                   if line.startswith("RestartPreventExitStatus=")), None)
    if status is None:  # (none yet: at the end of [Service])
        at = end = lines.index("[Install]") if "[Install]" in lines else len(lines)
        while at > 0 and not lines[at - 1].strip():
            at = end = at - 1
    else:  # its comment block above it goes with it
        at, end = status, status + 1
        while at > 0 and lines[at - 1].startswith("# ") and not lines[at - 1].startswith(
                "# Not restarted"):
            at -= 1
        at = at - 1 if at > 0 and lines[at - 1].startswith("# Not restarted") else status
    new = "\n".join([*lines[:at], *NOT_RESTARTED, *lines[end:]]) + "\n"
    if new == old:
        return None
    config_files.replace(path, new)
    report = ServiceReport()
    if user_bus(env) is None:
        _systemctl(["daemon-reload"], report, env)
    return f"brought {path}, written by an earlier version, up to this one's" + "".join(
        f"; {line}" for line in report.lines)


def other_home(home: Path, env: Mapping[str, str] | None = None) -> str | None:
    """The other data home whose engine our unit runs, None when it runs `home`'s (or is
    not there): one unit serves one home, the last one turned on."""
    runs = engine_home(env)
    if runs is None or os.path.realpath(runs) == os.path.realpath(home):
        return None
    return runs


def _was_other(home: Path | None, env: Mapping[str, str] | None) -> str | None:
    """What a change to the unit from `home` says of the other home whose engine it ran."""
    other = None if home is None else other_home(home, env)
    return None if other is None else (f"it ran the engine of {other}: that home's engine "
                                       "no longer starts at login")


def user_bus(env: Mapping[str, str] | None = None) -> str | None:
    """Why `systemctl --user` cannot be used here, or None when it can."""
    env = os.environ if env is None else env
    if shutil.which("systemctl", path=env.get("PATH")) is None:
        return "systemctl is not installed"
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if not env.get("DBUS_SESSION_BUS_ADDRESS") and not (runtime and
                                                        Path(runtime, "bus").exists()):
        return "there is no user bus (not a login session: no $XDG_RUNTIME_DIR/bus)"
    return None


def _systemctl(args: list[str], report: ServiceReport, env: Mapping[str, str] | None) -> bool:
    command = ["systemctl", "--user", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_SYSTEMCTL_TIMEOUT,
                              env=None if env is None else dict(env), check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        report.lines.append(f"`{' '.join(command)}` failed: {exc}")
        report.failed = True
        return False
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        report.lines.append(f"`{' '.join(command)}` failed: {said[0] if said else done.returncode}")
        report.failed = True
        return False
    report.lines.append(f"ran `{' '.join(command)}`")
    return True


def install(home: Path, env: Mapping[str, str] | None = None,
            argv: Sequence[str] | None = None) -> ServiceReport:
    """Write and enable the unit; start it now when systemctl and a user bus allow."""
    report = ServiceReport()
    path = unit_path(env)
    config_files.tidy(path)  # what a killed write left beside it
    if path.exists() and not _ours(path):
        report.lines.append(f"{path} exists and was not written by Tickwork: left as it is")
        report.failed = True
        return report
    was = _was_other(home, env)
    try:  # (a file, or a folder it cannot write, where its folder would be: one line)
        make_private_dir(path.parent)  # (README: every folder Tickwork makes is 0700)
        config_files.replace(path, unit_text(home, argv, (os.environ if env is None
                                                          else env).get("PATH")))
    except OSError as exc:  # (nothing is left behind)
        report.lines.append(f"cannot write {path}: {exc.strerror or exc}")
        report.failed = True
        return report
    report.lines.append(f"wrote {path}" + (f" ({was})" if was else ""))
    why_not = user_bus(env)
    if why_not is None:
        if _systemctl(["daemon-reload"], report, env):
            _systemctl(["enable", "--now", UNIT], report, env)
        return report
    link = wants_link(env)
    try:
        make_private_dir(link.parent)
        if not link.is_symlink():
            link.symlink_to(path)
    except OSError as exc:
        report.lines.append(f"cannot enable it for the next login ({link}): "
                            f"{exc.strerror or exc}")
        report.failed = True
        return report
    report.lines.append(f"enabled it for the next login ({link}); not started now: {why_not}")
    return report


def remove(env: Mapping[str, str] | None = None, home: Path | None = None) -> ServiceReport:
    """Stop and disable the unit when systemctl can, then remove our files (turned off from
    `home`: what it said of another home's engine it ran)."""
    report = ServiceReport()
    path = unit_path(env)
    was = _was_other(home, env)
    config_files.tidy(path)  # what a killed write left beside it
    if path.exists() and not _ours(path):
        report.lines.append(f"{path} was not written by Tickwork: left as it is")
        report.failed = True
        return report
    if not path.exists() and not wants_link(env).is_symlink():
        report.lines.append("the engine service was not installed: nothing to remove")
        return report
    why_not = user_bus(env)
    if why_not is None:
        _systemctl(["disable", "--now", UNIT], report, env)
    link = wants_link(env)
    for each, said in ((link, ""), (path, f" ({was})" if was else "")):
        if not (each.is_symlink() if each is link else each.exists()):
            continue
        try:
            each.unlink()
        except OSError as exc:  # (a folder it cannot write, a read-only file system)
            report.lines.append(f"cannot remove {each}: {exc.strerror or exc}")
            report.failed = True
            return report
        report.lines.append(f"removed {each}{said}")
    if why_not is None:
        _systemctl(["daemon-reload"], report, env)
    else:
        report.lines.append(f"nothing to stop now: {why_not}")
    return report
