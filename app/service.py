"""The one API the GUI, the CLI and the engine's bookkeeping call.

Every change is validated here (through `app.core`), written in one write transaction
with its audit event, then announced to listeners as a `Change`, so an engine in the same
process and every GUI view refresh what it touched (Anki's operation pattern)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app import preflight
from app.core import references
from app.core.edits import Opened, changed_spec, next_fire
from app.core.errors import NotFoundError, StoreError
from app.core.task import Task, TaskSpec
from app.secrets import Keyring
from app.service_runs import RunOperations
from app.service_secrets import Values
from app.service_transfer import NONE, TransferOperations
from app.store import bell, connection, task_queries, tasks
from app.store.database import Store

# the audit and the engine lock are imported where used: a command that reads needs neither
if TYPE_CHECKING:
    from app.store.audit_check import AuditReport

log = logging.getLogger(__name__)

ACTORS = ("gui", "cli", "engine")


@dataclass(frozen=True)
class Change:
    """What an operation changed; views and the engine refresh from this alone."""

    tasks: frozenset[int] = frozenset()
    deleted_tasks: frozenset[int] = frozenset()
    runs: frozenset[int] = frozenset()
    audit: bool = True


Listener = Callable[[Change], None]


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _readable(task_id: int) -> Task | None:
    """A task as read, or None when this version cannot read it (to delete it as stored)."""
    try:
        return tasks.get(task_id)
    except StoreError:
        return None


def _audited(spec: TaskSpec, created: datetime | None) -> dict[str, Any]:
    """A task as its audit event records it: its spec and, for an interval or calendar
    schedule with no start, the moment it counts from (its creation, "anchor"), which names
    a calendar schedule's day ("every month on day 15 at 09:00", not "every month at
    09:00")."""
    data = spec.to_json()
    if spec.schedule.anchored and spec.start_at is None and created is not None:
        data["anchor"] = created.isoformat()
    return data


