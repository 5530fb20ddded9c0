"""Which tasks have runs in progress (queued, waiting, running or retrying: the ledger's
`ACTIVE_STATUSES`), for Stop runs: enabled while a selected task has one, and told when the
runs it stopped have ended.

A task's last run is not enough: with `max_instances` above 1 an older run goes on after a
newer one ended (or was skipped as an overlap), and a manual run may wait behind one going.
So the runs in progress of the tasks followed (those selected, and those whose stopped runs
are still ending) are read from the store, then kept by the bridge's run events, which
come from this window's engine after each commit. A read in flight when events came is
read again once it lands (what it read may predate them). Where no engine of this window
runs them (a viewer), they are read again each time another connection commits
(`outside_change`); and after this process's own changes (Run now, Stop runs), whose runs
may not be heard of otherwise before the engine takes them.

Signals:
    changed(): what is known of the tasks followed changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.core.task import ACTIVE_STATUSES, FINISHED_STATUSES
from app.engine.events import RunChanged
from app.gui.qt import QObject, Signal
from app.gui.session import Session
from app.service import Change


@dataclass
class _Watch:
    """Runs to be told of once none of them is in progress any more."""

    runs: frozenset[int]
    tasks: frozenset[int]
    then: Callable[[], None]
    read: bool = False  # a read begun after it was set has landed: what is known is fresh


class RunsInProgress(QObject):
    changed = Signal()

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._selected: frozenset[int] = frozenset()
        self._going: dict[int, set[int]] = {}  # a task followed, once read: its runs going
        self._watches: list[_Watch] = []
        self._reading = self._again = False  # a read in flight; another due once it lands
        bridge = session.bridge
        bridge.runs_changed.connect(self._on_bridge_runs_changed)
        bridge.service_changed.connect(self._on_bridge_service_changed)
        session.outside_change.connect(self._read)
        session.mode_changed.connect(self._on_session_mode_changed)

    # -- what the actions ask --------------------------------------------------------------

    def follow(self, task_ids: Iterable[int]) -> None:
        """Know of these tasks from now on (the selection); the others are forgotten."""
        selected = frozenset(task_ids)
        if selected == self._selected:
            return
        self._selected = selected
        followed = self._followed()
        for task_id in set(self._going) - followed:
            del self._going[task_id]
        if followed - set(self._going):
            self._read()

    def going(self, task_ids: Iterable[int]) -> int:
        """How many runs of these tasks are in progress, as far as is known."""
        return sum(len(self._going.get(task_id, ())) for task_id in task_ids)

    def when_ended(self, runs: dict[int, int], then: Callable[[], None]) -> None:
        """Call `then` once none of `runs` (run id: its task's) is in progress any more."""
        self._watches.append(_Watch(frozenset(runs), frozenset(runs.values()), then))
        self._read()  # (the runs' tasks followed from now, even once no longer selected)

    # -- keeping it --------------------------------------------------------------------------

    def _followed(self) -> frozenset[int]:
        return self._selected.union(*(w.tasks for w in self._watches))

    def _read(self) -> None:
        """Read the runs in progress of every task followed (one read in flight at a time)."""
        followed = self._followed()
        if not followed:
            return
        if self._reading:
            self._again = True
            return
        self._reading, self._again = True, False
        service, waiting = self.session.service, [w for w in self._watches if not w.read]

        def done(found: dict[int, list[int]]) -> None:
            self._reading = False
            for task_id in followed & self._followed():
                self._going[task_id] = set(found.get(task_id, ()))
            for watch in waiting:
                watch.read = True
            if self._again:
                self._read()
            self._told()

        def failed(error: BaseException) -> None:
            self._reading = False
            self.session.background.report("Cannot read the runs in progress", error)

        self.session.background.run(lambda: service.runs_in_progress(followed), done, failed,
                                    owner=self)

    def _on_bridge_runs_changed(self, events: list[RunChanged]) -> None:
        known = self._going
        if not known:  # (every run's change comes here: thousands a second)
            return
        mine = [e for e in events if e.task_id in known]
        if not mine:
            return
        if self._reading:  # what it reads may be older than these
            self._again = True
            return
        for event in mine:
            if event.status in ACTIVE_STATUSES:
                known[event.task_id].add(event.run_id)
            elif event.status in FINISHED_STATUSES:
                known[event.task_id].discard(event.run_id)
        self._told()

    def _on_session_mode_changed(self, _mode: str, _detail: str) -> None:
        self._read()  # (this window's engine stopped, or started: its runs' events with it)

    def _on_bridge_service_changed(self, change: Change) -> None:
        if change.runs and change.tasks & self._followed():
            self._read()

    def _told(self) -> None:
        """Say what changed; call the watches whose runs have all ended."""
        going = set().union(*self._going.values())
        ended = [w for w in self._watches if w.read and not w.runs & going]
        self._watches = [w for w in self._watches if w not in ended]
        followed = self._followed()
        for task_id in set(self._going) - followed:
            del self._going[task_id]
        self.changed.emit()
        for watch in ended:
            watch.then()
