"""A cancelled run says why it ended in the same words whoever ended it: the engine that ran
it, the engine that held it queued, or the command that asked when no engine held it. A run no
engine held said "why it ended: -" (its note "cancelled by cli"), one held queued by an engine
the same with the note "cancelled on request", a running one "why it ended: cancelled on
request". Who asked is in the audit trail (`run.cancel`)."""

from __future__ import annotations

from typing import Any

from tests.engine.conftest import wait_until

SAID = "why it ended: cancelled on request\n"


def _cancelled(cli: Any, run_id: int) -> str:
    assert cli("run", "cancel", str(run_id)).code == 0
    wait_until(lambda: cli("run", "show", str(run_id), "--json").json()["status"]
               == "cancelled", 15)
    return str(cli("run", "show", str(run_id)).out)


def test_every_cancel_says_why_it_ended_alike(spawn: Any, cli: Any) -> None:
    for name in ("going", "held"):
        assert cli("task", "add", name, "--manual", "--group", "one:1",
                   "--command", "sleep 30").code == 0
    idle = cli("task", "run", "going", "--json").json()["id"]  # no engine holds it
    assert SAID in _cancelled(cli, idle)
    engine = spawn()
    engine.wait_for("engine running")
    going = cli("task", "run", "going", "--json").json()["id"]
    wait_until(lambda: cli("run", "show", str(going), "--json").json()["status"]
               == "running", 15)
    held = cli("task", "run", "held", "--json").json()["id"]  # behind the group's limit
    # the engine took it, and holds it: the group's one place is taken
    wait_until(lambda: "group" in (cli("run", "show", str(held), "--json").json()["reason"]
                                   or ""), 15)
    cards = [_cancelled(cli, held), _cancelled(cli, going)]
    assert engine.stop() == 0
    for card in cards:
        assert SAID in card, card
        assert "        note: -\n" in card, card
    listed = {r["id"]: r for r in cli("run", "list", "--json").json()}
    assert {listed[r]["error"] for r in (idle, going, held)} == {"cancelled on request"}
