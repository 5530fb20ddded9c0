"""Peewee models: the only description of the schema.

The database object is a proxy that `Store.open` points at the store's database — an SQLite
file (the default) or a PostgreSQL database (app/store/backend.py) — as the peewee docs
recommend for a database chosen at run time; one store is open per process. The same
models make the schema on both. Times are UTC, stored as
fixed-width ISO 8601 text so that they sort and compare as text and read well in sqlite3.
JSON columns hold plain data only: nothing read from the store is unpickled or evaluated.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import peewee as pw

from app.store.times import from_utc_text as from_utc_text  # re-exported
from app.store.times import utc_text as utc_text  # re-exported

db = pw.DatabaseProxy()

# 2: run.pgid and run.leader_created; 3: task.keep_runs/keep_days; 4: task.runs_on, run.celery_id;
# 5: task and run ids are never given twice (SQLite AUTOINCREMENT), names sort without case;
# 6: runs are indexed by status and finish time together (it was by status alone)
SCHEMA_VERSION = 6


class UtcDateTimeField(pw.TextField):
    """An aware datetime stored as UTC text; naive values are refused, not guessed."""

    def db_value(self, value: datetime | str | None) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if value.tzinfo is None:
            raise ValueError(f"{self.name}: naive datetime {value!r}")
        return utc_text(value)

    def python_value(self, value: str | None) -> datetime | None:
        return None if value is None else from_utc_text(value)


class JsonField(pw.TextField):
    """Plain JSON (compact, keys sorted so equal values store equally)."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class NeverReusedId(pw.AutoField):
    """A primary key never given twice: a deleted task's or run's id must not come back for
    a new one (its audit events, a late write of the engine and a person's memory all name
    it). SQLite gives the largest id again once its row is deleted unless the table says
    AUTOINCREMENT; a PostgreSQL serial never goes back."""

    def ddl(self, ctx: Any) -> Any:
        nodes = super().ddl(ctx)
        if isinstance(getattr(self.model._meta.database, "obj", None), pw.SqliteDatabase):
            return pw.NodeList((nodes, pw.SQL("AUTOINCREMENT")))
        return nodes


class BaseModel(pw.Model):
    class Meta:
        database = db
        legacy_table_names = False


class Meta(BaseModel):
    """Key/value facts about the store: schema version, audit head."""

    key = pw.CharField(primary_key=True)
    value = pw.TextField()


def set_meta(key: str, value: str) -> None:
    """Insert or replace one meta row (an upsert both SQLite and PostgreSQL speak)."""
    Meta.insert(key=key, value=value).on_conflict(
        conflict_target=[Meta.key], update={Meta.value: value}).execute()


class ConcurrencyGroup(BaseModel):
    name = pw.CharField(unique=True)
    limit = pw.IntegerField(default=1)


