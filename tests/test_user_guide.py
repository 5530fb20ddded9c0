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
from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.processes import stop

GUIDE = Path(help_windows.__file__).with_name(help_windows.GUIDE)
TEXT = GUIDE.read_text("utf-8")
_BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)
# what a person could run from the guide in a fresh home without a wait or harm to their
# machine (XDG_CONFIG_HOME is the test's: tests/conftest.py); `tickwork engine` runs in the
# background until the guide's `tickwork engine stop`. The rest (restore FILE, --wait,
# --background-engine, which asks systemd) is only parsed.
SAFE = {("task", "add"), ("task", "list"), ("task", "show"), ("task", "update"),
        ("task", "pause"), ("task", "resume"), ("task", "run"), ("task", "cancel"),
        ("run", "list"), ("run", "show"), ("run", "cancel"), ("secret", "set"), ("secret", "list"),
        ("export",), ("import",), ("backup",), ("simulate",), ("audit",), ("check",),
        ("settings",), ("engine",)}
UNSAFE = {"--wait", "--systemd", "--background-engine", "--shared-store"}
# what the guide's lines read from standard input
INPUT = {("secret", "set"): "s3cret-value", ("import",): "0 2 * * * echo from cron\n"}


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
    return _verb(args) in SAFE and not UNSAFE & set(args)


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
    engine: subprocess.Popen[bytes] | None = None
    log = tmp_path / "engine.log"
    try:
        for args in filter(_safe, command_lines()):
            if args == ["engine"]:  # (it runs until stopped: beside the lines that follow)
                with log.open("w") as err:  # (its own interpreter, so that `engine stop`
                    # knows it by its command line, as a person's: not the tests' zygote)
                    engine = subprocess.Popen(
                        [sys.executable, "-m", "app.cli", "--home", str(home), *args],
                        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err)
                wait_until(lambda: "engine running on" in log.read_text(), 30)
                ran.append(_verb(args))
                continue
            feed = INPUT.get(_verb(args)) if "-" in args or _verb(args) == ("secret", "set") \
                else None
            proc = tickwork.run(["--home", str(home), *args], cwd=tmp_path, timeout=60,
                                input=feed)
            assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
            ran.append(_verb(args))
            if args == ["engine", "stop"]:
                assert engine is not None and engine.wait(30) == 0, log.read_text()
                engine = None
    finally:
        if engine is not None:
            stop(engine)
    for verb in [("task", "add"), ("run", "cancel"), ("secret", "set"), ("engine",)]:
        assert verb in ran, verb
    assert ran.count(("engine",)) == 2  # started, and stopped by `tickwork engine stop`
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


# what the guide quotes filled in with an example's values (a task's name, a number), so not
# in the source as written: each stands for a message the app composes
COMPOSED = {"Progress: 40 % — copying", "fell back to “rescue”, run 9", "at most 2 at once",
            "held back: at most 1 run of this task at a time: it starts when one ends",
            "Ran “Backup” by hand (run 5)", "Changed the schedule of “Backup” from … to …"}


def test_every_button_choice_and_message_the_guide_quotes_is_the_apps() -> None:
    """The guide quotes what a person reads (“Restore”, “Skip the new run”): each is
    in the app's source as written, a string split over lines joined, & markers aside."""
    prose = _BLOCK.sub("", TEXT)
    quoted = {" ".join(q.split()) for q in
              re.findall(r"“([^“”]*(?:“[^“”]*”[^“”]*)*)”", prose)}
    headings = {m.strip() for m in re.findall(r"^#+ (.+)$", TEXT, re.M)}
    source = "\n".join(p.read_text("utf-8") for p in (ROOT / "app").rglob("*.py"))
    source = re.sub(r"\"\s*\n\s*(?:r|f|rf)?\"", "", source).replace("&", "")
    source = " ".join(source.split())
    assert len(quoted) > 20 and quoted >= COMPOSED
    for phrase in sorted(quoted - COMPOSED):
        found = phrase in source or any(h.startswith(phrase) for h in headings)
        assert found, f"the guide quotes “{phrase}”: the app never says it"


@pytest.mark.skipif(sys.platform != "linux", reason="the guide names Linux's data folder")
def test_the_data_folder_and_files_the_guide_names_are_tickworks(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from app.gui.window.quitting import ENGINE_LOG
    from app.store.home import BACKUPS_DIR, DB_NAME, resolve_home

    said = " ".join(TEXT.split())
    assert "on Linux `~/.local/share/tickwork`" in said
    for name in (DB_NAME, BACKUPS_DIR, ENGINE_LOG):
        assert f"`{name}`" in said, name
    monkeypatch.delenv("TICKWORK_HOME")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_home() == tmp_path / ".local" / "share" / "tickwork"
