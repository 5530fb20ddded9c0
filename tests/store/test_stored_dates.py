"""A one-off date read back from the store without JSON or validation (the engine loads
thousands of one-shot tasks a second; app/store/task_rows.py): the same schedule the full
reading gives, for every offset the store can hold, and a date the store should not hold
(edited by hand: naive, a named zone) still read and judged by the full reading."""

from __future__ import annotations

import json
from datetime import timezone

import pytest

from app.core.errors import ValidationError
from app.core.schedule import Schedule
from app.service import Service
from app.store import tasks as task_store
from app.store.models import db
from tests.conftest import command_task


@pytest.mark.parametrize("at", [
    "2099-12-08T16:00:00+00:00", "2099-12-08T16:00:00.123456+00:00",
    "2099-12-08T16:00:00+01:00", "2099-06-30T23:59:59.5-05:30", "2099-01-01T00:00:00+14:00",
])
def test_a_stored_date_reads_back_as_the_full_reading_gives_it(service: Service, at: str
                                                                ) -> None:
    task = service.create_task(command_task("once", schedule={"kind": "date", "at": at}))
    stored = db.execute_sql("SELECT schedule FROM task WHERE id = ?", (task.id,)).fetchone()[0]
    full = Schedule.from_json(json.loads(stored))
    with service.store.read():
        loaded, = task_store.load_ids([task.id], with_last_run=False)
    read = loaded.spec.schedule
    assert read == full and read.to_json() == full.to_json() and hash(read) == hash(full)
    assert read.at is not None and full.at is not None
    assert read.at.utcoffset() == full.at.utcoffset() and read.at.fold == 0
    assert read.at.tzinfo is not None and type(read.at.tzinfo) is timezone


@pytest.mark.parametrize("edited", ["2026-12-08T16:00:00", "2026-12-08T16:00:00 Europe/Paris",
                                    "2026-13-08T16:00:00+00:00"])
def test_a_date_edited_by_hand_is_judged_by_the_full_reading(service: Service, edited: str
                                                             ) -> None:
    task = service.create_task(command_task("once", schedule={
        "kind": "date", "at": "2099-01-01T00:00:00+00:00"}))
    db.execute_sql("UPDATE task SET schedule = ? WHERE id = ?",
                   (json.dumps({"at": edited, "kind": "date"}, separators=(",", ":")),
                    task.id))
    with service.store.read(), pytest.raises(ValidationError) as refused:
        task_store.load_ids([task.id], with_last_run=False, strict=True)
    assert refused.value.field == "at", refused.value
