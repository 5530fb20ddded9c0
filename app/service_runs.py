"""The Service's runs: manual runs queued (Run now, Re-run, `tickwork task run`), a cancel
asked, and the run ledger read for the views and the CLI.

A manual run is a `queued` row no engine has taken; the engine in this process hears of it
from the change announced (`_runs_changed`), one in another process from the home's bell
(app/store/bell.py), and starts it. Runs of many tasks are queued in one commit
(`run_now_many`: the window's Run now on 200 selected took a commit each, seconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.errors import ValidationError
from app.core.run import Run
from app.core.task import FINISHED_STATUSES
from app.store import runs, task_queries, tasks
from app.store.database import Store


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
        from app.store.lock import engine_lock

        now = now if now is not None else datetime.now(UTC)
        with self.store.write():
            run = runs.get(run_id)
            if run.status in FINISHED_STATUSES:
                raise ValidationError("run", f"run {run_id} already finished ({run.status})")
            engine = runs.engine_of(run_id)
            engine_alive = engine_lock(self.store.home, self.store.url).holder() is not None
            if engine is not None and engine_alive:
                runs.request_cancel(run_id)
            else:
                runs.cancel(run_id, now, f"cancelled by {self.actor}")
            self._audit_all([("run.cancel", f"{run.task_name}#{run_id}",
                              {"status": run.status}, None)], now)
            run = runs.get(run_id)
        self._runs_changed(frozenset({run_id}), frozenset({run.task_id}))
        return run

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
