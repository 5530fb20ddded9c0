"""The leader's lease and the database's fence on a shared PostgreSQL store, at the store's
level: one lease at a time, an epoch bumped per takeover, a stale epoch's write refused by
the trigger (unfenced writes still allowed), the server ending a silent lease's session, and
who leads readable by anyone (`holder()`), with the takeovers audited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.service import Service
from app.store import ledger
from app.store.connection import end_transaction, write_batch
from app.store.database import Store
from app.store.leader import LEASE, LeaderLease, is_fenced, store_epoch
from app.store.lock import EngineLock, engine_lock
from app.store.models import AuditEvent, RunRow
from faults.harness import wait_until
from tests.conftest import command_task


@pytest.fixture
def pg_store(home: Path, pg_url: str) -> Iterator[Store]:
    store = Store.open(home, url=pg_url)
    yield store
    store.close()


def claim(task_id: int, minute: int, engine: str, epoch: int | None) -> int | None:
    at = datetime(2026, 1, 1, 0, minute, tzinfo=UTC)
    with write_batch(epoch):
        return ledger.claim(task_id, at, 1, "queued", "schedule", at, engine)


def test_the_lock_is_chosen_by_the_store_kind(home: Path, pg_url: str) -> None:
    assert isinstance(engine_lock(home, None), EngineLock)
    assert isinstance(engine_lock(home, pg_url), LeaderLease)


def test_a_stale_epoch_write_is_refused_by_the_database(pg_store: Store, pg_url: str) -> None:
    task = Service(pg_store, "cli").create_task(command_task("t"))
    first, second = LeaderLease(pg_url), LeaderLease(pg_url)
    try:
        assert first.try_acquire("a:1:1") and first.held and first.epoch is not None
        assert not second.try_acquire("b:2:2")  # one lease at a time
        old = first.epoch
        assert claim(task.id, 1, "a:1:1", old) is not None
        first.release()
        assert second.try_acquire("b:2:2") and second.epoch == old + 1
        assert store_epoch() == old + 1

        with pytest.raises(Exception) as refused:  # the deposed leader's claim
            claim(task.id, 2, "a:1:1", old)
        assert is_fenced(refused.value), refused.value
        end_transaction()
        with pytest.raises(Exception) as refused, write_batch(old):  # its state change
            ledger.update(1, {"status": "running"})
        assert is_fenced(refused.value)
        end_transaction()
        assert claim(task.id, 3, "b:2:2", second.epoch) is not None  # the leader's
        assert claim(task.id, 4, "", None) is not None  # unfenced (the CLI's) still go in
        engines = sorted(r.engine for r in RunRow.select())
        assert engines == ["", "a:1:1", "b:2:2"]
    finally:
        first.release()
        second.release()
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions.count("engine.lead") == 2 and "engine.fenced_off" not in actions


def test_a_silent_leader_loses_the_lease_to_the_server_and_is_named_fenced_off(
        pg_store: Store, pg_url: str) -> None:
    first, second = LeaderLease(pg_url), LeaderLease(pg_url)
    try:
        assert first.try_acquire("a:1:1")
        started = time.monotonic()
        # the leader says nothing (stopped): the server ends its session after LEASE s
        wait_until(lambda: second.try_acquire("b:2:2"), LEASE + 5)
        took = time.monotonic() - started
        assert not first.renew()  # the old leader finds out at its next renewal
        holder = LeaderLease(pg_url).holder()
        assert holder is not None and holder["engine"] == "b:2:2"
        assert holder["host"] and holder["pid"] and holder["epoch"] == second.epoch
        assert holder["since"] <= time.time()
    finally:
        first.release()
        second.release()
    print(f"lease taken over {took:.2f}s after the leader went silent")
    assert LeaderLease(pg_url).holder() is None  # released: nobody leads
    fenced = AuditEvent.get(AuditEvent.action == "engine.fenced_off")
    assert fenced.target == "a:1:1"