class TaskRow(BaseModel):
    id = NeverReusedId()
    name = pw.CharField(unique=True, max_length=200)
    description = pw.TextField(default="")
    enabled = pw.BooleanField(default=True, index=True)
    tags = JsonField(default=list)
    action = JsonField()
    action_text = pw.TextField(default="")  # searchable one-line form of the action
    schedule = JsonField()
    schedule_kind = pw.CharField(index=True)
    timezone = pw.CharField()
    start_at = UtcDateTimeField(null=True)
    end_at = UtcDateTimeField(null=True)
    priority = pw.IntegerField(default=0)
    retries = pw.IntegerField(default=0)
    retry_delay = pw.FloatField(default=10.0)
    backoff = pw.CharField(default="fixed")
    timeout = pw.FloatField(null=True)
    max_instances = pw.IntegerField(default=1)
    overlap = pw.CharField(default="skip")
    group = pw.ForeignKeyField(ConcurrencyGroup, null=True, on_delete="SET NULL")
    catch_up = pw.CharField(default="once")
    env = JsonField(default=dict)
    secret_env = JsonField(default=dict)  # env var -> secret name (a reference, never a value)
    notify = JsonField(default=dict)
    fallback = pw.ForeignKeyField("self", null=True, on_delete="SET NULL", backref="fallback_for")
    dependency_timeout = pw.FloatField(null=True)
    next_run_at = UtcDateTimeField(null=True, index=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    # history retention (app/core/keep.py); NULL takes the global default (meta keep_*)
    keep_runs = pw.IntegerField(null=True)
    keep_days = pw.IntegerField(null=True)
    runs_on = pw.CharField(default="local")  # local | celery | celery:QUEUE (core/placement.py)

    class Meta:
        table_name = "task"


# names sort as people read them, "greet" before "Nightly" (and a page of 100,000 names is
# still read in index order); made by the 4 → 5 migration for an older store
NAME_ORDER_INDEX = 'CREATE INDEX IF NOT EXISTS "task_name_lower" ON "task" (lower("name"))'
TaskRow.add_index(pw.SQL(NAME_ORDER_INDEX))


class Dependency(BaseModel):
    """An edge: `task` depends on `upstream`. kind 'wait' (depends_on) or 'trigger' (after)."""

    task = pw.ForeignKeyField(TaskRow, on_delete="CASCADE", backref="upstream_edges")
    upstream = pw.ForeignKeyField(TaskRow, on_delete="CASCADE", backref="downstream_edges")
    kind = pw.CharField(default="wait")

    class Meta:
        indexes = ((("task", "upstream", "kind"), True),)


class RunRow(BaseModel):
    """The run ledger: one row per attempt of one fire; the unique key is the claim."""

    id = NeverReusedId()
    task = pw.ForeignKeyField(TaskRow, on_delete="CASCADE", backref="runs")
    scheduled_for = UtcDateTimeField()
    attempt = pw.IntegerField(default=1)
    status = pw.CharField()  # indexed with finished_at (Meta): today's failures are a range
    trigger = pw.CharField(default="schedule")
    queued_at = UtcDateTimeField(null=True)
    started_at = UtcDateTimeField(null=True)
    finished_at = UtcDateTimeField(null=True, index=True)
    exit_code = pw.IntegerField(null=True)
    error = pw.TextField(null=True)
    lateness_ms = pw.FloatField(null=True)
    reason = pw.TextField(null=True)
    parent_run = pw.ForeignKeyField("self", null=True, on_delete="SET NULL")
    due_at = UtcDateTimeField(null=True)  # a retrying attempt starts no earlier than this
    checkpoint = JsonField(null=True)
    cancel_requested = pw.BooleanField(default=False)
    engine = pw.CharField(null=True)  # which engine instance claimed it
    # A command's process group (its leader's pid: commands start in their own session) and
    # the leader's start time (psutil `create_time()`, epoch seconds), written when it starts,
    # so the next engine can stop what a dead one left running without touching a reused pid.
    pgid = pw.IntegerField(null=True)
    leader_created = pw.FloatField(null=True)
    celery_id = pw.CharField(null=True)  # the Celery task id of a run sent to a worker

    class Meta:
        table_name = "run"
        indexes = (
            (("task", "scheduled_for", "attempt"), True),
            (("task", "id"), False),
            (("status", "finished_at"), False),
        )


class RunOutput(BaseModel):
    """Captured output of a run, in chunks, in order."""

    run = pw.ForeignKeyField(RunRow, on_delete="CASCADE", backref="output")
    seq = pw.IntegerField()
    stream = pw.CharField()  # stdout | stderr | tickwork
    text = pw.TextField()
    at = UtcDateTimeField()

    class Meta:
        indexes = ((("run", "seq"), True),)


class MetricSample(BaseModel):
    at = UtcDateTimeField(index=True)
    kind = pw.CharField()  # system | run | engine
    run = pw.ForeignKeyField(RunRow, null=True, on_delete="CASCADE")
    values = JsonField()

    class Meta:
        indexes = ((("kind", "at"), False),)


class AuditEvent(BaseModel):
    """Append-only; each row's hash covers the previous row's hash and this row's content."""

    at = UtcDateTimeField()
    actor = pw.CharField()
    action = pw.CharField()
    target = pw.TextField(null=True)
    before = JsonField(null=True)
    after = JsonField(null=True)
    prev_hash = pw.CharField()
    hash = pw.CharField()

    class Meta:
        table_name = "audit_event"


class SecretRef(BaseModel):
    """The name of a secret kept in the OS keyring; the value never enters the store."""

    name = pw.CharField(unique=True)
    created_at = UtcDateTimeField()

    class Meta:
        table_name = "secret"


# Runs an engine must look at: manual runs nobody took yet, and cancel requests. The status
# index keeps this cheap however long the history grows (only active runs are visited).
NEEDS_ATTENTION = ("status IN ('queued', 'waiting', 'running', 'retrying')"
                   " AND (engine IS NULL OR cancel_requested = TRUE)")

ALL_MODELS: list[type[BaseModel]] = [
    Meta, ConcurrencyGroup, TaskRow, Dependency, RunRow, RunOutput, MetricSample, AuditEvent,
    SecretRef,
]
