"""`run list`'s NOTE says how each run ended in the words `task run --wait` and the window's
Runs view ("Result / note") use (`app.core.run.result_note`): it printed the raw error, every
line of a Python action's exception run together ("no such account\\x0achecked: …"), and
"; " where the window says " · ". `run show` keeps the error whole, and calls it an error only
when the run failed ("error: cancelled on request" read as a fault of the run's). A Python
action that succeeded said nothing beside a command's "exit code 0": it says "returned"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.engine.conftest import wait_until

ACTIONS = "tests.engine.worker_actions"


def _notes(cli: Any) -> dict[str, str]:
    """Each task's runs' NOTE cells, newest run first, as `run list` prints them."""
    header, *rows = cli("run", "list").out.splitlines()
    at = header.index("NOTE")
    notes: dict[str, str] = {}
    for row in rows:
        task = row.split()[1]
        notes[task] = (notes[task] + " | " if task in notes else "") + row[at:]
    return notes


def test_run_list_notes_say_each_end_as_the_wait_says_it(spawn: Any, cli: Any,
                                                         tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running on")
    gate = tmp_path / "gate"
    tasks = {
        "ok": ["--command", "true"],
        "three": ["--command", "sh -c 'exit 3'"],
        "raises": ["--python", f"{ACTIONS}:raise_lines"],
        "slow": ["--command", "sleep 30", "--timeout", "1s"],
        "killed": ["--shell", "--command", "kill -TERM $$"],
        "flaky": ["--command", "false", "--retries", "1", "--retry-delay", "1s"],
        "tidy": ["--python", "tests.support.actions:noop"],
        "held": ["--shell", "--command", f"until [ -e {gate} ]; do sleep 0.05; done"],
    }
    waits = {}
    for name, flags in tasks.items():
        assert cli("task", "add", name, "--manual", *flags).code == 0
        if name != "held":
            waits[name] = cli("task", "run", name, "--wait", "1m", timeout=70).out
    assert cli("task", "run", "held").code == 0
    wait_until(lambda: cli("run", "list", "--task", "held", "--status", "running",
                           "--json").json(), 20)
    assert cli("run", "cancel", str(cli("run", "list", "--task", "held", "--json")
                                    .json()[0]["id"])).code == 0
    wait_until(lambda: cli("run", "list", "--task", "held", "--status", "cancelled",
                           "--json").json(), 20)
    notes = _notes(cli)
    assert notes == {
        "ok": "exit code 0",  # (the window's Result says it too: it has no exit code column)
        "three": "exit code 3",
        "raises": "ValueError: no such account",  # its first line, as the window says it
        "slow": "timed out after 1 s",
        "killed": "killed by signal SIGTERM",
        "flaky": "exit code 1 · retry of run 6 (attempt 1 failed: exit code 1… | exit code 1 · "
                 "retried as run 7",  # (the newer first; its note cut at 60 columns)
        "tidy": "returned",  # (its value, if any, is in its output: "returned: …")
        "held": "cancelled on request",
    }, notes
    for name, said in waits.items():  # the same words as the wait's last line
        ended = notes[name].split(" | ")[0].split(" · ")[0]
        assert name in ("ok", "tidy") or said.splitlines()[-1].endswith(f"({ended})"), \
            (name, said)
    (raised,) = cli("run", "list", "--task", "raises", "--json").json()
    card = cli("run", "show", str(raised["id"])).out  # the error whole
    assert ("       error: ValueError: no such account\n"
            "              checked: ledger, archive\n") in card, card
    (held,) = cli("run", "list", "--task", "held", "--json").json()
    card = cli("run", "show", str(held["id"])).out  # a cancel is no error
    assert "why it ended: cancelled on request\n" in card, card
