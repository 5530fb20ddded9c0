"""Runs the dispatcher hears of from outside: cancel requests and manual runs queued by a
service (another process's, or this one's), seen in the store (dispatcher thread).

`Requests.seen` decides what each changed run asks for (`asks`, plain logic) and has the
`Dispatcher` do it: adopt a manual run nobody claimed, cancel a run on request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from app.core.run import CANCELLED
from app.core.task import Task
from app.engine.dispatcher import Dispatcher
from app.engine.records import QUEUED, WAITING, RunRecord
from app.engine.watcher import RunRows
from app.store import ledger
from app.store import runs as run_store

ADOPT: Final = "adopt"  # a manual run nobody claimed: take it
CANCEL: Final = "cancel"  # a cancel request for a run of ours
SETTLE: Final = "settle"  # cancelled in the store before it started here: end it
PAUSED: Final = "its task was paused before it started"


def asks(rows: RunRows, engine_id: str, unstarted: set[int]) -> list[tuple[str, int]]:
    """What each changed run asks of this engine (`unstarted`: its runs not started yet)."""
    out: list[tuple[str, int]] = []
    for run_id, status, owner, wanted in rows:  # owner: the engine that claimed it
        if status == "queued" and owner is None:
            out.append((ADOPT, run_id))
        elif wanted and owner == engine_id and status not in ("cancelled",):
            out.append((CANCEL, run_id))
        elif status == "cancelled" and run_id in unstarted:
            out.append((SETTLE, run_id))
    return out


class Requests:
    """Carries out what runs seen in the store ask of the dispatcher."""

    def __init__(self, dispatcher: Dispatcher, post: Callable[[Callable[[], None]], None]) -> None:
        self.dispatcher = dispatcher
        self._post = post

    def task_dropped(self, task_id: int, paused: bool) -> None:
        """A task was deleted with runs in flight (`task delete --force`): each is cancelled
        and its processes stopped; what they still send is dropped with their rows, whose
        ids are never given again. A task paused: its runs claimed while it was active that
        have not started (queued, held back by its overlap or instance limit, waiting for
        upstreams) end `skipped`; what runs goes on, a retry keeps its policy, and a run
        started by hand while it is paused runs."""
        d = self.dispatcher
        for record in list(d.runs.values()):
            if record.task.id != task_id:
                continue
            if not paused:
                d.cancel(record.run_id, "its task was deleted")
            elif record.phase in (QUEUED, WAITING) and record.task.spec.enabled:
                d.finish_unstarted(record.run_id, "skipped", PAUSED)

    def tasks_changed(self, tasks: list[Task]) -> None:
        """Tasks changed (and active): their runs not started yet start as each task is now —
        its action, group and limit, priority, instance limit — as a retry does when it falls
        due, and those queued go back in line by the new terms (a run held back by its
        group's old limit waited on after the limit was raised; one let go by its upstreams
        after its task joined a full group started beside the group's run, with the command
        it had before the edit). What runs goes on as it began."""
        d = self.dispatcher
        changed = {task.id: task for task in tasks}
        queued = False
        for record in list(d.runs.values()):
            task = changed.get(record.task.id)
            if task is None or record.phase not in (QUEUED, WAITING) or \
                    task.spec == record.task.spec:
                continue
            record.task = task
            if record.phase == QUEUED:
                d.enqueue(record)  # (in line again when its terms changed)
                queued = True
        if queued:
            d.pump()

    def seen(self, rows: RunRows) -> None:
        """Runs changed in the store: adopt manual ones, honour cancel requests."""
        d = self.dispatcher
        unstarted = {run_id for run_id, *_ in rows if d.unstarted(run_id)}
        adopt: list[int] = []
        for what, run_id in asks(rows, d.engine_id, unstarted):
            if what == ADOPT:
                adopt.append(run_id)
            elif what == CANCEL:
                d.cancel(run_id, CANCELLED)
            else:
                d.finish_unstarted(run_id, "cancelled", CANCELLED)
        self.adopt(adopt)

    def adopt(self, run_ids: list[int]) -> None:
        """Take runs no engine has claimed: manual runs queued by another process (or by this
        one's service; a start takes those queued before it: `recovery.recover`). Taken in
        one commit, then admitted together and started best first: taken one by one, the
        first taken started before a better one was admitted (Run now on a selection)."""
        if not run_ids:
            return
        engine_id = self.dispatcher.engine_id

        def work() -> list[tuple[int, int, datetime, int]]:
            return [(run_id, *run_store.fire_of(run_id)) for run_id in run_ids
                    if ledger.adopt(run_id, engine_id)]

        def done(result: list[tuple[int, int, datetime, int]] | None,
                 error: BaseException | None) -> None:
            if result:
                self._post(lambda: self.adopted(result))
        self.dispatcher.writer.submit(work, done)

    def adopted(self, runs: list[tuple[int, int, datetime, int]]) -> None:
        d = self.dispatcher
        for run_id, task_id, fire, attempt in runs:
            task = d.tasks.get(task_id)
            if task is not None:
                d.admit(RunRecord(run_id, task, fire, attempt, QUEUED), adopted=True)
        d.pump()
