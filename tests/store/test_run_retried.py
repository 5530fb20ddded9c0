"""The Runs view's reads say "retried" for a failed attempt whose retry was claimed, as the
calendar does, on SQLite and PostgreSQL: in pages, counts, reads by id and of newer runs,
filtered by the statuses the window shows, and sorted by them; the stored statuses (what
`run list` says) are unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.service import Service
from app.store import runs
from app.store.models import RunRow
from tests.conftest import command_task
from tests.store.test_backends import location, opened, svc  # noqa: F401  (the fixtures)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_reads_say_retried_as_the_window_shows_it(svc: Service) -> None:  # noqa: F811
    task = svc.create_task(command_task("flaky")).id
    with svc.store.write():
        def run(minute: int, status: str, attempt: int = 1, parent: int | None = None) -> int:
            at = T0 + timedelta(minutes=minute)
            run_id = runs.insert(task, at, status=status, attempt=attempt, now=at,
                                 trigger="retry" if parent else "schedule",
                                 parent_run_id=parent)
            assert run_id is not None
            return run_id

        first = run(0, "failed")
        retry = run(0, "failed", 2, first)
        timed = run(1, "timed_out")
        fine = run(2, "succeeded")
        RunRow.update(status="timed_out").where(RunRow.id == first).execute()
    shown = {"shown": True}
    with svc.store.read():
        listed = {r.id: r.shown_status for r in runs.page(0, 10, **shown)}
        assert listed == {first: "retried", retry: "failed", timed: "timed_out",
                          fine: "succeeded"}
        assert runs.get(first).retried_as == retry and runs.get(retry).retried_as is None
        assert {r.id: r.status for r in runs.page(0, 10)}[first] == "timed_out"  # as stored
        for status, wanted in ((runs.RETRIED, {first}), ("timed_out", {timed}),
                               ("failed", {retry}), (runs.FINAL_FAILURE, {retry, timed})):
            filters = {"status": status, **shown}
            assert {r.id for r in runs.page(0, 10, **filters)} == wanted, status
            assert runs.count(**filters) == len(wanted)
            assert {r.id for r in runs.by_ids({first, retry, timed, fine}, **filters)} == wanted
            assert {r.id for r in runs.newer(0, 10, **filters)} == wanted
            typed = {"task_containing": "FLA", **filters}  # the view's typed task filter
            assert {r.id for r in runs.by_ids({first, retry, timed, fine}, **typed)} == wanted
        assert runs.count(status="timed_out") == 2  # the command line's: stored statuses
        ordered = [r.shown_status for r in runs.page(0, 10, "status", False, **shown)]
        assert ordered == sorted(ordered)
