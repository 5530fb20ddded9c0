"""`tickwork simulate` while a real engine holds a catch-up back: the forecast takes the runs
claimed and not started as the engine has them, so an on-time fire of the same task meets
the catch-up waiting there (its overlap rule), as in the engine, instead of running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.rules import catch_up_reason
from app.store.models import RunRow, TaskRow
from faults.harness import wait_until
from tests.engine.test_simulate_going_now import typical

HOG = 4.0  # seconds Hog's catch-up runs (its history says so too)


def _runs(service: Any, name: str) -> list[Any]:
    return sorted(service.list_runs(task=name, limit=500), key=lambda r: r.scheduled_for)


def test_an_on_time_fire_beside_a_held_catch_up_is_skipped_as_the_engine_skips_it(
        spawn: Any, cli: Any, service: Any) -> None:
    """Hog and Poll share a group of one; both were missed while no engine ran. The engine
    starts Hog's catch-up (HOG s) and holds Poll's back, and while it waits skips Poll's
    on-time fires (overlap: skip: a run of Poll not ended yet). The forecast read the store
    without that held catch-up: it ran Poll's next on-time fire at Hog's end, “delayed”, and
    never listed the catch-up. It lists what the engine did."""
    assert cli("task", "add", "Hog", "--command", f"sleep {HOG:g}", "--every", "1h",
               "--group", "g:1").code == 0
    assert cli("task", "add", "Poll", "--command", "true", "--cron", "*/2 * * * * *",
               "--group", "g").code == 0
    typical(service.get_task("Hog").id, HOG)
    now = datetime.now(UTC)  # no engine ran: Hog's fire missed first, then Poll's
    for name, ago in (("Hog", 10), ("Poll", 5)):
        TaskRow.update(next_run_at=now - timedelta(minutes=ago)).where(
            TaskRow.name == name).execute()
    spawn(grace=0.1)

    def held() -> bool:
        return any(r.trigger == "catch_up" and r.status == "waiting"
                   for r in _runs(service, "Poll"))
    wait_until(held, 30)
    asked = datetime.now(UTC)
    result = cli("simulate", "--from", asked.isoformat(), "--hours", "0.003", "--json")
    assert result.code == 0, result.err
    listed = [(datetime.fromisoformat(i["fire_at"]), i["kind"], i["reason"] or "")
              for i in result.json() if i["task_name"] == "Poll"]

    def caught_up() -> bool:
        runs = _runs(service, "Poll")
        done = [r for r in runs if r.trigger == "catch_up" and r.status == "succeeded"]
        return bool(done) and any(r.started_at is not None and r.started_at > done[0].started_at
                                  for r in runs if r.trigger == "schedule")
    wait_until(caught_up, 30)
    runs = [r for r in _runs(service, "Poll") if r.trigger == "catch_up"
            or r.scheduled_for > asked]
    (catch_up,) = [r for r in runs if r.trigger == "catch_up"]

    # the engine: every on-time fire while its catch-up waited was skipped, then it ran
    before = [r for r in runs if r.trigger == "schedule" and r.scheduled_for < catch_up.started_at]
    assert before and all(r.status == "skipped" for r in before), runs
    # the forecast: the same, the catch-up first to run, when Hog is expected to end
    caught = [at for at, _kind, reason in listed if reason.startswith("catch-up (once)")]
    assert len(caught) == 1, listed
    (ran_at,) = caught
    first = [kind for at, kind, _reason in listed if at < ran_at]
    assert first and set(first) == {"skipped"}, listed
    assert abs((ran_at - catch_up.started_at).total_seconds()) < 1.0, (ran_at, catch_up)
    # fires well clear of either end of Hog's run are judged alike
    ends = (ran_at, catch_up.started_at)
    clear = [r.scheduled_for for r in before
             if all(abs((r.scheduled_for - end).total_seconds()) > 0.6 for end in ends)]
    skipped = {at for at, kind, _ in listed if kind == "skipped"}
    assert clear and all(at in skipped for at in clear), (clear, listed)


def test_a_held_catch_up_is_not_planned_again_while_the_next_fire_is_being_written(
        cli: Any, service: Any) -> None:
    """A live engine had claimed Poll's catch-up and held it; Poll's next fire in the store
    was a moment behind (the engine firing it, its write not committed), so the forecast
    took Poll for overdue as if no engine ran and planned a catch-up of its own: two
    catch-ups listed (a loaded run's `make test`). The engine makes one."""
    assert cli("task", "add", "Poll", "--command", "true", "--cron", "*/2 * * * * *").code == 0
    poll = service.get_task("Poll").id
    now = datetime.now(UTC)
    held_fire = now - timedelta(minutes=5)
    RunRow.create(task=poll, scheduled_for=held_fire, attempt=1, status="waiting",
                  trigger="catch_up", queued_at=now - timedelta(seconds=3), engine="live:1:1",
                  reason=catch_up_reason("once", "150 fires"))
    TaskRow.update(next_run_at=now - timedelta(seconds=1)).where(TaskRow.id == poll).execute()
    result = cli("simulate", "--from", now.isoformat(), "--hours", "0.003", "--json")
    assert result.code == 0, result.err
    caught = [i for i in result.json()
              if i["task_name"] == "Poll" and (i["reason"] or "").startswith("catch-up")]
    assert len(caught) == 1, caught
