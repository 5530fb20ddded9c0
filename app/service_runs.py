"""The Service's runs: manual runs queued (Run now, Re-run, `tickwork task run`), a cancel
asked (of one run, or of every run in progress of some tasks), and the run ledger read for
the views and the CLI.

A manual run is a `queued` row no engine has taken; the engine in this process hears of it
from the change announced (`_runs_changed`), one in another process from the home's bell
(app/store/bell.py), and starts it. Runs of many tasks are queued in one commit
(`run_now_many`: the window's Run now on 200 selected took a commit each, seconds).

A cancel ends at once a run no live engine holds; one a live engine holds is asked of it
(the same rule for Cancel run, Stop runs, `run cancel` and `task cancel`), and that engine
hears of it as of a manual run, and records how the run ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.errors import NotFoundError, ValidationError
from app.core.next_due import Retry
from app.core.run import CANCELLED, Run
from app.core.task import FINISHED_STATUSES
from app.store import cancels, runs, task_queries, tasks
from app.store.database import Store


@dataclass(frozen=True)
class Stopped:
    """What a cancel of tasks' runs in progress did (`cancel_runs_of`), each run as its commit
    left it: `cancelled`, those it ended at once or asked the engine that holds them to stop
    (still as they were until that engine ends them), and `asked_before`, those whose cancel
    a live engine had been asked already (left to it, not asked nor audited again)."""

    tasks: Mapping[int, str]  # the tasks found: id, name, in the order given
    cancelled: list[Run]
    asked_before: list[Run]


class RunOperations:
    store: Store
    actor: str

    def _audit_all(self, events: list[tuple[str, str | None, Any, Any]], now: datetime) -> None:
        raise NotImplementedError  # (the Service's)

    def _runs_changed(self, run_ids: frozenset[int], task_ids: frozenset[int]) -> None:
        raise NotImplementedError  # (the Service's: said to its listeners, the engine rung)

    def run_now(self, ref: int | str, now: datetime | None = None) -> Run:
        """Queue a manual run; the engine (in this process or another) starts it."""
        return self.run_now_many([ref], now)[0]

    def run_now_many(self, refs: Sequence[int | str], now: datetime | None = None
                     ) -> list[Run]:
        """Queue a manual run of each of these tasks (one named twice runs twice) in one
        commit, each audited as `run_now` audits it; the runs, in the order asked. All or
        none: a task that cannot run (not found, a zone this machine lacks) refuses them
        all, named, and nothing is queued."""
        now = now if now is not None else datetime.now(UTC)
        queued: list[tuple[int, int, str]] = []  # (run id, task id, task name)
        with self.store.write():
            ids = [int(tasks.find_row(ref).id) for ref in refs]  # (one not found: as named)
            read = task_queries.read_together(list(dict.fromkeys(ids)))
            for task_id in ids:
                task = tasks.runnable(read.get(task_id) or task_id)
                at, run_id = now, None
                while run_id is None:  # two manual runs in one microsecond: take the next one
                    run_id = runs.insert(task.id, at, status="queued", trigger="manual", now=at)
                    at += timedelta(microseconds=1)
                queued.append((run_id, task.id, task.name))
            self._audit_all([("task.run_now", name, None, {"run_id": run_id})
                             for run_id, _task_id, name in queued], now)
            by_id = {run.id: run for run in runs.by_ids(r for r, _t, _n in queued)}
        if queued:
            self._runs_changed(frozenset(by_id), frozenset(t for _r, t, _n in queued))
        return [by_id[run_id] for run_id, _t, _n in queued]

    def cancel_run(self, run_id: int, now: datetime | None = None) -> Run:
        """Cancel a run. One no engine has taken yet ends at once; one an engine holds is
        asked to stop, and that engine records how it ended."""
        now = now if now is not None else datetime.now(UTC)
        with self.store.write():
            run = runs.get(run_id)
            if run.status in FINISHED_STATUSES:
                raise ValidationError("run", f"run {run_id} already finished ({run.status})")
            self._cancel(run_id, cancels.engine_of(run_id), self._engine_alive(), now)
            self._audit_all([("run.cancel", f"{run.task_name}#{run_id}",
                              {"status": run.status}, None)], now)
            run = runs.get(run_id)
        self._runs_changed(frozenset({run_id}), frozenset({run.task_id}))
        return run

    def cancel_runs_of(self, refs: Sequence[int | str], now: datetime | None = None, *,
                       missing_ok: bool = False) -> Stopped:
        """Cancel every run in progress (queued, waiting, running, retrying) of these tasks in
        one commit, each as `cancel_run` cancels it and audited as it audits it, all said to
        the engine at once (Stop runs on 200 selected, `tickwork task cancel`). A run that
        ended before this commit is no longer in progress: passed over, no error. A task not
        found refuses them all, named; with `missing_ok` (a window's selection, deleted
        meanwhile with its runs) it is passed over."""
        now = now if now is not None else datetime.now(UTC)
        found: dict[int, str] = {}
        with self.store.write():
            for ref in refs:
                try:
                    row = tasks.find_row(ref)
                except NotFoundError:
                    if not missing_ok:
                        raise
                    continue
                found[int(row.id)] = str(row.name)
            going = cancels.in_progress(found)
            alive = self._engine_alive() if going else False
            # a request a live engine has not acted on yet is left to it; one whose engine
            # died is ended here, as `cancel_run` ends it
            before = {r.run_id for r in going if r.cancel_requested and r.engine is not None
                      and alive}
            asked = [r for r in going if r.run_id not in before]
            for run in asked:
                self._cancel(run.run_id, run.engine, alive, now)
            if asked:
                self._audit_all([("run.cancel", f"{found[r.task_id]}#{r.run_id}",
                                  {"status": r.status}, None) for r in asked], now)
            read = {r.id: r for r in runs.by_ids(r.run_id for r in going)} if going else {}
        if asked:
            self._runs_changed(frozenset(r.run_id for r in asked),
                               frozenset(r.task_id for r in asked))
        return Stopped(found, [read[r.run_id] for r in asked],
                       [read[r.run_id] for r in going if r.run_id in before])

    def _engine_alive(self) -> bool:
        """Whether an engine holds this store now (one that claimed a run is asked to stop
        it; with none alive, nobody would)."""
        from app.store.lock import engine_lock

        return engine_lock(self.store.home, self.store.url).holder() is not None

    def _cancel(self, run_id: int, engine: str | None, engine_alive: bool,
                now: datetime) -> None:
        """Cancel one run in progress: asked of the live engine that holds it, else ended."""
        if engine is not None and engine_alive:
            cancels.request_cancel(run_id)
        else:
            cancels.cancel(run_id, now, CANCELLED)  # (who asked: in the audit)

    def runs_in_progress(self, task_ids: Iterable[int]) -> dict[int, list[int]]:
        """The ids of these tasks' runs in progress (queued, waiting, running, retrying), by
        task, oldest first; a task with none is left out."""
        found: dict[int, list[int]] = {}
        with self.store.read():
            for run in cancels.in_progress(task_ids):
                found.setdefault(run.task_id, []).append(run.run_id)
        return found

    def first_retries(self, task_ids: Iterable[int]) -> dict[int, Retry]:
        """Each task's retry waiting out its delay that falls due first (app/core/next_due)."""
        with self.store.read():
            return runs.first_retries(list(task_ids))

    def get_run(self, run_id: int) -> Run:
        with self.store.read():
            return runs.get(run_id)

    def follower_of(self, run_id: int, trigger: str = "retry") -> Run | None:
        with self.store.read():  # its retry or fallback, claimed in the commit that ended it
            return runs.follower_of(run_id, trigger)

    def list_runs(self, offset: int = 0, limit: int = 100, task: int | str | None = None,
                  status: str | None = None, since: datetime | None = None,
                  until: datetime | None = None) -> list[Run]:
        with self.store.read():
            task_id = task_queries.id_of(task) if task is not None else None
            return runs.page(offset, limit, task_id=task_id, status=status, since=since,
                             until=until)

    def count_runs(self, task: int | str | None = None, status: str | None = None,
                   since: datetime | None = None, until: datetime | None = None) -> int:
        with self.store.read():
            task_id = task_queries.id_of(task) if task is not None else None
            return runs.count(task_id=task_id, status=status, since=since, until=until)

    def run_samples(self, run_id: int) -> list[tuple[datetime, float, float]]:
        """A run's resource samples: (time, CPU %, resident MiB), oldest first."""
        from app.store import metric_samples

        with self.store.read():
            return metric_samples.run_samples(run_id)

    def run_output(self, run_id: int, after_seq: int = -1) -> list[tuple[int, str, str]]:
        with self.store.read():
            runs.get(run_id)
            return runs.output(run_id, after_seq)
