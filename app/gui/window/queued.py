"""What the status bar says of runs queued by hand, and how that gives way once they end.

"Queued 1 run: Backup" stayed its 8 s after a quick run had ended: "Queued" beside a Runs
list that said "succeeded" (a person's run-through). Once every run it names has ended, and
while it is still said, it gives way to how they ended ("Run 7 of Backup: succeeded."); a
message said since stays. The runs are read once as it is said (a quick one may have ended
before the window heard it was queued), then followed in the bridge's run events.

Signals:
    ended(str, str): say the second in place of the first, if the first is still said.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from app.core.run import Run
from app.core.task import FINISHED_STATUSES, RUN_STATUSES
from app.engine.events import RunChanged
from app.gui.qt import QObject, Signal
from app.gui.session import Session
from app.gui.widgets.display import plural, status_words


def queued_words(runs: list[Run], mode: str) -> str:
    """What the status bar says of runs queued by hand; short, as beside a viewer's long
    engine label it has little room: “Queued 1 run: Chain (the other engine starts it)”."""
    it = "it" if len(runs) == 1 else "them"
    who = {"running": "", "standby": f" (the other engine starts {it})"}.get(
        mode, f" (an engine starts {it} when one runs)")
    return f"Queued {plural(len(runs), 'run')}: " + ", ".join(r.task_name for r in runs[:5]) \
        + who


def ended_words(names: dict[int, str], ended: dict[int, str]) -> str:
    """How the runs `names` (run id: its task's name) ended (`ended`: run id: status)."""
    if len(names) == 1:
        ((run_id, name),) = names.items()
        return f"Run {run_id} of {name}: {status_words(ended[run_id])}."
    counts = Counter(ended.values())
    told = ", ".join(f"{counts[s]} {status_words(s)}" for s in RUN_STATUSES if counts[s])
    return f"The {len(names)} runs queued ended: {told}."


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
            lambda: [service.get_run(i) for i in ids],
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
        if len(self._ended) == len(self._names):
            self.ended.emit(words, ended_words(self._names, self._ended))
            self._names = {}
