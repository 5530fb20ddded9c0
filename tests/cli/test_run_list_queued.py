"""`run list` with no engine names runs shown `queued` in its hint, as it names those shown
waiting or running: one queued by `task run` with no engine (said then, once) or given back
by a stop waits for an engine, and the list said nothing of it."""

from __future__ import annotations

from typing import Any

HINT = ("no engine is running on this store (start one: `tickwork engine`, or the window): "
        "the next engine to start takes up {}")


def test_run_list_says_no_engine_runs_the_runs_it_shows_queued(cli: Any) -> None:
    for name in ("a", "b"):
        assert cli("task", "add", name, "--command", "true", "--manual").code == 0
    assert cli("task", "run", "a").code == 0
    listed = cli("run", "list")
    assert listed.code == 0 and "queued" in listed.out
    assert listed.err.splitlines() == ["tickwork: " + HINT.format("the run shown queued")]
    assert cli("task", "run", "b").code == 0
    items = cli("run", "list", "--json").json()  # (a list, as before: a key added)
    assert [(r["task_name"], r["status"], r["no_engine"]) for r in items] == [
        (name, "queued", HINT.format("the 2 runs shown queued")) for name in ("b", "a")]
    assert cli("run", "list", "--status", "succeeded").err == ""  # none listed: no hint
