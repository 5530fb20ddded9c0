"""The user guide (Help › User guide, F1) stays true of the app it describes: every
`tickwork …` line it shows parses, and those that are safe run in a temp home in the guide's
order, exit 0; every TICKWORK_ variable it names is one the app sets or reads; and it ships
with the package, so an installed wheel finds it where a source checkout does.
(tests/gui/test_user_guide.py holds its menus, keys, fields and views to the window's.)"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.cli.parser import build_parser
from app.gui.window import help_windows
from tests.conftest import ROOT
from tests.support import tickwork

GUIDE = Path(help_windows.__file__).with_name(help_windows.GUIDE)
TEXT = GUIDE.read_text("utf-8")
_BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)
# what a person could run from the guide without harm to their machine or a wait: a verb
# missing here (engine, restore, import --crontab, task run --wait) is only parsed
SAFE = {("task", "add"), ("task", "list"), ("task", "show"), ("task", "update"),
        ("task", "pause"), ("task", "resume"), ("task", "run"), ("run", "list"),
        ("run", "show"), ("run", "cancel"), ("secret", "set"), ("secret", "list"),
        ("export",), ("import",), ("backup",), ("simulate",), ("audit",), ("check",),
        ("settings",)}


def command_lines() -> list[list[str]]:
    """The arguments of each `tickwork …` line of the guide's code blocks, in order (what a
    pipe feeds it aside: `crontab -l | tickwork import …`)."""
    found = []
    for block in _BLOCK.findall(TEXT):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if "tickwork" in words:
                found.append(words[words.index("tickwork") + 1:])
    return found


def _verb(args: list[str]) -> tuple[str, ...]:
    words = [a for a in args if not a.startswith("-")]
    return tuple(words[:2]) if words and words[0] in ("task", "run", "secret") else tuple(
        words[:1])


def _safe(args: list[str]) -> bool:
    return _verb(args) in SAFE and not {"--wait", "--crontab", "--systemd",  # (a wait, a file
        "--start-at-login", "--background-engine", "--shared-store"} & set(args)  # of yours)


def test_the_guide_shows_the_commands_a_user_needs() -> None:
    verbs = {_verb(args) for args in command_lines()}
    for verb in [("task", "add"), ("task", "list"), ("task", "run"), ("run", "list"),
                 ("run", "show"), ("run", "cancel"), ("engine",), ("secret", "set"),
                 ("export",), ("import",), ("backup",), ("restore",), ("settings",)]:
        assert verb in verbs, verb


@pytest.mark.parametrize("args", command_lines(), ids=" ".join)
def test_every_command_line_the_guide_shows_parses(args: list[str]) -> None:
    try:
        build_parser().parse_args(args)
    except SystemExit as exit:  # (argparse: 2 and a line on stderr for a wrong option)
        pytest.fail(f"`tickwork {shlex.join(args)}` does not parse (exit {exit.code})")


def test_the_safe_command_lines_run_in_a_fresh_home_in_the_guides_order(tmp_path: Path
                                                                         ) -> None:
    """As a person would type them one after another: each exits 0."""
    home = tmp_path / "home"
    ran = []
    for args in filter(_safe, command_lines()):
        secret = _verb(args) == ("secret", "set")  # (its value from standard input)
        proc = tickwork.run(["--home", str(home), *args], cwd=tmp_path, timeout=60,
                            input="s3cret-value" if secret else None)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        ran.append(_verb(args))
    assert ("task", "add") in ran and ("run", "cancel") in ran and ("secret", "set") in ran
    listed = tickwork.run(["--home", str(home), "task", "list"], timeout=60)
    assert "backup" in listed.stdout and "weekdays" in listed.stdout


def test_every_tickwork_variable_the_guide_names_is_one_the_app_uses() -> None:
    named = set(re.findall(r"\bTICKWORK_[A-Z_]+\b", TEXT))
    assert {"TICKWORK_CHECKPOINT_FILE", "TICKWORK_RUN_ID", "TICKWORK_ATTEMPT",
            "TICKWORK_HOME"} <= named
    source = "\n".join(p.read_text("utf-8") for p in (ROOT / "app").rglob("*.py"))
    for name in sorted(named):
        assert re.search(rf"\b{name}\b", source), f"the guide names {name}; the app never does"


def test_the_guide_ships_in_the_wheel_and_an_installed_copy_finds_it(tmp_path: Path) -> None:
    """Built from a copy of the project (the worktree stays clean), unpacked as pip installs
    it, and read by that copy of the app from a folder that is not the source tree."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (src / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run(["cp", "-r", str(ROOT / "app"), str(src / "app")], check=True)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
         "-w", str(tmp_path / "dist"), str(src)],
        capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("tickwork-*.whl"))
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert "app/gui/window/user-guide.md" in archive.namelist()
        archive.extractall(installed)
    env = {**os.environ, "PYTHONPATH": str(installed)}
    read = subprocess.run(
        [sys.executable, "-c", "import app, sys; "
         "from app.gui.window.help_windows import guide_text; "
         "print(app.__file__); sys.stdout.write(guide_text() or '')"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert read.returncode == 0, read.stderr
    where, _, text = read.stdout.partition("\n")
    assert Path(where).is_relative_to(installed)
    assert text == TEXT
