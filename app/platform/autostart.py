"""Start at login: the XDG autostart entry (`$XDG_CONFIG_HOME/autostart/tickwork.desktop`,
default `~/.config`) that opens Tickwork minimised to the tray when the user logs in.

Desktop sessions that follow the XDG Autostart spec (GNOME, KDE, Xfce, Cinnamon, MATE, LXQt)
start every entry in that folder. The entry runs this same Tickwork (`tickwork_argv`: the
bundle's own executable in a PyInstaller bundle) with `--home` pinned to the data home it was
turned on for and `--minimized`, so the window starts hidden with its tray icon. Only a file
Tickwork wrote (it carries `X-Tickwork-Autostart=true`) counts as "on" and is ever removed.
Anything else at the entry's path (a fifo, a folder, a link, a file that cannot be read) is
left as it is and said in one line (`in_the_way`): reading a fifo waited for ever. A link
is followed to be read, as the session does, but never replaced or removed.
Other systems (Windows' Run key, macOS login items) would replace these few functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.core.errors import FileInTheWay, TickworkError
from app.platform import config_files
from app.platform.processes import tickwork_argv
from app.store.home import make_private_dir

FILE_NAME = "tickwork.desktop"
MARK = "X-Tickwork-Autostart=true"


def config_home(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME`, else `~/.config` (a relative value is ignored, as the spec says)."""
    env = os.environ if env is None else env
    value = env.get("XDG_CONFIG_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(env.get("HOME") or Path.home()) / ".config"


def entry_path(env: Mapping[str, str] | None = None) -> Path:
    return config_home(env) / "autostart" / FILE_NAME


def exec_line(argv: Sequence[str]) -> str:
    """A desktop entry's Exec value for these arguments (quoting and `%` escaping per the
    Desktop Entry spec: reserved characters quoted, `"`, `` ` ``, `$`, `\\` escaped)."""
    out = []
    for arg in argv:
        arg = arg.replace("%", "%%")
        if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
            out.append(arg)
            continue
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        out.append(f'"{escaped}"')
    return " ".join(out)


def entry_text(home: Path, argv: Sequence[str] | None = None) -> str:
    """The autostart entry that opens Tickwork on `home`, minimised to the tray."""
    command = [*(argv or tickwork_argv()), "--home", str(home), "--minimized"]
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=Tickwork",
        "GenericName=Task Scheduler",
        "Comment=Start Tickwork minimised to the tray when you log in",
        f"Exec={exec_line(command)}",
        "Icon=tickwork",
        "Terminal=false",
        "Categories=Utility;",
        "X-GNOME-Autostart-enabled=true",
        MARK,
        "",
    ])


def in_the_way(env: Mapping[str, str] | None = None, *, to_change: bool = False) -> str | None:
    """One line saying what stands at the entry's path that Tickwork must leave alone, and
    what to do; None when nothing is there or a file it can read (`to_change`: and replace
    or remove, which a link never is: it is only ever read)."""
    path = entry_path(env)
    what = config_files.link(path) if to_change else None
    if what is None:
        try:
            config_files.read(path)
        except config_files.NotAFile as exc:
            what = exc.what
    if what is None:
        return None
    return (f"{path} is {what}, where Tickwork keeps its start-at-login entry: left as it "
            "is; remove it, then turn start at login on or off")


def check(env: Mapping[str, str] | None = None, *, to_change: bool = False) -> None:
    """FileInTheWay, saying `in_the_way`'s line, when there is one."""
    line = in_the_way(env, to_change=to_change)
    if line is not None:
        raise FileInTheWay(line)


def _lines(env: Mapping[str, str] | None) -> set[str]:
    """The entry's lines, stripped; none when there is no file (or something else) there."""
    try:
        text = config_files.read(entry_path(env))
    except config_files.NotAFile:
        return set()  # (`in_the_way` says what it is)
    return {line.strip() for line in (text or "").splitlines()}


def is_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Is Tickwork's own autostart entry there (and not hidden by the user's desktop)?
    Anything else there is not (`in_the_way` says what it is)."""
    lines = _lines(env)
    return MARK in lines and "Hidden=true" not in lines


def enable(home: Path, env: Mapping[str, str] | None = None,
           argv: Sequence[str] | None = None) -> Path:
    """Write the entry (replacing an older one of ours); returns its path. FileInTheWay
    when something else stands there; TickworkError when it cannot be written (nothing is
    left behind)."""
    check(env, to_change=True)
    path = entry_path(env)
    try:  # (a folder it cannot write, a read-only file system: one line, not a traceback's)
        make_private_dir(path.parent)  # (README: every folder Tickwork makes is 0700)
        config_files.replace(path, entry_text(home, argv))
    except OSError as exc:
        raise TickworkError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def disable(env: Mapping[str, str] | None = None) -> bool:
    """Remove the entry if it is ours; returns whether a file was removed. An entry the user
    wrote by hand (without our mark) is left alone; anything but a file, FileInTheWay."""
    check(env, to_change=True)
    config_files.tidy(entry_path(env))  # what a killed write left beside it
    if MARK not in _lines(env):
        return False
    path = entry_path(env)
    try:
        path.unlink()
    except OSError as exc:  # (a folder it cannot write, a read-only file system)
        raise TickworkError(f"cannot remove {path}: {exc.strerror or exc}") from None
    return True
