"""`--dependency-timeout`: how long a run waits for its `--depends-on` upstreams before it
gives up (skipped), which the editor's Waiting limit, an import and the service all set and
the command line could not. `task add` and `update` take it in `--timeout`'s grammar,
`none` clears it, `task show` says it; a bad value is one line naming the option, exit 2,
nothing changed. tests/engine/test_dependency_timeout_run.py has a run giving up."""

from __future__ import annotations

from typing import Any

import pytest


def _limit(cli: Any, name: str) -> Any:
    return cli("task", "show", name, "--json").json()["dependency_timeout"]


def _shown(cli: Any, name: str) -> str:
    lines = [line for line in cli("task", "show", name).out.splitlines()
             if line.strip().startswith("waiting limit:")]
    assert len(lines) == 1, lines
    return lines[0].strip()


def test_add_update_clear_and_show(cli: Any) -> None:
    assert cli("task", "add", "up", "--command", "true", "--manual").code == 0
    added = cli("task", "add", "down", "--command", "true", "--manual", "--depends-on", "up",
                "--dependency-timeout", "1h30m")
    assert added.code == 0 and added.err == "", added
    assert _limit(cli, "down") == 5400.0
    assert _shown(cli, "down") == "waiting limit: gives up after 1h30m"
    assert cli("task", "update", "down", "--dependency-timeout", "45s").code == 0
    assert _limit(cli, "down") == 45.0
    assert _shown(cli, "down") == "waiting limit: gives up after 45s"
    again = cli("task", "update", "down", "--dependency-timeout", "45s")
    assert again.out == "task 2 'down' already had that: nothing changed\n", again
    cleared = cli("task", "update", "down", "--dependency-timeout", "none")
    assert cleared.code == 0 and cleared.out == "updated task 2 'down'\n", cleared
    assert _limit(cli, "down") is None
    assert _shown(cli, "down") == "waiting limit: -"
    assert "--dependency-timeout DURATION" in cli("task", "update", "--help").out
    events = cli("audit", "--json").json()
    assert [e["action"] for e in events[:3]] == ["task.update", "task.update", "task.create"]


@pytest.mark.parametrize(("value", "line"), [
    ("soon", "dependency-timeout: not a duration: 'soon' (use e.g. 30s, 5m, 1h30m, 1d)"),
    ("-5m", "dependency-timeout: must be positive, got '-5m'"),
    ("0", "dependency-timeout: must be positive, got '0'"),
    ("", "dependency-timeout: is empty"),
], ids=["word", "negative", "zero", "empty"])
def test_a_bad_value_is_one_line_naming_the_option_and_changes_nothing(
        cli: Any, value: str, line: str) -> None:
    assert cli("task", "add", "up", "--command", "true", "--manual").code == 0
    assert cli("task", "add", "down", "--command", "true", "--manual", "--depends-on", "up",
               "--dependency-timeout", "10m").code == 0
    before = cli("task", "show", "down", "--json").json()
    events = len(cli("audit", "--json").json())
    for args in (["task", "update", "down"], ["task", "add", "other", "--command", "true",
                                              "--manual"]):
        refused = cli(*args, "--dependency-timeout", value)
        assert (refused.code, refused.out) == (2, ""), refused
        assert refused.err.count("\n") == 1 and line in refused.err, refused.err
        assert refused.err.startswith("tickwork: error: "), refused.err
    assert cli("task", "show", "down", "--json").json() == before
    assert len(cli("audit", "--json").json()) == events
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["down", "up"]
