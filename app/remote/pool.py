"""Celery's thread pool, able to hear a revoke with `terminate=True`.

A `tickwork worker`'s threads only wait on launcher processes, so there is no pool process
to signal: `terminate_job` does nothing here, and Celery then announces the revoke through
its `task_revoked` signal, which the worker turns into a stop of the run's command tree
(app/remote/worker.py). Celery's own thread pool raises NotImplementedError instead."""

from __future__ import annotations

from typing import Any

from celery.concurrency import thread


class _Applied(thread.ApplyResult):  # type: ignore[misc]
    def terminate(self, signal: Any = None) -> None:
        """The job's command is stopped through `task_revoked`, not by a signal."""


class ThreadPool(thread.TaskPool):  # type: ignore[misc]
    def terminate_job(self, pid: Any, signal: Any = None) -> None:
        """Nothing to kill: `task_revoked` stops the job's command (app/remote/worker.py)."""

    def on_apply(self, *args: Any, **kwargs: Any) -> Any:
        applied = super().on_apply(*args, **kwargs)
        return _Applied(applied.f)
