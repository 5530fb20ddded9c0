"""The data home as named: `--home ""` and a home that is a file are one line naming where
the home came from (exit 2), and a command that only reads makes no missing folders above
the home it names (a mistyped `--home /nonexistent/deep/x` made the whole tree)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support import tickwork


def _tickwork(*args: str) -> tuple[int, str, str]:
    proc = tickwork.run(list(args), cwd=ROOT, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def test_an_empty_home_is_refused_not_taken_for_the_default() -> None:
    """`--home "$DIR"` with DIR unset; the line says what to do (it said "is empty")."""
    default = Path(os.environ["TICKWORK_HOME"])
    assert _tickwork("--home", "", "task", "list") == (
        2, "", "tickwork: error: home: is empty: name a folder, or leave --home out for the "
        "default home\n")
    assert _tickwork("--home", " ", "task", "add", "t", "--command", "true")[0] == 2
    assert not default.exists()  # (it was made, a store in it)


@pytest.mark.parametrize("args", [["task", "list"], ["task", "add", "t", "--command", "true"],
                                  ["engine"], []], ids=["read", "write", "engine", "window"])
def test_an_empty_tickwork_home_is_refused_as_an_empty_home_is(
        tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`TICKWORK_HOME=$DIR` with DIR unset used, and made, the platform's data folder."""
    data = tmp_path / "data"  # where the platform's default home would be
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    for empty in ("", " "):
        monkeypatch.setenv("TICKWORK_HOME", empty)
        assert _tickwork(*args) == (
            2, "", "tickwork: error: TICKWORK_HOME: is empty: name a folder, or unset "
            "TICKWORK_HOME for the default home\n")
    assert not data.exists()
    given = tmp_path / "given"  # --home comes first, as ever
    assert _tickwork("--home", str(given), "task", "list", "--json") == (0, "[]\n", "")


@pytest.mark.parametrize("args", [["task", "list"], ["task", "add", "t", "--command", "true"],
                                  ["run", "show", "1"], ["engine"], []],
                         ids=["read", "write", "run-show", "engine", "window"])
def test_a_home_that_is_a_file_is_one_line_naming_it(tmp_path: Path, args: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("mine\n")
    assert _tickwork("--home", str(file), *args) == (
        2, "", f"tickwork: error: home: {file} is not a folder\n")
    monkeypatch.setenv("TICKWORK_HOME", str(file))
    assert _tickwork(*args) == (
        2, "", f"tickwork: error: TICKWORK_HOME: {file} is not a folder\n")
    monkeypatch.delenv("TICKWORK_HOME")
    under = file / "sub"  # under a file: it said "cannot read the remembered store", exit 1
    assert _tickwork("--home", str(under), *args) == (
        2, "", f"tickwork: error: home: {under}: {file} is a file, not a folder\n")
    assert file.read_text() == "mine\n"


def test_a_read_makes_no_folders_above_the_home_a_write_makes_them(tmp_path: Path) -> None:
    home = tmp_path / "no" / "deep" / "x"
    for args in (["task", "list"], ["run", "list", "--json"], ["audit"],
                 ["simulate", "--hours", "1"], ["export", "-"]):
        assert _tickwork("--home", str(home), *args) == (
            2, "", f"tickwork: error: home: {home}: the folder it would be in, {home.parent}, "
            "does not exist (a command that only reads makes none)\n"), args
    assert not (tmp_path / "no").exists()
    fresh = tmp_path / "fresh"  # a new home in a folder that is there: made, read empty
    assert _tickwork("--home", str(fresh), "task", "list", "--json") == (0, "[]\n", "")
    assert _tickwork("--home", str(home), "task", "add", "t", "--command", "true")[0] == 0
    assert (home / "tickwork.db").exists()


def test_home_or_store_after_the_command_says_where_it_goes() -> None:
    """README's "export TICKWORK_STORE=… # or --store URL each time" read as `tickwork task
    list --store URL`: argparse said "unrecognized arguments: --store URL" — the URL's
    password with it — and not that the program's options come before the command."""
    code, out, err = _tickwork("task", "list", "--store", "postgresql://me:hunter2@db/tw")
    assert (code, out) == (2, "")
    assert err == ("tickwork: error: unrecognized arguments: --store postgresql://me:***@db/tw:"
                   " --store goes before the command, as in `tickwork --store URL task list`\n")
    code, _out, err = _tickwork("settings", "--home", "/tmp/h", "--store=postgresql://me@db/tw")
    assert code == 2 and err.endswith(
        ": --home and --store go before the command, as in "
        "`tickwork --home DIR --store URL task list`\n"), err
    assert _tickwork("task", "list", "extra")[2] == (
        "tickwork: error: unrecognized arguments: extra\n")  # nothing said of other words
