"""`run show` of a retry: its "scheduled" is the time of the fire it retries and its lateness
is from when the retry was due, which the card did not say — "scheduled 12:00:00, started
12:00:02, late 7.5 ms" read as a contradiction. It says them as the window's run details do
("(the fire it retries)", "after its retry was due"); a first attempt's card is as it was."""

from __future__ import annotations

from typing import Any


def _card(cli: Any, run: int) -> dict[str, str]:
    shown = cli("run", "show", str(run))
    assert shown.code == 0, shown.err
    return {key.strip(): value for key, _, value in
            (line.partition(": ") for line in shown.out.splitlines())}


def test_run_show_says_a_retrys_fire_and_lateness_as_the_window_does(spawn: Any,
                                                                    cli: Any) -> None:
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "flaky", "--manual", "--command", "false", "--retries", "1",
               "--retry-delay", "1s").code == 0
    assert cli("task", "run", "flaky", "--wait", "1m", timeout=70).code == 1
    first, retry = sorted(cli("run", "list", "--json").json(), key=lambda r: r["id"])
    assert retry["trigger"] == "retry"
    card = _card(cli, retry["id"])
    scheduled = _card(cli, first["id"])["scheduled"]  # the fire's time, the first's too
    assert card["scheduled"] == f"{scheduled} (the fire it retries)", card
    assert card["late"] == f"{retry['lateness_ms']:.1f} ms after its retry was due", card
    assert _card(cli, first["id"])["late"] == f"{first['lateness_ms']:.1f} ms"
