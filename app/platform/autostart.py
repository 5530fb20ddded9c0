"""Start at login: the XDG autostart entry (`$XDG_CONFIG_HOME/autostart/tickwork.desktop`,
default `~/.config`) that opens Tickwork minimised to the tray when the user logs in.

Desktop sessions that follow the XDG Autostart spec (GNOME, KDE, Xfce, Cinnamon, MATE, LXQt)
start every entry in that folder. The entry runs this same Tickwork (`tickwork_argv`: the
bundle's own executable in a PyInstaller bundle) with `--home` pinned to the data home it was
turned on for and `--minimized`, so the window starts hidden with its tray icon. Only a file
Tickwork wrote (it carries `X-Tickwork-Autostart=true`) counts as "on" and is ever removed.
Other systems (Windows' Run key, macOS login items) would replace these few functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

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


def is_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Is Tickwork's own autostart entry there (and not hidden by the user's desktop)?"""
    path = entry_path(env)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    lines = {line.strip() for line in text.splitlines()}
    return MARK in lines and "Hidden=true" not in lines


def enable(home: Path, env: Mapping[str, str] | None = None,
           argv: Sequence[str] | None = None) -> Path:
    """Write the entry (replacing an older one of ours); returns its path."""
    path = entry_path(env)
    make_private_dir(path.parent)  # (README: every folder Tickwork makes is 0700)
    tmp = path.with_name(f".{FILE_NAME}.tmp")
    tmp.write_text(entry_text(home, argv), encoding="utf-8")
    tmp.replace(path)
    return path


def disable(env: Mapping[str, str] | None = None) -> bool:
    """Remove the entry if it is ours; returns whether a file was removed. An entry the user
    wrote by hand (without our mark) is left alone."""
    path = entry_path(env)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError):
        return False
    if MARK not in {line.strip() for line in text.splitlines()}:
        return False
    path.unlink()
    return True
