"""The store behaves the same on an SQLite file and on a PostgreSQL database: its schema and
version, claim ids and the ledger's uniqueness (within a transaction and across processes),
the audit chain, runs, tasks, retention, metric samples and the task queries.

Each test runs on both (`location`); the PostgreSQL half uses the session's own server
(tests/support/postgres.py, fixtures in tests/store/conftest.py) and is skipped, with one
line, where its binaries are absent.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import StoreError, ValidationError
from app.service import Service
from app.store import ledger, metric_samples, retention, runs, task_queries
from app.store.database import Store
from app.store.models import SCHEMA_VERSION, db
from app.store.times import utc_text
from tests.conftest import ROOT, command_task

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, home: Path) -> str | None:
    """None for the SQLite file under the home, else a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def opened(home: Path, location: str | None) -> Iterator[Store]:
    st = Store.open(home, url=location)
    yield st
    st.close()


@pytest.fixture
def svc(opened: Store) -> Service:
    return Service(opened, "cli")


def claim_row(task_id: int, fire: datetime, attempt: int = 1) -> tuple[Any, ...]:
    return (task_id, utc_text(fire), attempt, "queued", "schedule", utc_text(fire), None, None,
            "e1", None)


def test_a_new_store_has_the_schema_and_its_version(opened: Store, home: Path,
                                                    location: str | None) -> None:
    tables = set(db.get_tables())
    assert {"meta", "task", "run", "run_output", "audit_event", "metric_sample"} <= tables
    row = db.execute_sql("SELECT value FROM meta WHERE key = ?", ("schema_version",)).fetchone()
    assert int(row[0]) == SCHEMA_VERSION
    with opened.write():
        db.execute_sql("UPDATE meta SET value = ? WHERE key = ?", ("99", "schema_version"))
    opened.close()
    with pytest.raises(StoreError, match="schema version 99, newer"):
        Store.open(home, url=location)


def test_a_fire_is_claimed_once_and_ids_name_their_rows(svc: Service, opened: Store) -> None:
    a = svc.create_task(command_task("a")).id
    b = svc.create_task(command_task("b")).id
    with opened.write():
        first = ledger.claim(a, T0, 1, "queued", "schedule", T0, "e1")
        assert first is not None
        assert ledger.claim(a, T0, 1, "queued", "schedule", T0, "e2") is None
        ids = ledger.claim_many([claim_row(a, T0, 2), claim_row(a, T0), claim_row(b, T0),
                                 claim_row(b, T0), claim_row(b, T0 + timedelta(minutes=1))])
    assert ids[1] is None and ids[3] is None
    got = [i for i in ids if i is not None]
    assert len(set(got)) == 3
    with opened.read():
        for run_id, (task, fire, attempt) in zip(got, [(a, T0, 2), (b, T0, 1),
                                                      (b, T0 + timedelta(minutes=1), 1)],
                                                 strict=True):
            assert ledger_row(run_id) == (task, fire, attempt)
        assert runs.count() == 4
        assert runs.insert(a, T0, status="queued", trigger="manual", now=T0) is None


def ledger_row(run_id: int) -> tuple[int, datetime, int]:
    return runs.fire_of(run_id)


CLAIMER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from app.store import ledger
from app.store.database import Store
from app.store.times import utc_text
store = Store.open(Path(sys.argv[1]), url=sys.argv[2] or None)
t0 = datetime(2026, 3, 1, tzinfo=UTC)
won = 0
for i in range(0, 120, 6):
    rows = [(1, utc_text(t0 + timedelta(minutes=i + j)), 1, "queued", "schedule",
             utc_text(t0), None, None, sys.argv[3], None) for j in range(6)]
    with store.write():
        won += sum(1 for r in ledger.claim_many(rows) if r is not None)