class Service(RunOperations, TransferOperations):
    """Operations over one open store, on behalf of one actor (gui, cli or engine); its
    runs' in app/service_runs.py, its secrets' in app/service_secrets.py, its export and
    import in app/service_transfer.py."""

    def __init__(self, store: Store, actor: str) -> None:
        if actor not in ACTORS:
            raise ValueError(f"unknown actor {actor!r}")
        self.store = store
        self.actor = actor
        self.keyring = Keyring(store.home)
        self._listeners: list[Listener] = []

    # -- listeners -------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def _announce(self, change: Change) -> None:
        """An operation wrote `change`: the home's engine is rung (`_ring`, once it has
        committed), then this process's listeners are told. Every operation that changes
        tasks or runs ends here, so none is left unrung: task edits were (a `tickwork task
        pause` beside a busy engine was heard at its next poll, a fire or more later)."""
        if change.tasks or change.deleted_tasks or change.runs:
            self._ring()
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # a failing listener is logged, never breaks the operation
                log.exception("change listener %r failed", listener)

    def _ring(self) -> None:
        """A change of tasks or runs committed (a task's edit, a manual run, a cancel
        request): ring the home's engine, in another process or this one, so it looks at once
        (app/store/bell.py; a server's store has no bell: its engines poll)."""
        if self.store.url is None:  # (once it is committed: a command's own write holds it)
            home = self.store.home
            connection.after_commit(lambda: bell.ring(home))

    def _created(self, ids: frozenset[int]) -> None:
        self._announce(Change(tasks=ids))

    def _runs_changed(self, run_ids: frozenset[int], task_ids: frozenset[int]) -> None:
        self._announce(Change(runs=run_ids, tasks=task_ids))

    def _audit(self, action: str, target: str | None, before: Any, after: Any,
               now: datetime) -> None:
        self._audit_all([(action, target, before, after)], now)

    def _audit_all(self, events: list[tuple[str, str | None, Any, Any]], now: datetime) -> None:
        from app.store import audit  # loaded by the first change: reading tasks needs none of it

        audit.append_many(self.actor, events, now)

    # -- tasks: reading --------------------------------------------------------------------

    def get_task(self, ref: int | str) -> Task:
        with self.store.read():
            return tasks.get(ref)

    def task_id_name(self, ref: int | str) -> tuple[int, str]:
        """A task's id and name, also of one this version cannot read (to delete it)."""
        with self.store.read():
            row = tasks.find_row(ref)
            return int(row.id), str(row.name)

    def list_tasks(self, offset: int = 0, limit: int | None = None, **filters: Any) -> list[Task]:
        with self.store.read():
            return tasks.page(offset, limit if limit is not None else -1, **filters)

    def count_tasks(self, **filters: Any) -> int:
        with self.store.read():
            return tasks.count(**filters)

    # -- tasks: changing -------------------------------------------------------------------

    def create_task(self, data: dict[str, Any], now: datetime | None = None, *,
                    verify: bool = True, values: Values | None = None,
                    secrets: Mapping[str, str] = NONE) -> Task:
        """Validate and store a new task; raise ValidationError naming the field.

        `verify` also checks the action against this machine (`app.preflight`); `values`:
        its secrets' values as a caller already in a write read them before (`secret_values`);
        `secrets`: new ones to store with it (the editor's), only if it is saved."""
        now = _now(now)
        spec = TaskSpec.from_json(data, now=now)
        if verify:
            preflight.verify(spec, self.engine_path())
        values = self.ahead(secrets, values, spec.secret_env.values(),  # (before the lock)
                            lambda: (None, spec))
        with self.keyring_first(secrets), self.store.write():
            self.record_secrets(secrets, now)
            (task_id,) = self._insert_all([spec], now, "task.create", values)
            task = tasks.get(task_id)
        self._announce(Change(tasks=frozenset({task.id})))
        return task

    def _checked(self, batch: list[tuple[TaskSpec, int | None]], values: Values,
                 label: references.Label = references.plain, new: Iterable[str] = ()
                 ) -> list[TaskSpec]:
        """`batch` checked against the store (inside the caller's transaction; its secrets'
        `values` read before; `new` secrets stored with it), every reference a task name."""
        self.check_secret_env([(s, label(i, "secret_env")) for i, (s, _) in enumerate(batch)],
                              values)
        snapshot = tasks.snapshot()
        snapshot.secrets.update(new)
        return references.check(snapshot, batch, label)

    def _insert_all(self, specs: list[TaskSpec], now: datetime, action: str, values: Values,
                    label: references.Label = references.plain) -> list[int]:
        """Insert new tasks in bulk, with their links and one audit event each."""
        specs = self._checked([(spec, None) for spec in specs], values, label)
        groups: dict[str, Any] = {}
        next_runs: dict[tuple[Any, ...], datetime | None] = {}  # tasks often share schedules
        rows = []
        for spec in specs:
            try:
                next_run = next_runs[spec.timing]
            except KeyError:
                next_run = next_runs[spec.timing] = spec.next_fire_time(now, now)
            except TypeError:  # a schedule that cannot be a key: compute it on its own
                next_run = spec.next_fire_time(now, now)
            rows.append({**tasks.row_values(spec, next_run, now, groups), "created_at": now})
        ids = tasks.insert_many(specs, rows)
        # the audit records each task as the store reads it back: references are names
        # already, and a group's limit is the group's (a spec may leave it unset)
        for i, spec in enumerate(specs):
            if spec.group and spec.group_limit != groups[spec.group].limit:
                specs[i] = spec.with_changes(group_limit=groups[spec.group].limit)
        self._audit_all([(action, spec.name, None, _audited(spec, now)) for spec in specs], now)
        return [ids[spec.name] for spec in specs]

    def update_task(self, ref: int | str, changes: dict[str, Any],
                    now: datetime | None = None, *, verify: bool = True,
                    since: Opened | None = None, overwrite: bool = False,
                    values: Values | None = None, secrets: Mapping[str, str] = NONE) -> Task:
        """Apply `changes` (`changed_spec`). With `verify`, a changed action (or PATH) is
        checked on this machine; a task whose folder vanished can still be paused, renamed
        or moved. A form passes the task as it read it (`since`): see app/core/edits.py.
        `values`, `secrets`: as `create_task`'s."""
        now = _now(now)
        if values is None:  # (read before the store's lock)
            values = self.secrets_of_update(ref, changes)

        def changed() -> tuple[Task, TaskSpec | None]:
            before = tasks.get(ref)  # and the task as changed (None: nothing is)
            spec = changed_spec(before, changes, now, since, overwrite,
                                task_queries.one_shots_run(before))  # (they stay done)
            if spec != before.spec and verify:
                preflight.verify_change(spec.action, spec.env.get("PATH"), before.spec,
                                        self.engine_path())
            return before, None if spec == before.spec else spec

        values = self.ahead(secrets, values, (), changed)
        with self.keyring_first(secrets), self.store.write():
            before, spec = changed()
            self.record_secrets(secrets, now)
            if spec is None and not secrets:  # nothing changed, nothing audited (as a pause
                return before                 # of a paused task)
            task = self._save(before, spec, now, "task.update", values) if spec else before
        self._announce(Change(tasks=frozenset({task.id})))
        self.forget_own_secrets(before.spec, task.spec, now)
        return task

    def _save(self, before: Task, spec: TaskSpec, now: datetime, action: str,
              values: Values | None = None, *, links_changed: bool = True) -> Task:
        """Store a changed spec; `links_changed` False (a pause or resume) skips the checks
        of names and references, which reads every task and cannot fail then. Its stored next
        fire stays unless its timing changed (a fire missed while no engine ran is caught up); a
        one-shot that has run never fires again (app/core/edits.py)."""
        if links_changed:
            (spec,) = self._checked([(spec, before.id)], values or {})
        next_run = (before.next_run_at if spec.timing == before.spec.timing
                    else next_fire(spec, now, before.created_at or now,
                                   task_queries.one_shots_run(before)))
        tasks.update_row(before.id, tasks.row_values(spec, next_run, now))
        tasks.write_links(before.id, spec)
        task = tasks.get(before.id)
        self._audit(action, spec.name, _audited(before.spec, before.created_at),
                    _audited(task.spec, task.created_at), now)
        return task

    def delete_task(self, ref: int | str, *, force: bool = False,
                    now: datetime | None = None) -> None:
        """Delete a task and its history; refuse while it runs or others need it unless
        forced (an engine then cancels its runs and stops their processes; the tasks that
        lose their links to it are audited as changed). A task this version cannot read
        (left out of every load, app/store/tasks.py) is deleted as it is stored."""
        self.delete_many([ref], force=force, now=now)

    def delete_many(self, refs: Sequence[int | str], *, force: bool = False,
                    missing_ok: bool = False, now: datetime | None = None
                    ) -> list[tuple[int, str]]:
        """Delete these tasks as `delete_task` does, in one commit (the window's Delete on
        200 selected took a commit each, seconds); each deleted task audited as it was, each
        task left that loses links to them once, as it was and is. All or none: one that
        runs or that a task not deleted with it needs refuses them all unless forced, named;
        one not found refuses them all too, unless `missing_ok` (the window's: deleted
        elsewhere meanwhile), when it is passed over. The ids and names deleted."""
        now = _now(now)
        with self.store.write():
            rows: dict[int, Any] = {}  # id -> its row (a task named twice is deleted once)
            for ref in refs:
                try:
                    row = tasks.find_row(ref)
                except NotFoundError:
                    if missing_ok:
                        continue
                    raise
                rows.setdefault(int(row.id), row)
            going = frozenset(str(row.name) for row in rows.values())
            read = task_queries.read_together(list(rows))
            found = {i: read[i] if i in read else _readable(i) for i in rows}
            for task in [] if force else found.values():
                refusal = None if task is None else task_queries.in_use(task.id, task.name,
                                                                        going)
                if refusal is not None:
                    raise refusal
            linked = [tasks.get(i) for i in sorted(set().union(
                *(task_queries.linked_ids(i) for i in rows)) - set(rows))]
            events: list[tuple[str, str | None, Any, Any]] = []
            for task_id, row in rows.items():
                tasks.delete(task_id)
                task = found[task_id]
                events.append(("task.delete", row.name, {"name": row.name} if task is None
                               else _audited(task.spec, task.created_at), None))
            for was in linked:
                events.append(("task.update", was.name, _audited(was.spec, was.created_at),
                               _audited(tasks.get(was.id).spec, was.created_at)))
            self._audit_all(events, now)
        if rows:
            self._announce(Change(tasks=frozenset(t.id for t in linked),
                                  deleted_tasks=frozenset(rows)))
        for task in found.values():
            if task is not None:
                self.forget_own_secrets(task.spec, None, now)
        return [(i, str(row.name)) for i, row in rows.items()]

    def set_enabled(self, ref: int | str, enabled: bool, now: datetime | None = None) -> Task:
        """Pause (disable) or resume (enable) a task."""
        return self.set_enabled_many([ref], enabled, now)[0]

    def set_enabled_many(self, refs: list[int | str], enabled: bool,
                         now: datetime | None = None) -> list[Task]:
        """Pause or resume these tasks in one commit, each audited (200 selected took 7 s, a
        commit each); the tasks, as they now are."""
        return self._set_enabled(lambda: refs, enabled, now)[0]

    def set_all_enabled(self, enabled: bool, now: datetime | None = None) -> int:
        """Pause or resume every task; returns how many changed."""
        return len(self._set_enabled(lambda: task_queries.ids_not_enabled(enabled), enabled,
                                     now)[1])

    def _set_enabled(self, refs: Callable[[], Iterable[int | str]], enabled: bool,
                     now: datetime | None) -> tuple[list[Task], set[int]]:
        """The tasks `refs()` names (read in the write) paused or resumed, in one commit;
        them as they now are, and the ids that changed."""
        now = _now(now)
        out: list[Task] = []
        changed: set[int] = set()
        with self.store.write():
            for ref in refs():
                before = tasks.get(ref)
                if before.spec.enabled != enabled:
                    before = self._save(before, before.spec.with_changes(enabled=enabled), now,
                                        "task.resume" if enabled else "task.pause",
                                        links_changed=False)
                    changed.add(before.id)
                out.append(before)
        if changed:
            self._announce(Change(tasks=frozenset(changed)))
        return out, changed

    # -- audit -----------------------------------------------------------------------------

    def audit_events(self, offset: int = 0, limit: int = 100, search: str | None = None,
                     actor: str | None = None) -> list[dict[str, Any]]:
        from app.store import audit_log

        with self.store.read():
            return [e.to_json() for e in audit_log.page(offset, limit, search=search,
                                                          actor=actor)]

    def verify_audit(self) -> AuditReport:
        from app.store import audit_check

        with self.store.read():
            return audit_check.verify()
