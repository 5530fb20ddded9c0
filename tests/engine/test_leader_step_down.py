"""A leader is fenced off by the database itself, not by its own good manners: the store's
epoch moves on while this engine still believes it holds its lease (a split brain its lease
did not catch), and its next writes are refused by the fence trigger. The engine drops them,
says so once (state, notification, one error line, no traceback), fires nothing more in
that term — and, since nobody else holds the lease, takes it again and fires on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.engine.engine import Engine
from app.engine.events import EngineState, Notification
from app.service import Service
from app.store import backend
from app.store.database import Store
from app.store.leader import EPOCH_KEY
from tests.conftest import command_task
from tests.engine.conftest import Recorder, wait_until
from tests.support.postgres import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]


@pytest.fixture
def pg_store(home: Path, pg_url: str) -> Iterator[Store]:
    store = Store.open(home, url=pg_url)
    yield store
    store.close()


def test_writes_of_a_stale_epoch_are_refused_and_the_engine_steps_down(
        pg_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    service = Service(pg_store, "cli")
    service.create_task(command_task("tick", schedule={"kind": "interval", "seconds": 1}))
    engine = Engine(pg_store, workers=2, metrics=False, backups=False, pace=0.1)
    events = Recorder()
    engine.subscribe(events)
    try:
        assert engine.start() == "running"
        first = engine.lock.epoch
        wait_until(lambda: service.list_runs(task="tick", status="succeeded"), 15)
        with pg_store.write():  # another engine's takeover, unseen by this one's lease
            backend.execute("UPDATE meta SET value = CAST(CAST(value AS bigint) + 1 AS text)"
                            " WHERE key = ?", (EPOCH_KEY,))
        bumped = datetime.now(UTC)
        wait_until(lambda: engine.leadership.steps_down == 1, 15)
        assert engine.writer.dropped > 0  # refused by the trigger, then dropped
        wait_until(lambda: engine.state == "running" and engine.lock.epoch == first + 2, 15)
        again = engine.lock.epoch
        wait_until(lambda: [r for r in service.list_runs(task="tick", limit=1000)
                            if r.status == "succeeded" and r.queued_at > bumped], 15)
    finally:
        engine.stop(grace=2)
    assert again == first + 2  # its own epoch, the bumped one, then its new term's
    states = [(e.state, e.detail) for e in events.of(EngineState)]
    fenced = [d for s, d in states if s == "standby"]
    assert len(fenced) == 1 and fenced[0].startswith("fenced off"), states
    titles = [n.title for n in events.of(Notification)]
    assert titles.count("Tickwork: another engine leads this store") == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "fenced off" in errors[0], errors
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
