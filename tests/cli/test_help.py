"""Help pages, as `tickwork ... --help` prints them in its own process."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator

import pytest

from app.cli.parser import Commands, build_parser
from tests.support import tickwork


def _pages(parser: argparse.ArgumentParser, path: list[str]) -> Iterator[tuple[list[str], str]]:
    """Every help page of the grammar, each command given its options first."""
    yield path, parser.format_help()
    for action in parser._actions:
        if isinstance(action, Commands):
            for name in action.choices:
                yield from _pages(action.fill(name), [*path, name])


def test_every_help_page_is_the_whole_grammars(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser gives a command its options only when that command is chosen, which
    spares every command building the others' (~10 ms of a `task list`); still, each page a
    user can ask for — `tickwork --help`, a noun's, a verb's — is the page of the parser
    with every command's options built."""
    monkeypatch.setenv("COLUMNS", "100")  # the pages' width, here and in the command
    pages = list(_pages(build_parser(), []))
    assert [" ".join(path) for path, _ in pages[:3]] == ["", "task", "task add"]
    assert len(pages) == 31
    for path, text in pages:
        proc = tickwork.run([*path, "--help"], env=os.environ, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == text, path


def test_every_option_says_what_it_does() -> None:
    """`task add --help` listed --priority, --retries, --timeout, --overlap, --group, … bare:
    every option of every command now has its line, and so does every positional argument
    (`task show task`, `run show run`, `restore file` were bare)."""
    bare: list[str] = []

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, Commands):
                for name in action.choices:
                    walk(action.fill(name), [*path, name])
            elif not action.help:
                bare.append(" ".join([*path, *(action.option_strings[-1:] or [action.dest])]))

    walk(build_parser(), ["tickwork"])
    assert bare == []
    page = tickwork.run(["task", "add", "--help"], env={**os.environ, "COLUMNS": "100"},
                        timeout=60).stdout
    assert "--priority N          of runs due together, higher starts first" in page
    assert "  name                  the new task's name" in page
    shown = tickwork.run(["run", "show", "--help"], env={**os.environ, "COLUMNS": "100"},
                         timeout=60).stdout
    assert "  run         the run's id" in shown


def test_every_option_readme_names_in_brief_exists() -> None:
    """README's "command line in brief" names options a user will type: each is one the
    parser knows (an option README keeps after it was renamed would be a broken promise)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    brief = readme.split("## The command line in brief", 1)[1].split("```")[1]
    named = set(re.findall(r"--[a-z][a-z-]*", brief))
    known: set[str] = set()

    def walk(parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            known.update(action.option_strings)
            if isinstance(action, Commands):
                for name in action.choices:
                    walk(action.fill(name))

    walk(build_parser())
    assert len(named) > 40 and named <= known, sorted(named - known)


def test_the_engines_help_names_the_signals_readme_says_stop_it() -> None:
    """README's brief runs the engine "until SIGINT/SIGTERM/SIGHUP" (closing its terminal
    stops it: tests/engine/test_engine_process.py); `tickwork --help` said SIGINT/SIGTERM."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("tickwork engine ["))
    page = tickwork.run(["--help"], env={**os.environ, "COLUMNS": "200"}, timeout=60).stdout
    entry = next(line for line in page.splitlines() if line.strip().startswith("engine "))
    assert set(re.findall(r"SIG[A-Z]+", entry)) == set(re.findall(r"SIG[A-Z]+", line)) == {
        "SIGINT", "SIGTERM", "SIGHUP"}


def test_the_store_options_help_says_what_readme_says_it_falls_back_to() -> None:
    """README: "Every door … takes `--store`, else `$TICKWORK_STORE`, else the home's
    remembered choice"; `tickwork --help` said "(default: $TICKWORK_STORE)" and no more, so a
    home connected by `settings --shared-store` looked as if it used its own file."""
    page = tickwork.run(["--help"], env={**os.environ, "COLUMNS": "400"}, timeout=60).stdout
    entry = next(line for line in page.splitlines() if line.strip().startswith("--store URL"))
    assert entry.rstrip().endswith("(default: $TICKWORK_STORE, else the home's remembered "
                                   "one: `tickwork settings --shared-store`)"), entry
    settings = tickwork.run(["settings", "--help"], env={**os.environ, "COLUMNS": "400"},
                            timeout=60).stdout
    assert "--shared-store" in settings  # the option it names is there
