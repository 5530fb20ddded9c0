"""What a run that follows a failed attempt carries from it: the note in the failed run that
names it (its one event: `EndSaid`), and, for a fallback of a failure told on the desktop,
the sequel told when the fallback ends ("backup failed; its fallback “rescue” succeeded"):
the failure's bubble said nothing of what came after it.

The sequel stands in for the fallback's own notification (one bubble for its end, not two);
it waits through the fallback's retries, and is lost with the engine (a fallback run that a
later engine finishes is told as its own). Dispatcher thread, but for `fallback`'s callback
(the writer's thread, before the fallback's claim reaches the dispatcher).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.core.run import paused_fallback
from app.core.task import Task
from app.engine.events import EventHub, Notification
from app.engine.outcomes import After
from app.engine.records import RunRecord
from app.engine.writes import EndSaid, RunWrites

Follower = Callable[[int | None], None]  # told the following run's id (None: not claimed)


@dataclass(frozen=True, slots=True)
class Rescue:
    """A failed run whose failure was told, and which a fallback run follows."""

    task: str
    task_id: int
    run_id: int
    status: str


def sequel(rescue: Rescue, fallback: str, run_id: int, status: str) -> Notification:
    """How the fallback run `run_id` ended, told after the failure it followed: "rescued"
    when it succeeded (a failure made good, not a plain success: the bell showed it with a
    success's green ✓), a failure when it did not. It replaces the failure's own notification
    (`replaces`: the failed run), which said nothing of what came after. It is still about
    the failed run: its Open log shows that run (its note names the fallback's run), as
    its Retry now runs that task; it opened the fallback's run, not the one it was about."""
    ok = status == "succeeded"
    ended = "succeeded" if ok else f"{status.replace('_', ' ')} too"
    return Notification("rescued" if ok else "failure",
                        f"{rescue.task} {rescue.status.replace('_', ' ')}; its fallback "
                        f"“{fallback}” {ended}",
                        f"run {run_id} of “{fallback}”, after run {rescue.run_id} of "
                        f"“{rescue.task}”", rescue.run_id, rescue.task_id, rescue.run_id,
                        task=rescue.task)


class Follows:
    def __init__(self, writes: RunWrites, hub: EventHub) -> None:
        self.writes = writes
        self.hub = hub
        self.rescues: dict[int, Rescue] = {}  # fallback run id (or its retry's) -> its failure

    def retry(self, record: RunRecord, status: str, end: EndSaid) -> Follower:
        """The retry of `record`'s attempt: noted in it; a fallback's sequel waits for it."""
        return self._carrying(self.rescues.pop(record.run_id, None),
                              self.writes.followed(record, status, end))

    def fallback(self, record: RunRecord, status: str, then: After, end: EndSaid,
                 fallback: Task) -> Follower | None:
        """The fallback run (of the task `fallback`) after `record`'s last attempt: noted in
        it; its end told as a sequel when this failure was (`then.notify`). None when that
        task is paused: it does not run, and the note says so (it ran all the same)."""
        if not fallback.spec.enabled:
            self.writes.unfollowed(record, status, end, paused_fallback(fallback.name))
            return None
        task = record.task
        rescue = (Rescue(task.name, task.id, record.run_id, status)
                  if then.notify is not None else None)
        return self._carrying(rescue, self.writes.followed(record, status, end, fallback.name))

    def _carrying(self, rescue: Rescue | None, noted: Follower) -> Follower:
        if rescue is None:
            return noted

        def follows(run_id: int | None) -> None:
            if run_id is not None:
                self.rescues[run_id] = rescue
            noted(run_id)
        return follows

    def claimed_skipped(self, run_id: int, now: datetime) -> None:
        """A run claimed skipped: written so (`RunWrites`); no sequel waits for it."""
        self.rescues.pop(run_id, None)
        self.writes.claimed_skipped(run_id, now)

    def ended_unstarted(self, record: RunRecord, status: str, reason: str) -> None:
        """A run that ended before it started (cancelled while it waited): written so; no
        sequel is told for it, and none is held for the engine's life (a fault hunt)."""
        self.rescues.pop(record.run_id, None)
        self.writes.ended_unstarted(record, status, reason)

    def tell(self, record: RunRecord, status: str, own: Notification | None) -> None:
        """The last attempt of `record` ended `status`: its notification (`own`), or, for a
        fallback of a told failure, the sequel in its place (none for a fallback cancelled
        or skipped, as for any run)."""
        rescue = self.rescues.pop(record.run_id, None)
        if rescue is not None and status not in ("cancelled", "skipped"):
            own = sequel(rescue, record.task.name, record.run_id, status)
        if own is not None:
            self.hub.emit(own)
