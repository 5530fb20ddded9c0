"""What the status bar says of runs queued by hand, and how that gives way as they go.

"Queued 1 run: Backup" stayed its 8 s after a quick run had ended: "Queued" beside a Runs
list that said "succeeded" (a person's run-through). Once every run it names has ended, and
while it is still said, it gives way to how they ended ("Run 7 of Backup: succeeded."), a
failure retried said as the Runs list says it ("failed, retried as run 8": "failed" alone
read as the end of it); a message said since stays. Before that, it gave way to nothing:
"Queued" stayed while the run went (after Run now, F5), a state long gone; once one of
them starts it says so ("Run 7 of Backup: running.", "The 2 runs queued: 1 running, 1
queued."), and that in turn gives way as they go on. The runs are read once as it is said
(a quick one may have ended before the window heard it was queued), then followed in the
bridge's run events, or, where no engine of this window runs them (a viewer), read again
each time another connection commits (the bridge's `store_changed`).

Signals:
    ended(str, str): say the second in place of the first, if the first is still said.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from app.core.errors import NotFoundError
from app.core.run import Run
from app.core.task import FINISHED_STATUSES, RUN_STATUSES
from app.engine.events import RunChanged
from app.gui.qt import QObject, Signal
from app.gui.session import Session
from app.gui.widgets.display import plural, status_words
from app.service import Service

WAITING = frozenset({"scheduled", "queued", "waiting"})  # not started: "Queued" says it
GOING_ORDER = ("running", "retrying", "ended", "waiting", "queued", "scheduled")  # (as said)


def queued_words(runs: list[Run], mode: str) -> str:
    """What the status bar says of runs queued by hand; short, as beside a viewer's long
    engine label it has little room: “Queued 1 run: Chain (the other engine starts it)”."""
    it = "it" if len(runs) == 1 else "them"
    who = {"running": "", "standby": f" (the other engine starts {it})"}.get(
        mode, f" (an engine starts {it} when one runs)")
    return f"Queued {plural(len(runs), 'run')}: " + ", ".join(r.task_name for r in runs[:5]) \
        + who


def ended_words(names: dict[int, str], ended: dict[int, str],
                retried: dict[int, int] | None = None) -> str:
    """How the runs `names` (run id: its task's name) ended (`ended`: run id: status;
    `retried`: run id: its retry's, for those retried, as the Runs list says them)."""
    retried = retried or {}
    if len(names) == 1:
        ((run_id, name),) = names.items()
        again = f", retried as run {retried[run_id]}" if run_id in retried else ""
        return f"Run {run_id} of {name}: {status_words(ended[run_id])}{again}."
    counts = Counter("retried" if i in retried else s for i, s in ended.items())
    told = ", ".join(f"{counts[s]} {status_words(s)}" for s in (*RUN_STATUSES, "retried")
                     if counts[s])
    return f"The {len(names)} runs queued ended: {told}."


def _stage(status: str | None) -> int:
    """How far a run has gone: 0 not started (or not heard of), 1 going, 2 ended."""
    return 0 if status is None or status in WAITING else 2 if status in FINISHED_STATUSES else 1


def going_words(names: dict[int, str], statuses: dict[int, str]) -> str | None:
    """How the runs `names` go, once one of them has started or ended (`statuses`: run id:
    its status, of those heard of; the others are still queued); None before that."""
    now = {run_id: statuses.get(run_id, "queued") for run_id in names}
    if all(status in WAITING for status in now.values()):
        return None
    if len(names) == 1:
        ((run_id, name),) = names.items()
        return f"Run {run_id} of {name}: {status_words(now[run_id])}."
    # (one that ended is "ended": a failure may yet be retried, which is said once all have)
    counts = Counter("ended" if s in FINISHED_STATUSES else s for s in now.values())
    told = ", ".join(f"{counts[s]} {status_words(s)}" for s in GOING_ORDER if counts[s])
    return f"The {len(names)} runs queued: {told}."


def _read(service: Service, ids: list[int]) -> list[Run]:
    """The runs still stored of `ids` (one deleted meanwhile, its task with it, is passed
    over: it was no error of the person's)."""
    found = []
    for run_id in ids:
        try:
            found.append(service.get_run(run_id))
        except NotFoundError:
            continue
    return found


class QueuedRuns(QObject):
    ended = Signal(str, str)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._words = ""  # the last said
        self._names: dict[int, str] = {}  # its runs not all ended yet: their tasks' names
        self._status: dict[int, str] = {}  # theirs, as last heard
        self._reading = self._again = False  # a viewer's read of them in flight; another due
        session.bridge.runs_changed.connect(self._on_bridge_runs_changed)
        session.bridge.store_changed.connect(self._on_bridge_store_changed)

    def said(self, runs: list[Run], mode: str) -> str:
        """The words for `runs` just queued (`mode`: the session's), followed from now."""
        words = self._words = queued_words(runs, mode)
        self._names = {r.id: r.task_name for r in runs}
        self._status = {}
        self._read_them()
        return words

    def _read_them(self) -> None:
        """Read the runs followed, and hear how they are (one read in flight at a time)."""
        if self._reading:
            self._again = True
            return
        self._reading, self._again = True, False
        names, service, ids = self._names, self.session.service, list(self._names)

        def read(found: list[Run]) -> None:
            self._reading = False
            if names is self._names:  # (not of runs said before)
                self._saw((r.id, r.status) for r in found)
            if self._again and self._names:
                self._read_them()

        def failed(error: BaseException) -> None:
            self._reading = False
            self.session.background.report("Cannot read the runs just queued", error)

        self.session.background.run(lambda: _read(service, ids), read, failed, owner=self)

    def _on_bridge_runs_changed(self, events: list[RunChanged]) -> None:
        if self._names:  # (every run's change comes here: thousands a second)
            self._saw((e.run_id, e.status) for e in events)

    def _on_bridge_store_changed(self) -> None:
        if self._names and self.session.mode != "running":  # another engine runs them
            self._read_them()

    def _saw(self, statuses: Iterable[tuple[int, str]]) -> None:
        if not self._names:
            return  # all told
        for run_id, status in statuses:  # (a read begun before an event may end after it)
            if run_id in self._names and _stage(status) >= _stage(self._status.get(run_id)):
                self._status[run_id] = status
        ended = {i: s for i, s in self._status.items() if s in FINISHED_STATUSES}
        if len(ended) != len(self._names):
            going = going_words(self._names, self._status)
            if going is not None and going != self._words:
                said, self._words = self._words, going
                self.ended.emit(said, going)
            return
        names, words = self._names, self._words
        self._names = {}
        if all(status == "succeeded" for status in ended.values()):
            self.ended.emit(words, ended_words(names, ended))
            return
        # one that did not succeed may have been retried (claimed in the commit that ended
        # it): the Runs list says "retried", and so does this
        service, ids = self.session.service, list(ended)
        self.session.background.run(
            lambda: _read(service, ids),
            lambda read: self.ended.emit(words, ended_words(names, ended, {
                r.id: r.retried_as for r in read if r.retried_as is not None})),
            owner=self, title="Cannot read how the runs queued ended")
