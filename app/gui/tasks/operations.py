"""What Run now, Stop runs, Pause / Resume and Delete do to the tasks they are given. The
service is called once for them all, off the GUI thread (validated and audited as from the
CLI): one commit, each task (or run) audited as on its own, all or none — a commit each took
seconds for 200 selected. The status bar says what was done; a refusal names the task and is
said as every operation's error is. Delete asks first; Stop runs does not, as Cancel run in
the Runs view does not.

`TaskActions` (actions.py) decides which tasks (the selection in the view in front) and
hands them here; the main window hands single tasks here too (Re-run, a notification's
Retry, the table's check box, the tray's Pause all). `unlisted`: how many tasks Ctrl+A left
out in a long list (only the rows listed so far are selected), which the words say.

Signals:
    message(str): one line for the status bar.
    said_instead(str, str): say the second in place of the first, if the first is still said.
    runs_started(list): Run now (or Re-run, Retry) started these runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.core.errors import NotFoundError, TickworkError
from app.core.run import Run
from app.core.task import FINISHED_STATUSES, Task
from app.gui.background import describe_error
from app.gui.qt import QObject, QWidget, Signal
from app.gui.session import Session
from app.gui.tasks import reads
from app.gui.tasks.in_progress import RunsInProgress
from app.gui.widgets.display import plural
from app.gui.widgets.question import Confirm, ask
from app.service_runs import Stopped
from app.store.integrity import StoreGone

REASONS_SHOWN = 5  # why deleting needs "Delete anyway": the reasons a question lists


def stop_words(verb: str, runs: list[Run]) -> str:
    """“Stopped 1 run of “long””, “Stopping 3 runs of 2 tasks”."""
    tasks = {r.task_id: r.task_name for r in runs}
    of = f"“{next(iter(tasks.values()))}”" if len(tasks) == 1 else plural(len(tasks), "task")
    return f"{verb} {plural(len(runs), 'run')} of {of}"


def nothing_to_stop(stopped: Stopped, asked: int) -> str:
    """Stop runs found none in progress (the last ended meanwhile: no error)."""
    if not stopped.tasks:
        return ("Nothing to stop: the task was deleted meanwhile." if asked == 1 else
                "Nothing to stop: the tasks were deleted meanwhile.")
    if len(stopped.tasks) == 1:
        return f"Nothing to stop: no run of “{next(iter(stopped.tasks.values()))}” is in progress."
    return f"Nothing to stop: none of the {len(stopped.tasks):,} tasks has a run in progress."


class TaskOperations(QObject):
    message = Signal(str)
    said_instead = Signal(str, str)
    runs_started = Signal(list)

    def __init__(self, session: Session, window: QWidget, in_progress: RunsInProgress) -> None:
        super().__init__(window)
        self.session = session
        self.in_progress = in_progress
        self.confirm: Confirm = ask(window)

    def run_tasks(self, ids: list[int], names: Mapping[int, str] | None = None) -> None:
        """Start a run of each of these tasks, in one commit: one that cannot run (deleted
        meanwhile, a zone this machine lacks) starts none, and is named (`names`: the
        tasks' names, where known)."""
        service = self.session.service
        background = self.session.background
        title = "Cannot run the task" if len(ids) == 1 else "Cannot run the tasks"
        named = names or {}

        def failed(error: BaseException) -> None:
            if not isinstance(error, TickworkError) or isinstance(error, StoreGone):
                background.report(title, error)  # (a bug, or the store away: as ever)
                return
            ref = error.ref if isinstance(error, NotFoundError) else None
            words = (f"“{named[ref]}” was deleted meanwhile" if isinstance(ref, int)
                     and ref in named else describe_error(error))
            if len(ids) > 1:
                words += f"; none of the {len(ids):,} tasks was run"
            background.report(title, TickworkError(words))

        background.run(lambda: service.run_now_many(ids), self.runs_started.emit, failed,
                       owner=self, title=title)

    def stop_runs(self, ids: list[int], unlisted: int = 0) -> None:
        """Cancel every run in progress of these tasks in one commit (a run that ended
        meanwhile is passed over). The status bar says “Stopping …” while engines end them,
        then “Stopped …” once all have ended (at once when no engine held them)."""
        service = self.session.service
        left = (f" ({plural(unlisted, 'task')} not listed yet were left as they are)"
                if unlisted else "")

        def done(stopped: Stopped) -> None:
            runs = stopped.cancelled + stopped.asked_before
            if not runs:
                self.message.emit(nothing_to_stop(stopped, len(ids)))
                return
            ending = {r.id: r.task_id for r in runs if r.status not in FINISHED_STATUSES}
            ended = stop_words("Stopped", runs) + left + "."
            if not ending:
                self.message.emit(ended)
                return
            said = stop_words("Stopping" if stopped.cancelled else "Already stopping",
                              runs) + left + "…"
            self.message.emit(said)
            self.in_progress.when_ended(ending, lambda: self.said_instead.emit(said, ended))

        self.session.background.run(
            lambda: service.cancel_runs_of(ids, missing_ok=True), done, owner=self,
            title="Cannot stop the runs")

    def set_enabled(self, ids: list[int], enabled: bool, unlisted: int = 0) -> None:
        service = self.session.service
        verb = "Resumed" if enabled else "Paused"
        left = (f" listed; {unlisted:,} more not listed yet were left as they are" if unlisted
                else "")
        self.session.background.run(
            lambda: service.set_enabled_many(list(ids), enabled),
            lambda tasks: self.message.emit(f"{verb} {plural(len(tasks), 'task')}{left}."),
            owner=self, title="Cannot change the task")

    def set_all(self, enabled: bool) -> None:
        service = self.session.service
        verb = "Resumed" if enabled else "Paused"
        self.session.background.run(lambda: service.set_all_enabled(enabled),
                                    lambda n: self.message.emit(f"{verb} {plural(n, 'task')}."),
                                    owner=self, title="Cannot change the tasks")

    def delete(self, tasks: list[Task], unlisted: int = 0) -> None:
        """Ask, then delete these tasks: what deleting them also does is read first."""
        ids = [t.id for t in tasks]
        service = self.session.service
        self.session.background.run(lambda: reads.in_use(service, ids),
                                    lambda reasons: self._confirm_delete(tasks, reasons,
                                                                         unlisted),
                                    owner=self, title="Cannot delete the task")

    def _confirm_delete(self, tasks: list[Task], reasons: list[str], unlisted: int) -> None:
        """One question, with what deleting also does (runs cancelled, dependencies and
        fallbacks removed) when the tasks run or others need them."""
        names = ", ".join(f"“{t.name}”" for t in tasks[:5]) + ("…" if len(tasks) > 5 else "")
        title = "Delete task" if len(tasks) == 1 else f"Delete {plural(len(tasks), 'task')}"
        text = (f"Delete {names} and {'its' if len(tasks) == 1 else 'their'} run history? "
                "This cannot be undone.")
        if unlisted:  # Ctrl+A: the rows listed only
            text += (f"\n\nOnly the {plural(len(tasks), 'task')} listed so far are selected:"
                     f" {unlisted:,} more not listed yet are left as they are.")
        if reasons:  # (the first few: 150 selected that had run made a box 4,300 px tall)
            more = len(reasons) - REASONS_SHOWN
            text += "\n\n" + ".\n".join(reasons[:REASONS_SHOWN]) + "." + (
                f"\n…and {more:,} more of them run or are needed by other tasks: deleting "
                "anyway does the same to them." if more > 0 else "")
        if self.confirm(title, text, "Delete anyway" if reasons else title):
            # asked once: the tasks go together, whatever links them to one another
            self.delete_tasks(tasks)

    def delete_tasks(self, tasks: list[Task]) -> None:
        """Delete these tasks, asked already, in one commit: with their runs, and the links
        others have to them (a task gone meanwhile is passed over, and not counted)."""
        service = self.session.service
        ids = [t.id for t in tasks]

        def said(deleted: list[tuple[int, str]]) -> None:
            what = f"“{deleted[0][1]}”" if len(deleted) == 1 else plural(len(deleted), "task")
            self.message.emit(f"Deleted {what}." if deleted else "Nothing to delete: "
                              "the tasks were deleted meanwhile.")

        self.session.background.run(
            lambda: service.delete_many(ids, force=True, missing_ok=True), said, owner=self,
            title="Cannot delete the task" if len(ids) == 1 else "Cannot delete the tasks")
