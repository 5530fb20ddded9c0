"""How to name another data home, said as the person named theirs: the store's refusals
("move it away or use another --home", "name another home with --home", "reopen … with
`--home`") said `--home` to one who had set TICKWORK_HOME. The command line and `tickwork
engine` say `--home` or TICKWORK_HOME, as the home was named; the window (named neither
way, or either) says both. tests/engine/test_home_moved.py has a home moved under an
engine started so."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult
from tests.support import tickwork

WAYS = {"--home": "`--home`", "TICKWORK_HOME": "TICKWORK_HOME"}


def _named(how: str, home: Path, *args: str) -> CliResult:
    """`tickwork ARGS` on `home`, named by `--home` or by TICKWORK_HOME."""
    env = {**os.environ, "TICKWORK_HOME": str(home)}
    if how == "--home":
        env.pop("TICKWORK_HOME")
        args = ("--home", str(home), *args)
    proc = tickwork.run(list(args), env=env, timeout=60, cwd=ROOT)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("how", list(WAYS))
@pytest.mark.parametrize("args", [("task", "list"), ("task", "add", "a", "--command", "true"),
                                  ("check",), ("engine",)],
                         ids=["list", "add", "check", "engine"])
def test_a_file_not_tickworks_is_refused_naming_the_way_the_home_was_named(
        home: Path, how: str, args: tuple[str, ...]) -> None:
    home.mkdir(mode=0o700)
    store = home / "tickwork.db"
    store.write_text("my notes, not a database\n")
    store.chmod(0o600)
    done = _named(how, home, *args)
    assert done.code in (1, 65), done  # (65: the engine's status its units never restart)
    line = (f"tickwork: error: {store} is not an SQLite database; Tickwork left it untouched "
            f"(move it away, or name another home with {WAYS[how]})\n")
    assert done.err.endswith(line), done.err
    other = "TICKWORK_HOME" if how == "--home" else "--home"
    assert other not in done.err, done.err
    assert store.read_text() == "my notes, not a database\n"
