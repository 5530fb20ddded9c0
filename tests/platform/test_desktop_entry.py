"""The applications menu's entry (resources/tickwork.desktop, shipped by the .deb and
install.sh): its Exec line, run the way a launcher runs it, takes the window's start path."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.platform import display
from tests.conftest import ROOT
from tests.platform.test_display import PLUGIN, free_display, needs_plugin

ENTRY = ROOT / "resources" / "tickwork.desktop"
FILE_CODES = ("%f", "%F", "%u", "%U")


def test_the_entry_is_listed_once_in_the_menu() -> None:
    """desktop-file-validate has nothing to say, not even a hint: `Utility;System;` named two
    main categories, which menus show as the entry twice (once under Accessories, once under
    System Tools)."""
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate not installed (desktop-file-utils)")
    checked = subprocess.run(["desktop-file-validate", str(ENTRY)], capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0 and checked.stdout + checked.stderr == "", checked.stdout


def launched(exec_line: str, dropped: Path) -> list[str]:
    """The argv a launcher builds from `exec_line` for a file dropped on the entry (the Desktop
    Entry spec: %f %F %u %U become the file, the other field codes go), with `tickwork` being
    this checkout's main.py."""
    argv = []
    for word in shlex.split(exec_line):
        if word in FILE_CODES:
            argv.append(str(dropped))
        elif not (len(word) == 2 and word.startswith("%")):
            argv.append(word)
    assert argv[0] == "tickwork", exec_line
    return [sys.executable, str(ROOT / "main.py"), *argv[1:]]


@needs_plugin
def test_a_file_dropped_on_the_menu_entry_still_opens_the_window(tmp_path: Path) -> None:
    """Tickwork opens no files or URLs, yet the entry said `Exec=tickwork %U`: a file dropped
    on its icon (a dock, a panel) made `tickwork FILE`, the CLI's 'invalid choice' error on no
    terminal, and no window came. Here no X server answers, so the window's start path says
    so; the CLI would have said something else."""
    assert PLUGIN is not None
    missing = display.missing_libraries(PLUGIN)
    if missing:
        pytest.skip(f"this system lacks {', '.join(missing)} (see the first-start line)")
    entry = ENTRY.read_text()
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    dropped = tmp_path / "notes.txt"
    dropped.write_text("hello\n")
    where = free_display()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "QT_QPA_PLATFORM": "xcb",
           "DISPLAY": where, "TICKWORK_HOME": str(tmp_path / "home")}
    result = subprocess.run(launched(exec_line.removeprefix("Exec="), dropped), env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("tickwork: the window cannot open"), result.stderr
