"""What the dispatcher writes of its runs: each status change to the ledger (through the
writer, group-committed) and its `RunChanged` event — after the commit where the event
must not run ahead of the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from app.core import rules
from app.core.run import NEXT_START, fell_back_to, retried_as
from app.engine.clock import Clock
from app.engine.events import EventHub, RunChanged
from app.engine.ports import Ledger
from app.engine.records import RunRecord
from app.store import ledger

GIVEN_BACK = "the engine stopped before it started: "  # then NEXT_START, or TAKEN_UP since
UNSTARTED = f"{GIVEN_BACK}{NEXT_START}"  # released
STOPPED = "the engine stopped"  # what a graceful stop tells the attempts it cuts off
CUT_OFF = "the engine stopped while this run was running"  # their note (a death: recovery)


class EndSaid:
    """The one `RunChanged` of an attempt's end that a retry or fallback follows. The end and
    that run's claim commit together, then the note naming the run is written (`followed`):
    the end's event waits for the note and goes out once, carrying it, or as it is when the
    claim did not go in or the note was not written. It went out twice: as the end, then
    again with the note. (The writer's thread only: it answers the claim, then the end, in
    the commit's order, and the note in a later commit.)"""

    def __init__(self, hub: EventHub) -> None:
        self.hub = hub
        self.following = False  # a claim that follows the end is queued with it
        self.waiting: RunChanged | None = None  # the end's event, committed, held for the note

    def ended(self, event: RunChanged) -> None:
        """The end committed."""
        if self.following:
            self.waiting = event
        else:
            self.hub.emit(event)

    def said(self, note: str | None, own: RunChanged | None) -> None:
        """What follows is settled: the end's event goes out with `note` (None: as it is);
        `own`, the note's event, when no end's event came (a recorder that sends none)."""
        self.following = False
        event, self.waiting = self.waiting, None
        if event is not None:
            self.hub.emit(event if note is None else replace(event, reason=note))
        elif own is not None:
            self.hub.emit(own)


class RunWrites:
    def __init__(self, writer: Ledger, hub: EventHub, clock: Clock) -> None:
        self.writer = writer
        self.hub = hub
        self.clock = clock

    def claimed_skipped(self, run_id: int, now: datetime) -> None:
        """A fire claimed `skipped` (its overlap rule): it ended when it was claimed."""
        self.writer.submit(lambda: ledger.update(run_id, {"finished_at": now}))

    def note(self, record: RunRecord, status: str, note: str) -> None:
        """A run's status, with a note added to its reason; the event follows the commit."""
        run_id = record.run_id
        self._after_commit(lambda: ledger.note(run_id, status, note),
                           self._event(record, status, self.clock.now(), note))

    def held(self, record: RunRecord, why: str, group_limit: int) -> None:
        """A run its task's or group's limit holds back: `waiting`, and why."""
        spec = record.task.spec
        self.note(record, "waiting", "held back: " + rules.held_reason(
            why, max_instances=spec.max_instances, group=spec.group, group_limit=group_limit))

    def followed(self, record: RunRecord, status: str, end: EndSaid,
                 fallback: str | None = None) -> Callable[[int | None], None]:
        """What notes, in an attempt that ended `status`, the run that follows it once that
        one is claimed (its id; None: the claim did not go in): its retry ("retried as run
        8"), or its task's `fallback` (a failed attempt's details did not say what came of
        it). The end's one event carries the note (`EndSaid`)."""
        end.following = True

        def said(follower: int | None) -> None:
            if follower is None:
                end.said(None, None)
                return
            self._end_noted(record, status, end, retried_as(follower) if fallback is None
                            else fell_back_to(fallback, follower))
        return said

    def unfollowed(self, record: RunRecord, status: str, end: EndSaid, note: str) -> None:
        """An attempt's end that nothing follows though its task asks for it (its fallback is
        paused), noted so; the end's one event carries the note (`EndSaid`)."""
        end.following = True
        self._end_noted(record, status, end, note)

    def _end_noted(self, record: RunRecord, status: str, end: EndSaid, note: str) -> None:
        run_id = record.run_id
        own = self._event(record, status, self.clock.now(), note)
        self.writer.submit(lambda: ledger.note(run_id, status, note),
                           lambda _result, error: end.said(
                               None if error else note, None if error else own))

    def released(self, record: RunRecord, note: str) -> None:
        """A run the engine's stop found not started, given back unclaimed (`ledger.release`):
        the next engine runs it, whatever its retries (it was never tried)."""
        run_id = record.run_id
        self._after_commit(lambda: ledger.release(run_id, note),
                           self._event(record, "queued", self.clock.now(), note))

    def requeued(self, record: RunRecord,
                 then: Callable[[BaseException | None], None]) -> None:
        """A retry's backoff ended: it is `queued` again; `then(error)` after the commit
        (None) or once the store refused it (its event is said by the caller, `said`)."""
        run_id = record.run_id
        self.writer.submit(lambda: ledger.update(run_id, {"status": "queued"}),
                           lambda _result, error: then(error))

    def said(self, record: RunRecord, status: str) -> None:
        """A run's new status, as an event (its write committed already)."""
        self.hub.emit(self._event(record, status, self.clock.now()))

    def ended_unstarted(self, record: RunRecord, status: str, reason: str) -> None:
        """A run that never started ended (`cancelled`, `skipped`): a cancel's words are why
        it ended, as a running one's are (`run show` said "why it ended: -"); its notes
        (what it waited for) go with it, as a skip's go for its reason."""
        run_id = record.run_id
        now = self.clock.now()
        words = {"error": reason, "reason": None} if status == "cancelled" else {"reason": reason}
        self.writer.submit(lambda: ledger.update(run_id, {"status": status, "finished_at": now,
                                                          **words}))
        self.hub.emit(self._event(record, status, now, reason))

    def interrupted(self, record: RunRecord, reason: str, follows: dict[str, Any], *,
                    error: str | None, exit_code: int | None) -> None:
        """A run the engine's stop cut off, and what follows it (`outcomes.cut_off`: its retry
        or fallback) claimed in the same commit. An
        error that only says the engine stopped is not kept: the note says it (`run list`
        read "the engine stopped; the engine stopped while this run was running")."""
        run_id = record.run_id
        error = None if error == STOPPED else error
        now = self.clock.now()
        self._after_commit(
            lambda: ledger.interrupt(run_id, now, reason, error=error, exit_code=exit_code,
                                     **follows),
            self._event(record, "interrupted", now, reason))

    @staticmethod
    def _event(record: RunRecord, status: str, at: datetime,
               reason: str | None = None) -> RunChanged:
        task = record.task
        return RunChanged(record.run_id, task.id, task.name, status, at, record.attempt,
                          reason=reason)

    def _after_commit(self, work: Any, event: RunChanged) -> None:
        hub = self.hub

        def done(_result: Any, error: BaseException | None) -> None:
            if error is None:
                hub.emit(event)
        self.writer.submit(work, done)
