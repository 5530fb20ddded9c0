"""What the status bar says of runs queued by hand, and how that gives way once they end.

"Queued 1 run: Backup" stayed its 8 s after a quick run had ended: "Queued" beside a Runs
list that said "succeeded" (a person's run-through). Once every run it names has ended, and
while it is still said, it gives way to how they ended ("Run 7 of Backup: succeeded."), a
failure retried said as the Runs list says it ("failed, retried as run 8": "failed" alone
read as the end of it); a message said since stays. The runs are read once as it is said
(a quick one may have ended before the window heard it was queued), then followed in the
bridge's run events.

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
        self._ended: dict[int, str] = {}  # those of them that ended: how
        session.bridge.runs_changed.connect(self._on_bridge_runs_changed)

    def said(self, runs: list[Run], mode: str) -> str:
        """The words for `runs` just queued (`mode`: the session's), followed from now."""
        words = self._words = queued_words(runs, mode)
        self._names = {r.id: r.task_name for r in runs}
        self._ended = {}
        service, ids = self.session.service, list(self._names)
        self.session.background.run(
            lambda: _read(service, ids),
            lambda read: self._saw(words, ((r.id, r.status) for r in read)),
            owner=self, title="Cannot read the runs just queued")
        return words

    def _on_bridge_runs_changed(self, events: list[RunChanged]) -> None:
        if self._names:  # (every run's change comes here: thousands a second)
            self._saw(self._words, ((e.run_id, e.status) for e in events))

    def _saw(self, words: str, statuses: Iterable[tuple[int, str]]) -> None:
        if words != self._words or not self._names:
            return  # of runs said before, or all told
        for run_id, status in statuses:
            if run_id in self._names and status in FINISHED_STATUSES:
                self._ended[run_id] = status
        if len(self._ended) != len(self._names):
            return
        names, ended = self._names, self._ended
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