print(won)
store.close()
"""


def test_two_processes_claiming_the_same_fires_claim_each_once(svc: Service, home: Path,
                                                              location: str | None) -> None:
    svc.create_task(command_task("a"))
    svc.store.close()
    procs = [subprocess.Popen([sys.executable, "-c", CLAIMER, str(home), location or "", name],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for name in ("e1", "e2")]
    won = [int(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(won) == 120
    store = Store.open(home, url=location)
    try:
        rows = db.execute_sql("SELECT scheduled_for, COUNT(*) FROM run GROUP BY scheduled_for"
                              ).fetchall()
        assert len(rows) == 120 and {n for _, n in rows} == {1}
    finally:
        store.close()


def test_the_audit_chain_verifies_and_names_an_edited_event(svc: Service) -> None:
    svc.create_task(command_task("a"))
    svc.create_task(command_task("b"))
    with pytest.raises(ValidationError):
        svc.create_task(command_task("a"))  # refused: no event, and no gap in the numbers
    svc.update_task("a", {"priority": 5})
    svc.delete_task("b")
    events = list(reversed(svc.audit_events()))
    assert [e["action"] for e in events] == ["task.create", "task.create", "task.update",
                                             "task.delete"]
    assert [e["id"] for e in events] == [1, 2, 3, 4]
    assert events[2]["before"]["priority"] == 0 and events[2]["after"]["priority"] == 5
    assert svc.verify_audit().ok
    with svc.store.write():
        db.execute_sql("UPDATE audit_event SET actor = ? WHERE id = ?", ("gui", 3))
    report = svc.verify_audit()
    assert not report.ok and report.event_id == 3 and "altered" in (report.problem or "")


def test_tasks_are_listed_searched_changed_and_deleted(svc: Service) -> None:
    svc.create_task(command_task("Backup Notes", tags=["home"]))
    svc.create_task(command_task("report_50%", description="Monthly"))
    svc.create_task(command_task("zeta", enabled=False))
    assert [t.spec.name for t in svc.list_tasks()] == ["Backup Notes", "report_50%", "zeta"]
    assert [t.spec.name for t in svc.list_tasks(search="NOTES")] == ["Backup Notes"]
    assert [t.spec.name for t in svc.list_tasks(search="50%")] == ["report_50%"]
    assert [t.spec.name for t in svc.list_tasks(search="_5")] == ["report_50%"]
    assert [t.spec.name for t in svc.list_tasks(search="monthly")] == ["report_50%"]
    assert [t.spec.name for t in svc.list_tasks(tag="home")] == ["Backup Notes"]
    assert [t.spec.name for t in svc.list_tasks(enabled=False)] == ["zeta"]
    assert [t.spec.name for t in svc.list_tasks(offset=1, limit=1)] == ["report_50%"]
    assert svc.count_tasks() == 3
    svc.update_task("zeta", {"priority": 7, "name": "omega"})
    assert svc.get_task("omega").spec.priority == 7
    svc.delete_task("omega")
    with svc.store.read():
        assert task_queries.sorted_names() == ["Backup Notes", "report_50%"]
        assert task_queries.ids_containing("notes") == {task_queries.id_of("Backup Notes")}


def test_the_engine_s_task_queries(svc: Service, opened: Store) -> None:
    boot = svc.create_task(command_task("boot", schedule={"kind": "cron", "expr": " @REBOOT"}))
    due = svc.create_task(command_task("due", schedule={"kind": "interval", "seconds": 60}))
    svc.create_task(command_task("off", enabled=False))
    with opened.write():
        ledger.set_next_many([(due.id, utc_text(T0)), (boot.id, None)])
    with opened.read():
        assert [t.spec.name for t in task_queries.startup()] == ["boot"]
        assert [t.spec.name for t in task_queries.overdue(T0)] == ["due"]
        assert task_queries.overdue(T0 - timedelta(seconds=1)) == []
        assert task_queries.next_fire() == T0
        nodes, edges, latest, active = task_queries.graph(["queued"])
        assert [(n[1], n[2]) for n in nodes] == [("boot", True), ("due", True), ("off", False)]
        assert edges == [] and latest == [] and active == []


def test_the_simulation_s_tasks_among_the_involved_and_their_group_peers(
        svc: Service, opened: Store) -> None:
    """What the simulation plays: enabled tasks that fire (a next run, or chained after
    others) — all, or those involved and whoever shares a concurrency group with them."""
    every = {"kind": "interval", "seconds": 60}
    a = svc.create_task(command_task("a", schedule=every, group="disk", group_limit=1)).id
    peer = svc.create_task(command_task("peer", schedule=every, group="disk")).id
    chained = svc.create_task(command_task("chained", schedule={"kind": "after",
                                                                "tasks": ["a"]})).id
    lone = svc.create_task(command_task("lone", schedule=every)).id
    svc.create_task(command_task("manual"))
    svc.create_task(command_task("off", schedule=every, enabled=False, group="disk"))
    with opened.read():
        assert task_queries.schedulable_ids(None) == [a, peer, chained, lone]
        assert task_queries.schedulable_ids({a}) == [a, peer]
        assert task_queries.schedulable_ids({chained, lone}) == [chained, lone]
        assert task_queries.schedulable_ids(set()) == []


def test_a_cut_off_last_attempt_claims_its_fallback_for_the_next_engine(
        svc: Service, opened: Store) -> None:
    """`ledger.interrupt` with a fallback (an engine's death or stop cut the last attempt
    off): the fallback's run is claimed `queued` for no engine, which the next one adopts,
    and the attempt's note names it; the task's own policy, as stored, names the fallback."""
    a = svc.create_task(command_task("a")).id
    fb = svc.create_task(command_task("fb")).id
    svc.update_task(a, {"fallback": "fb"}, verify=False)
    with opened.write():
        (cut,) = ledger.claim_many([claim_row(a, T0)])
        assert cut is not None
        follower = ledger.interrupt(cut, T0, "the engine died",
                                    fallback=(fb, "fb", f"fallback for a run {cut} (interrupted)"))
    with opened.read():
        assert follower is not None
        run = runs.get(follower)
        assert (run.task_id, run.status, run.trigger, run.parent_run_id, run.attempt) == (
            fb, "queued", "fallback", cut, 1)
        assert runs.unclaimed_manual() == [follower]
        assert runs.get(cut).reason == f"the engine died; fell back to “fb”, run {follower}"
        assert task_queries.policies_of({a, fb}) == {a: ("a", 0, (fb, "fb", True)),
                                                     fb: ("fb", 0, None)}
    with opened.write():  # the next engine's start takes it (and again, if that start is
        taken = ledger.adopt_all("next")  # retried after a fault)
        again = ledger.adopt_all("next")
    assert [(r[0], r[1], r[3]) for r in taken] == [(follower, fb, 1)] and again == taken
    with opened.read():
        assert runs.unclaimed_manual() == [] and runs.get(follower).status == "queued"


def test_runs_record_their_life_and_output(svc: Service, opened: Store) -> None:
    a = svc.create_task(command_task("a")).id
    with opened.write():
        first, second = ledger.claim_many([claim_row(a, T0), claim_row(a, T0, 2)])
        assert first is not None and second is not None
        ledger.start_many([(first, utc_text(T0), 12.5, 4242, 1.5), (second, utc_text(T0), 0.0,
                                                                     None, None)])
        ledger.output_many([(first, 0, "stdout", "hello", utc_text(T0)),
                            (first, 1, "stderr", "50% done", utc_text(T0))])
        ledger.output_many([(first, 1, "stderr", "again", utc_text(T0))])  # twice: kept once
        gone = 10**6  # a run deleted with its task while it ran: what it still sends is dropped
        ledger.output_many([(gone, 0, "stdout", "late", utc_text(T0))])
        ledger.add_metric(T0, "run", "{}", gone)
        ledger.finish_many([(first, "succeeded", utc_text(T0 + timedelta(seconds=3)), 0, None)])
        retry = ledger.interrupt(second, T0, "engine stopped", error="cut off",
                                 retry=(a, T0, 3, "e1"))
        ledger.note(first, "succeeded", "checked")
    with opened.read():
        run = runs.get(first)
        assert (run.status, run.exit_code, run.lateness_ms, run.reason) == (
            "succeeded", 0, 12.5, "checked")
        assert runs.output(first) == [(0, "stdout", "hello"), (1, "stderr", "50% done")]
        assert runs.output(gone) == []
        cut = runs.get(second)
        assert (cut.status, cut.error) == ("interrupted", "cut off")
        assert retry is not None and runs.get(retry).status == "retrying"
        assert [r.id for r in runs.page(0, 10)] == sorted([first, second, retry], reverse=True)
        assert runs.latest_runs([a])[a].id == retry
        assert [r.id for r in runs.newer(first, 10)] == [retry, second]
        assert runs.by_ids([first, 10**6, retry]) == [runs.get(retry), runs.get(first)]
        again = runs.by_ids([retry])[0]
        assert (again.task_name, again.attempt, again.status, again.parent_run_id) == (
            "a", 3, "retrying", second)
        assert ledger.latest_fire(a, T0) == (retry, T0, "retrying")
        assert ledger.latest_fires([a, a + 1000], T0) == {a: (retry, T0, "retrying")}
        assert ledger.latest_fires([a], T0 - timedelta(seconds=1)) == {}
        assert ledger.last_fire_time(a) == T0
        assert ledger.recent_durations(a) == [3.0]
        assert runs.claimed_unfinished(["retrying"])[0][0] == retry


def test_a_claim_for_a_task_deleted_meanwhile_claims_nothing(svc: Service,
                                                             opened: Store) -> None:
    """A retry or fallback decided just before its task was deleted: no row, no failed
    commit for the claims beside it."""
    a = svc.create_task(command_task("a")).id
    gone = svc.create_task(command_task("gone")).id
    svc.delete_task(gone)
    with opened.write():
        ids = ledger.claim_many([claim_row(a, T0), claim_row(gone, T0), claim_row(a, T0, 2)])
        alone = ledger.claim(gone, T0, 1, "queued", "manual", T0, "e1")
    assert ids[0] is not None and ids[1] is None and ids[2] is not None and alone is None
    with opened.read():
        assert runs.get(ids[2]).attempt == 2


def test_latest_runs_of_many_tasks_across_the_id_lists(svc: Service, opened: Store) -> None:
    """The newest run of each task asked for, among many ids (1,502, most of them no
    task's — one parameter carries them all): each task's newest run, with its name."""
    a = svc.create_task(command_task("a")).id
    b = svc.create_task(command_task("b")).id
    with opened.write():
        ids = ledger.claim_many([claim_row(a, T0), claim_row(a, T0 + timedelta(minutes=1)),
                                 claim_row(b, T0)])
    asked = [a, *range(10**6, 10**6 + 1500), b]  # ids no task has, between the two
    with opened.read():
        found = runs.latest_runs(asked)
    assert {task: run.id for task, run in found.items()} == {a: ids[1], b: ids[2]}
    assert (found[a].task_name, found[b].task_name) == ("a", "b")


def test_latest_fires_of_many_tasks_match_each_tasks_own(svc: Service, opened: Store) -> None:
    """Each task's latest fire at or before a moment, for many tasks in one statement: the
    same answer as one task's look-up, a later attempt of a fire winning over its first."""
    a = svc.create_task(command_task("a")).id
    b = svc.create_task(command_task("b")).id
    c = svc.create_task(command_task("c")).id
    later = T0 + timedelta(minutes=1)
    with opened.write():
        ledger.claim_many([claim_row(a, T0), claim_row(a, T0, 2), claim_row(a, later),
                           claim_row(b, later), claim_row(c, T0)])
    with opened.read():
        for moment in (T0 - timedelta(seconds=1), T0, later, later + timedelta(days=1)):
            one_by_one = {t: ledger.latest_fire(t, moment) for t in (a, b, c)}
            assert ledger.latest_fires([a, b, c, 10**6], moment) == {
                t: found for t, found in one_by_one.items() if found is not None}
        assert ledger.latest_fires([a], T0)[a][1:] == (T0, "queued")
        assert ledger.latest_fires([], later) == {}


def test_retention_lets_old_runs_go_with_their_output(svc: Service, opened: Store) -> None:
    a = svc.create_task(command_task("a", keep_runs=2, keep_days=1)).id
    fires = [T0 + timedelta(minutes=i) for i in range(5)]
    with opened.write():
        ids = ledger.claim_many([claim_row(a, f) for f in fires])
        ledger.finish_many([(i, "succeeded", utc_text(f), 0, None)
                            for i, f in zip(ids, fires, strict=True) if i is not None])
        ledger.output_many([(i, 0, "stdout", "x", utc_text(T0)) for i in ids if i is not None])
    with opened.read():
        policies = dict(retention.crowded_task_policies([a]))
        assert set(policies) == {a}
        # what the engine's look after runs finish asks: counted up to keep-runs + 1
        assert [(i, n) for i, _, n in retention.finished_counts([a, a + 999])] == [(a, 3)]
        expiry = retention.next_expiry(a, policies[a])
        assert expiry is not None and T0 < expiry <= T0 + timedelta(days=1, minutes=5)
    gone = retention.prune_task(a, policies[a], T0 + timedelta(days=3))
    assert gone == 3
    with opened.read():
        assert runs.count(task_id=a) == 2
        kept = [r.id for r in runs.page(0, 10, task_id=a)]
        assert kept == sorted([i for i in ids if i is not None])[-2:][::-1]
        left = db.execute_sql("SELECT COUNT(*) FROM run_output").fetchone()[0]
        assert left == 2
    assert retention.give_back_space() >= 0


def test_metric_samples_by_time_and_by_minute(svc: Service, opened: Store) -> None:
    with opened.write():
        for i, cpu in enumerate([10.0, 30.0, 50.0]):
            ledger.add_metric(T0 + timedelta(seconds=20 * i), "system",
                              f'{{"cpu": {cpu}, "mem": {i}}}', None)
        ledger.add_metric(T0 + timedelta(minutes=1), "system", '{"cpu": 5, "mem": 9}', None)
    with opened.read():
        assert len(metric_samples.system_since(T0 + timedelta(seconds=30))) == 2
        assert len(metric_samples.system_after(T0, limit=2)) == 2
        minutes = metric_samples.system_minutes(T0, T0 + timedelta(minutes=5),
                                                [("cpu", "MAX"), ("cpu", "AVG")])
        assert [(m, float(a), float(b)) for m, a, b in minutes] == [
            ("2026-03-01T12:00", 50.0, 30.0), ("2026-03-01T12:01", 5.0, 5.0)]


def test_another_connection_s_commit_changes_the_data_version(svc: Service,
                                                              opened: Store) -> None:
    before = opened.data_version()

    def other() -> None:  # a thread has its own connection, as another process would
        Service(opened, "cli").create_task(command_task("elsewhere"))
        opened.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(60)
    assert opened.data_version() != before


def test_a_stored_time_s_local_day_is_the_user_s(svc: Service, opened: Store) -> None:
    from app.store.backend import local_day_sql

    a = svc.create_task(command_task("a")).id
    late = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
    with opened.write():
        ledger.claim_many([claim_row(a, late), claim_row(a, late + timedelta(seconds=2))])
    with opened.read():
        days = [str(d) for (d,) in db.execute_sql(
            f"SELECT {local_day_sql('scheduled_for')} FROM run ORDER BY id").fetchall()]
    assert days == [t.astimezone().date().isoformat()
                    for t in (late, late + timedelta(seconds=2))]


def test_the_calendar_s_and_the_forecast_s_reads(svc: Service, opened: Store) -> None:
    from app.store import forecast_reads, run_days

    a = svc.create_task(command_task("a")).id
    b = svc.create_task(command_task("b", depends_on=["a"])).id
    fires = [T0 + timedelta(hours=h) for h in range(3)]
    with opened.write():
        ids = [i for i in ledger.claim_many([claim_row(a, f) for f in fires]) if i is not None]
        ledger.start_many([(i, utc_text(f), 0.0, None, None)
                           for i, f in zip(ids, fires, strict=True)])
        ledger.finish_many([(i, "succeeded", utc_text(f + timedelta(seconds=30)), 0, None)
                            for i, f in zip(ids, fires, strict=True)])
    day = T0.astimezone().date().isoformat()
    with opened.read():
        counted = run_days.counts(T0 - timedelta(days=1), T0 + timedelta(days=1), None)
        assert sum(n for _, status, n in counted if status == "succeeded") == 3
        assert {d for d, _, _ in counted} <= {day, (T0 + timedelta(hours=2)).astimezone()
                                              .date().isoformat()}
        first = run_days.runs([(T0, T0 + timedelta(days=1))], {a}, per_day=1)
        assert len(first) >= 1 and first[0][2] == "a"
        many = [a, *range(10**6, 10**6 + 1500), b]  # one parameter carries them all
        assert set(forecast_reads.versions(many)) == {a, b}
        assert ledger.task_names(set(many)) == {a: "a", b: "b"}
        assert forecast_reads.recent_durations_of_all(5)[a] == [30.0, 30.0, 30.0]
        assert (a in forecast_reads.finished_since(utc_text(T0))[0])
        assert (b, a, "wait") in forecast_reads.edges()


OPENER = """
import sys
from pathlib import Path
from app.service import Service
from app.store.database import Store
store = Store.open(Path(sys.argv[1]), url=sys.argv[2] or None)
Service(store, "cli").create_task({"name": sys.argv[3], "timezone": "UTC",
                                   "action": {"kind": "command", "argv": ["true"]}})
store.close()
"""


def test_processes_making_the_same_new_store_at_once_share_it(home: Path,
                                                              location: str | None) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(home), location or "", name],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)
             for name in ("one", "two", "three")]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    store = Store.open(home, url=location)
    try:
        service = Service(store, "cli")
        assert sorted(t.spec.name for t in service.list_tasks()) == ["one", "three", "two"]
        assert service.verify_audit().ok
    finally:
        store.close()


def test_an_sqlite_store_never_loads_the_postgresql_driver(home: Path) -> None:
    """peewee would import psycopg at every start (0.1-0.5 s): only a PostgreSQL store may."""
    code = ("import sys; from pathlib import Path; from app.cli.entry import main; "
            "from app.store.database import Store; Store.open(Path(sys.argv[1])).close(); "
            "print('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(home)], cwd=ROOT, text=True,
                         capture_output=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
