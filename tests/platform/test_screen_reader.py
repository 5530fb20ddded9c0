"""What a screen reader hears from the real window, over AT-SPI (not Qt's in-process tree,
which tests/gui/test_accessibility.py asks): `python main.py` on Xvfb with openbox and a
private session bus with the AT-SPI bus launcher, read by tests/support/atspi.py's reader as
Orca reads it — the window's title, the views in the side list, the task table's row and its
cells (a task added with the CLI first), the toolbar, no unnamed control; the Calendar
reached and moved in by keyboard (xdotool) says the cursor's day and hour in the grid's
description, changed once per key over the bus (the keys after Alt+W the grid's, not the
menu bar's: app/gui/window/held_alt.py); an error in the editor is on the focused
field. What the reader heard is kept as heard.txt in the test's folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.gui.main_window import VIEWS
from tests.conftest import ROOT
from tests.support.atspi import Event, Node, Reader, desktop
from tests.support.processes import stop

pytestmark = pytest.mark.xdist_group("xvfb")  # see tests/support/xserver.py

TASK = "Back up notes"
NAMED = {"push button", "check box", "radio button", "toggle button", "text", "combo box",
         "spin button", "table", "list", "menu item", "page tab"}
CELL = re.compile(r"Selected: (\w+day) (\d+) (\w+), (\d\d):00, ")


def _env(tmp_path: Path, base: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    env.update(TICKWORK_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT), TZ="UTC",
               PYTHON_KEYRING_BACKEND="tests.support.file_keyring.FileKeyring",
               TICKWORK_TEST_KEYRING=str(tmp_path / "keyring.json"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               QT_QPA_PLATFORM="xcb", QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1")
    return env


def _keys(env: dict[str, str], *keys: str) -> None:
    subprocess.run(["xdotool", "key", "--clearmodifiers", *keys], env=env, check=True,
                   timeout=10)


def _window(reader: Reader, title: str) -> Node | None:
    for app in reader.root().children():
        if app.name == "Tickwork":
            return next((w for w in app.children() if w.name == title), None)
    return None


def _focused(reader: Reader, mark: int, name: str) -> Event | None:
    return next((e for e in reversed(reader.events_since(mark, "StateChanged"))
                 if e.detail == "focused" and e.detail1 == 1
                 and reader.node(e.data[0], e.data[1]).name == name), None)


def _focus_since(reader: Reader, mark: int) -> str:
    """The objects that took the keyboard since `mark`, as a reader heard them."""
    return "; ".join(reader.node(*e.data).said() for e in reader.events_since(mark, "StateChanged")
                     if e.detail == "focused" and e.detail1 == 1) or "none"


def _row(table: Node, task: str) -> dict[str, str] | None:
    """The task's row: each cell's name by its column header."""
    parts = table.children()
    headers = [n.name for n in parts if n.role == "column header"]
    cells = [n.name for n in parts if n.role == "cell"]
    rows = [dict(zip(headers, cells[i:i + len(headers)], strict=True))
            for i in range(0, len(cells), len(headers))] if headers else []
    return next((r for r in rows if r["Name"].startswith(task)), None)


def test_a_screen_reader_hears_the_window_over_at_spi(tmp_path: Path) -> None:
    heard: list[str] = []
    with desktop(tmp_path / "desktop") as desk:
        env = _env(tmp_path, desk.env)
        added = subprocess.run([sys.executable, "main.py", "task", "add", TASK, "--command",
                                "true", "--cron", "0 2 * * *", "--tz", "UTC"], env=env,
                               cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
        log = (tmp_path / "window.log").open("w")
        window = subprocess.Popen([sys.executable, "main.py"], env=env, cwd=ROOT,
                                  stdout=log, stderr=log)
        try:
            with Reader(desk.a11y_address) as reader:
                try:
                    _hear(reader, env, tmp_path / "home", window.pid, heard)
                finally:
                    heard.append("-- events --")
                    heard.extend(f"{e.kind} {e.path} {e.detail} {e.detail1} {e.data!r}"
                                 for e in reader.events_since(0)
                                 if e.kind in ("PropertyChange", "Announcement"))
        finally:
            (tmp_path / "heard.txt").write_text("\n".join(heard) + "\n")
            stop(window, 30)
            log.close()
    assert window.returncode == 0, (tmp_path / "window.log").read_text()[-3000:]


def _hear(reader: Reader, env: dict[str, str], home: Path, pid: int, heard: list[str]) -> None:
    reader.listen("object:property-change:accessible-description", "object:announcement",
                  "object:state-changed:focused")
    title = f"{home} — Tickwork"
    frame = reader.until(lambda: _window(reader, title), f"a window named {title!r}", 30)
    table = reader.until(lambda: frame.find("table", "Tasks"), "the task table")
    row = reader.until(lambda: _row(table, TASK), "the task's row in the table")
    for depth, node in frame.walk():
        heard.append("  " * depth + node.said())

    views = frame.find("list", "Views")
    assert views is not None and [i.name for i in views.children()] == list(VIEWS)
    assert row["Name"].startswith(TASK) and row["Schedule"] == "At 02:00 (UTC)"
    assert row["Last run"] == "never" and row["Enabled"] == "enabled"
    assert "02:00" in row["Next run"] and row["Priority"] == "0"
    toolbar = frame.find("tool bar", "Task actions")
    assert toolbar is not None
    assert {"New task", "Edit", "Run now", "Pause", "Delete"} <= {
        b.name for b in toolbar.children() if b.role == "push button"}
    unnamed = [node.said() for _, node in frame.walk() if node.role in NAMED
               and "showing" in node.states and not re.search(r"\w", node.name)]
    assert not unnamed, unnamed

    # the Calendar by keyboard: Ctrl+2, the week (Alt+W), then the arrows
    xid = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(pid)],
                         env=env, capture_output=True, text=True, timeout=30).stdout.split()[0]
    subprocess.run(["xdotool", "windowactivate", "--sync", xid], env=env, timeout=10)
    mark = reader.mark()
    _keys(env, "ctrl+2")
    reader.until(lambda: _focused(reader, mark, "Month calendar"), "the month calendar focused")
    mark = week = reader.mark()
    _keys(env, "alt+w")
    focus = reader.until(lambda: _focused(reader, mark, "Day and week calendar"),
                         "the week calendar focused")
    grid = reader.node(*focus.data)
    reader.until(lambda: re.search(r"\d+ planned$", grid.description),
                 "the week read with its predictions")
    said = []
    for key in ("Right", "Down"):
        # the keyboard is the grid's when the key is pressed: not taken by the menu bar when
        # the copies of Alt+W's keys come from Qt's AT-SPI bridge (they came after W, and
        # the menu bar took them for Alt pressed alone: app/gui/window/held_alt.py)
        assert "focused" in grid.states, f"the keyboard went to: {_focus_since(reader, week)}"
        mark = reader.mark()
        _keys(env, key)
        try:
            reader.until(lambda m=mark: reader.events_since(m, "Announcement", grid.path),
                         f"an announcement after {key}")
        except AssertionError as never:
            raise AssertionError(f"{never}; the keyboard went to: "
                                 f"{_focus_since(reader, mark)}") from None
        changes = [e.data for e in reader.events_since(mark, "PropertyChange", grid.path)
                   if e.detail == "accessible-description"]
        # one change a key, and it says the cell: a reader speaks each change of the focused
        # object's description (Orca's on_description_changed)
        assert len(changes) == 1 and CELL.search(changes[0]), changes
        assert grid.description == changes[0]
        said.append(CELL.search(changes[0]))
    first, second = said
    assert int(second[4]) == int(first[4]) + 1 or first[4] == "23", (first[0], second[0])

    # the editor: an empty name refused is said by the field that has the keyboard
    mark = reader.mark()
    _keys(env, "ctrl+n")
    focus = reader.until(lambda: _focused(reader, mark, "Name"), "the editor's Name focused")
    field = reader.node(*focus.data)
    mark = reader.mark()
    _keys(env, "x", "BackSpace", "Return")
    reader.until(lambda: [e for e in reader.events_since(mark, "PropertyChange", field.path)
                          if e.data == "Error: must not be empty"],
                 "the Name field saying its error")
    assert field.description == "Error: must not be empty"
    dialog = _window(reader, "New task — Tickwork")
    assert dialog is not None and dialog.find("label", "Error: must not be empty") is not None
    heard.append("-- the editor --")
    heard.extend("  " * depth + node.said() for depth, node in dialog.walk())
