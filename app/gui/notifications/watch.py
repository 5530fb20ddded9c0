"""What a viewer hears of the other engine's runs: the notes that engine told of them.

A window whose engine stands by (a headless `tickwork engine`, or another window, leads the
home), or that has none, heard nothing when runs failed: notes reach a window on its own
engine's events, and only that engine's desktop bubble (where a notification server answers)
told anything. It sees the runs change, though (the bridge's `data_version` poll: the
session's `outside_change`); at each change this reads the runs that ended since the last
look, and tells each as the engine that ended it did (`outcomes.told`, the engine's own rule:
a failure with no retry left, a success its task asked for). The window then treats the
note as one of its own engine's (app/gui/notifications/notices.py).

The look starts where the other engine is when the window becomes a viewer: its newest run,
and the runs still going then (told when they end). Reads run on a pool thread, one at a
time; a change during one is looked at after it. At most `LIMIT` new runs a look (ten
thousand a second at a viewer's poll): the oldest beyond are not told, said once in the log.

Signals:
    heard(Notification): a note of the other engine's, as it told it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.core.task import FINISHED_STATUSES
from app.engine.events import Notification
from app.engine.outcomes import told
from app.gui.qt import QObject, Signal
from app.gui.session import Session
from app.service import Service
from app.store import runs as run_store
from app.store import task_queries
from app.store.integrity import StoreGone

log = logging.getLogger(__name__)

LIMIT = 5000  # new runs read at a look
WATCHED = ("standby", "stopped")  # the window's engine fires nothing: another one may


@dataclass(frozen=True)
class Seen:
    """Where the last look left off: the newest run seen, the runs seen still going."""

    top: int
    going: frozenset[int]


def first_look(service: Service) -> Seen:
    with service.store.read():
        newest = run_store.newer(0, 1)
        going = {state[0] for state in run_store.states(None)}
    return Seen(newest[0].id if newest else 0, frozenset(going))


def look(service: Service, seen: Seen) -> tuple[Seen, list[Notification], int]:
    """The runs that ended since `seen`, as notes, oldest first; where this look leaves off;
    how many new runs were past `LIMIT` (not read)."""
    with service.store.read():
        fresh = run_store.newer(seen.top, LIMIT)
        ended = run_store.by_ids(seen.going) if seen.going else []
        runs = {r.id: r for r in [*ended, *fresh]}
        done = [r for r in runs.values() if r.status in FINISHED_STATUSES]
        tasks = {t.id: t for t in task_queries.by_ids({r.task_id for r in done})}
    top = max([seen.top, *runs])
    going = frozenset(i for i, r in runs.items() if r.status not in FINISHED_STATUSES)
    missed = top - seen.top - LIMIT if len(fresh) == LIMIT else 0
    notes = [note for run in sorted(done, key=lambda r: r.id) if run.task_id in tasks
             and (note := told(tasks[run.task_id], run)) is not None]
    return Seen(top, going), notes, max(0, missed)


class RunWatch(QObject):
    heard = Signal(object)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.seen: Seen | None = None
        self._reading = False
        self._again = False
        self._told_missed = False
        session.mode_changed.connect(self._on_session_mode_changed)
        session.outside_change.connect(self._on_session_outside_change)
        self._on_session_mode_changed(session.mode, session.detail)

    def _on_session_mode_changed(self, mode: str, _detail: str) -> None:
        if mode not in WATCHED:
            self.seen = None  # this window's engine tells its own (or starts: not yet)
        elif self.seen is None:
            self._read()  # (after the look in flight, if one is)

    def _on_session_outside_change(self) -> None:
        if self.session.mode in WATCHED and self.session.background.away is None:
            self._read()

    def _read(self) -> None:
        if self._reading:
            self._again = True
            return
        self._reading = True
        service, seen = self.session.service, self.seen
        if seen is None:
            self.session.background.run(lambda: first_look(service), self._on_first_look,
                                        self._on_read_failed, owner=self)
        else:
            self.session.background.run(lambda: look(service, seen), self._on_look,
                                        self._on_read_failed, owner=self)

    def _on_first_look(self, seen: Seen) -> None:
        self.seen = seen if self.session.mode in WATCHED else None
        self._done()

    def _on_look(self, result: tuple[Seen, list[Notification], int]) -> None:
        seen, notes, missed = result
        if self.session.mode not in WATCHED or self.seen is None:
            self._done()  # this window's engine took over meanwhile: it tells from now
            return
        self.seen = seen
        if missed and not self._told_missed:
            self._told_missed = True
            log.warning("%d runs ended between two looks at the store; the oldest %d were "
                        "not read for notifications", LIMIT + missed, missed)
        for note in notes:
            self.heard.emit(note)
        self._done()

    def _on_read_failed(self, exc: BaseException) -> None:
        if isinstance(exc, StoreGone):  # said once, for the whole window
            self.session.background.store_lost(exc)
        else:
            log.warning("cannot read the other engine's runs for notifications: %s", exc)
        self._done()

    def _done(self) -> None:
        self._reading = False
        if self._again:
            self._again = False
            if self.session.mode in WATCHED:
                self._read()
