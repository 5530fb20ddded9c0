"""Celery's thread pool fitted to a `tickwork worker`: a revoke with `terminate=True` is
heard, a run's message is acknowledged once the worker has claimed the run (`claimed`), not
when the run ends, and Celery stopping on an error does not wait for the runs in flight.

A `tickwork worker`'s threads only wait on launcher processes, so there is no pool process
to signal: `terminate_job` does nothing here, and Celery then announces the revoke through
its `task_revoked` signal, which the worker turns into a stop of the run's command tree
(app/remote/worker.py). Celery's own thread pool raises NotImplementedError instead.

Why acknowledge early: a message still unacknowledged when the broker is lost stops the
whole Celery worker, not only its consumer. Celery 5.7's `Consumer.
on_connection_error_after_connected` collects the lost connection (which detaches kombu's
transport: `Connection.collect` → `_do_close_transport`) and then closes it; closing the
channel gives its unacknowledged messages back through that detached transport, and kombu's
redis `Channel._connparams` raises AttributeError — not a connection error, so
`Consumer.start` does not just reconnect: `WorkController.start` logs an 'Unrecoverable
error' and stops, and its pool's stop (`concurrency.thread.TaskPool.on_stop`, whose
`executor.shutdown` waits) joined every thread: no new run was taken until the longest run
in flight ended. A late acknowledgement after a reconnection fails the same way (its
channel is closed). Claimed, a run is this worker's in Redis (app/remote/wire.py: `TAKE`)
and a copy delivered again is dropped, so its message has nothing left to guard; what keeps
a worker from taking more than it runs is then `worker_disable_prefetch`
(app/remote/broker.py), which counts the runs it holds, not its unacknowledged messages.
A message not yet claimed when the broker goes still stops Celery that way; the pool then
leaves the runs going on in their threads, and the worker starts Celery again at once.

A run's end wakes Celery's event loop, as its late acknowledgement did: it is what lets the
consumer fetch a message for the thread now free (`worker_disable_prefetch` decides on the
loop's tick; the loop would otherwise sleep up to a second, and a full worker took the next
run ~0.9 s after a thread was free instead of ~15 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery.concurrency import thread
from celery.worker import state


class _Applied(thread.ApplyResult):  # type: ignore[misc]
    def terminate(self, signal: Any = None) -> None:
        """The job's command is stopped through `task_revoked`, not by a signal."""


class ThreadPool(thread.TaskPool):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gave_up: Callable[[], bool] = lambda: False  # Celery stops on an error
        self.loop: Any = None  # Celery's event loop (kombu's Hub)

    def register_with_event_loop(self, loop: Any) -> None:
        self.loop = loop

    def on_stop(self) -> None:
        """Wait for the runs in flight (a warm shutdown: they finish first) — unless Celery
        stops on an error it gave up on: then they go on in their threads (the process
        still waits for them before it exits), and Celery starts again at once."""
        if self.gave_up():
            self.executor.shutdown(wait=False, cancel_futures=True)
        else:
            super().on_stop()

    def terminate_job(self, pid: Any, signal: Any = None) -> None:
        """Nothing to kill: `task_revoked` stops the job's command (app/remote/worker.py)."""

    def on_apply(self, target: Any, args: Any = None, kwargs: Any = None,
                 callback: Callable[[Any], None] | None = None, **options: Any) -> Any:
        def ended(result: Any) -> None:  # the job is done with (Celery's `task_ready`)
            try:
                if callback is not None:
                    callback(result)
            finally:
                if self.loop is not None:  # its next tick fetches for the thread now free
                    self.loop.call_soon(_nothing)

        applied = super().on_apply(target, args, kwargs, ended, **options)
        return _Applied(applied.f)


def _nothing() -> None:
    """A callback that only wakes Celery's event loop."""


def claimed(celery_id: str) -> None:
    """The worker claimed (or dropped) the run `celery_id`: acknowledge its message now."""
    request = state.requests.get(celery_id)
    if request is not None:
        request.acknowledge()
