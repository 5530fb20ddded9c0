"""What the user can do to tasks: the QActions the toolbar, menus, context menu and tray
share, and what they act on. Run now, Stop runs, Pause and Delete hand the selected tasks
to `TaskOperations` (operations.py), which calls the service; editing, import and export
call it here. Every call is off the GUI thread (so it is validated and audited as from the CLI);
its result shows in the status bar, its error inline or in a message.

The actions act on what the view in front has selected (`follow`): the selected rows in
Tasks, the selected run's task in Runs, the selected node in Graph, the clicked entry's
task in Calendar, nothing in Metrics and Audit (they are disabled then). Their labels and
tooltips follow the tasks as the store has them now: after a change the selected tasks are
read again, so Pause turns into Resume at once, not one click later. Stop runs is enabled
while a selected task has a run in progress, as `RunsInProgress` (in_progress.py) knows it.

Signals:
    message(str): one line for the status bar.
    show_runs_requested(int, str): show the runs of this task (id, name).
    task_saved(int): a task was created or edited from the editor (select it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from app.core.errors import NotFoundError
from app.core.task import Task
from app.gui.editor.dialog import TaskEditor
from app.gui.qt import (
    QAction,
    QFileDialog,
    QKeySequence,
    QObject,
    Qt,
    QWidget,
    Signal,
)
from app.gui.session import Session
from app.gui.tasks.import_preview import CRONTAB, SYSTEMD, ImportPreview
from app.gui.tasks.in_progress import RunsInProgress
from app.gui.tasks.operations import TaskOperations
from app.gui.tasks.secrets_needed import import_export, import_words
from app.gui.tasks.view import TasksView
from app.gui.widgets import file_choice, icons
from app.gui.widgets.display import plural
from app.service import Change
from app.transfer import ImportReport

EXPORT_FILTER = "Tickwork export (*.json)"
EXPORTS = "exports"  # where export files were last chosen: Import and Export start there
REREAD_LIMIT = 50  # selected tasks re-read from the store after a change
Picked = tuple[int, Task | None]  # a selected task's id, and the task if the view has it


class Selection(Protocol):
    """A view whose selection the task actions follow."""

    def picked_tasks(self) -> list[Picked]: ...


class TaskActions(QObject):
    message = Signal(str)
    show_runs_requested = Signal(int, str)
    task_saved = Signal(int)

    def __init__(self, session: Session, window: QWidget) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self.view: TasksView | None = None
        self.source: Selection | None = None
        self._fresh: dict[int, Task] = {}  # selected tasks as read after the last change
        self._gone: set[int] = set()  # selected tasks the store no longer has
        self._reading: tuple[int, ...] | None = None
        self.in_progress = RunsInProgress(session, self)  # (of the tasks selected)
        self.in_progress.changed.connect(self.update)
        # (Run now, Stop runs, Pause, Delete)
        self.operations = TaskOperations(session, window, self.in_progress)
        self.editor: TaskEditor | None = None

        def make(text: str, icon: str | None,
                 shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
                 slot: Callable[[], None], tip: str) -> QAction:
            action = QAction(text, self)
            if icon:
                action.setIcon(icons.action_icon(icon))
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.triggered.connect(slot)
            return action

        self.new = make("&New task…", "new", QKeySequence.StandardKey.New, self.new_task,
                        "Create a task (Ctrl+N)")
        self.edit = make("&Edit…", "edit", "Return", self.edit_task,
                         "Edit the selected task (Enter)")
        self.duplicate = make("Dupl&icate…", "duplicate", "Ctrl+D", self.duplicate_task,
                              "Create a copy of the selected task (Ctrl+D)")
        self.run_now = make("&Run now", "run", "F5", self.run_selected,
                            "Run the selected tasks now (F5)")
        self.stop = make("&Stop runs", "stop", "Shift+F5", self.stop_selected,
                         "Stop the runs of the selected tasks in progress (Shift+F5)")
        self.pause = make("&Pause", "pause", "Ctrl+P", self.toggle_pause,
                          "Pause or resume the selected tasks (Ctrl+P)")
        self.delete = make("&Delete…", "delete", QKeySequence.StandardKey.Delete,
                           self.delete_selected, "Delete the selected tasks (Del)")
        self.show_runs = make("S&how runs", "runs", "Ctrl+R", self.show_runs_of_selected,
                              "Show the runs of the selected task (Ctrl+R)")
        ops = self.operations
        self.pause_all = make("P&ause all tasks", None, None, lambda: ops.set_all(False),
                              "Pause every task")
        self.resume_all = make("Resu&me all tasks", None, None, lambda: ops.set_all(True),
                               "Resume every task")
        self.import_ = make("&Import tasks…", None, None, self.import_tasks,
                            "Create tasks from an export file")
        self.export = make("E&xport tasks…", None, None, self.export_tasks,
                           "Save every task to a JSON file")
        self.import_crontab = make("Import a cr&ontab…", None, None,
                                   lambda: self.import_from(CRONTAB),
                                   "Create tasks from a crontab, with a preview")
        self.import_systemd = make("Import s&ystemd timers…", None, None,
                                   lambda: self.import_from(SYSTEMD),
                                   "Create tasks from your systemd user timers, with a preview")
        self.import_preview: ImportPreview | None = None
        self.file_dialog: QFileDialog | None = None  # Import tasks… or Export tasks…, open
        # Enter and Del act on the table only, never on a search box or a dialog.
        for action in (self.edit, self.delete):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def connect_bridge(self) -> None:
        """Follow task changes: the actions' labels (Pause or Resume…) follow at once."""
        bridge = self.session.bridge
        bridge.tasks_changed.connect(self.refresh)
        bridge.service_changed.connect(self.on_service_change)
        self.session.outside_change.connect(self.refresh)

    def attach(self, view: TasksView) -> None:
        self.view = view
        view.table.addAction(self.edit)
        view.table.addAction(self.delete)
        view.activated.connect(self.edit_task_id)
        self.follow(view)

    def follow(self, source: Selection | None) -> None:
        """Act on this view's selection from now on (None: on nothing), its tasks read again:
        a view hidden while they changed (Engine › Pause all from Metrics) shows rows it
        reads again only once shown, and Pause read “Pause” for a paused task."""
        self.source = source
        self.update()
        self.refresh()

    def task_actions(self) -> list[QAction]:
        return [self.edit, self.duplicate, self.run_now, self.stop, self.pause, self.delete,
                self.show_runs]

    # -- selection -------------------------------------------------------------------------

    def _picked(self) -> list[Picked]:
        return self.source.picked_tasks() if self.source is not None else []

    def _selected(self) -> list[Task]:
        """The tasks the actions act on; empty while one of them is still being read."""
        tasks = [None if i in self._gone else self._fresh.get(i) or task
                 for i, task in self._picked()]
        return [t for t in tasks if t is not None] if all(tasks) else []

    def _unlisted(self) -> int:
        return self.source.unlisted() if isinstance(self.source, TasksView) else 0

    def update(self) -> None:
        """Follow the selection: enable what applies, say what it acts on."""
        picked = self._picked()
        missing = tuple(i for i, task in picked
                        if task is None and i not in self._fresh and i not in self._gone)
        if missing:
            self._read(missing)
        tasks = self._selected()
        one = len(tasks) == 1
        for action in (self.edit, self.duplicate, self.show_runs):
            action.setEnabled(one)
        for action in (self.run_now, self.pause, self.delete):
            action.setEnabled(bool(tasks))
        self.in_progress.follow(i for i, _task in picked)
        self.stop.setEnabled(self.in_progress.going(t.id for t in tasks) > 0)
        pausing = not tasks or any(t.spec.enabled for t in tasks)
        self.pause.setText("&Pause" if pausing else "Res&ume")
        self.pause.setIcon(icons.action_icon("pause" if pausing else "run"))
        target = (f"“{tasks[0].name}”" if one else plural(len(tasks), "task") if tasks
                  else "the selected task")
        if tasks and (more := self._unlisted()):  # Ctrl+A: the rows listed, not every task
            target = f"the {target} listed (not {more:,} more not listed yet)"
        for action, tip in ((self.edit, "Edit {} (Enter)"), (self.duplicate,
                            "Create a copy of {} (Ctrl+D)"), (self.run_now, "Run {} now (F5)"),
                            (self.stop, "Stop the runs of {} in progress (Shift+F5)"),
                            (self.pause, ("Pause" if pausing else "Resume") + " {} (Ctrl+P)"),
                            (self.delete, "Delete {} (Del)"),
                            (self.show_runs, "Show the runs of {} (Ctrl+R)")):
            action.setToolTip(tip.format(target))
            action.setStatusTip(tip.format(target))

    def refresh_icons(self) -> None:
        """Paint again the icons drawn in the palette's colours (it went light or dark)."""
        self.run_now.setIcon(icons.action_icon("run"))
        self.stop.setIcon(icons.action_icon("stop"))
        self.update()  # (Pause's, as the selection has it)

    def refresh(self, changed: Iterable[int] | None = None) -> None:
        """Tasks changed (`changed`, or any): read the selected ones among them again, so
        labels follow at once. A big selection in Tasks is left to the table's own rows."""
        picked = self._picked()
        wanted = set(changed) if changed is not None else None
        ids = tuple(i for i, _task in picked if wanted is None or i in wanted)
        reread = len(ids) <= REREAD_LIMIT or any(task is None for _i, task in picked)
        # what is read again stays as it was until the new read lands (no flicker); the rest
        # is forgotten, so nothing stale is shown when it is selected later
        for i in set(self._fresh) if wanted is None else wanted:
            if not (reread and i in ids):
                self._fresh.pop(i, None)
        self._gone -= set(self._gone) if wanted is None else wanted
        if not ids:
            return
        self._reading = None
        if reread:
            self._read(ids)
        self.update()

    def on_service_change(self, change: Change) -> None:
        self.refresh(change.tasks | change.deleted_tasks)

    def _read(self, ids: tuple[int, ...]) -> None:
        if self._reading == ids:
            return
        self._reading = ids
        service = self.session.service

        def work() -> dict[int, Task]:
            found = {}
            for task_id in ids:
                with contextlib.suppress(NotFoundError):  # deleted meanwhile: not acted on
                    found[task_id] = service.get_task(task_id)
            return found

        def done(found: dict[int, Task]) -> None:
            if self._reading == ids:
                self._reading = None
            self._fresh.update(found)
            for task_id in set(ids) - set(found):
                self._fresh.pop(task_id, None)
                self._gone.add(task_id)
            self.update()

        self.session.background.run(work, done, owner=self, title="Cannot read the task")

    # -- editing ---------------------------------------------------------------------------

    def new_task(self) -> None:
        self._open_editor(None, "new")

    def edit_task(self) -> None:
        tasks = self._selected()
        if len(tasks) == 1:
            self.edit_task_id(tasks[0].id)

    def edit_task_id(self, task_id: int, mode: str = "edit") -> None:
        self.session.background.run(lambda: self.session.service.get_task(task_id),
                                    lambda task: self._open_editor(task, mode), owner=self,
                                    title="Cannot open the task")

    def duplicate_task(self) -> None:
        tasks = self._selected()
        if len(tasks) == 1:
            self.edit_task_id(tasks[0].id, "duplicate")

    def _open_editor(self, task: Task | None, mode: str) -> None:
        editor = TaskEditor(self.session, task, mode, self.window)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(lambda t, m=mode: self._on_editor_saved(t, m))
        self.editor = editor
        editor.open()

    def _on_editor_saved(self, task: Task, mode: str) -> None:
        verb = "Saved" if mode == "edit" else "Created"
        self.message.emit(f"{verb} task “{task.name}”.")
        self.task_saved.emit(task.id)

    # -- on the selected tasks (their operations: operations.py) ---------------------------

    def run_selected(self) -> None:
        tasks = self._selected()
        if tasks:
            self.operations.run_tasks([t.id for t in tasks], {t.id: t.name for t in tasks})

    def stop_selected(self) -> None:
        tasks = self._selected()
        if tasks:
            self.operations.stop_runs([t.id for t in tasks], self._unlisted())

    def toggle_pause(self) -> None:
        tasks = self._selected()
        if tasks:
            self.operations.set_enabled([t.id for t in tasks],
                                        not any(t.spec.enabled for t in tasks), self._unlisted())

    def delete_selected(self) -> None:
        tasks = self._selected()
        if tasks:
            self.operations.delete(tasks, self._unlisted())

    def show_runs_of_selected(self) -> None:
        tasks = self._selected()
        if len(tasks) == 1:
            self.show_runs_requested.emit(tasks[0].id, tasks[0].name)

    # -- import and export -----------------------------------------------------------------

    def import_tasks(self) -> None:
        self.file_dialog = file_choice.choose(
            self.window, "Import tasks", self._on_import_chosen, purpose=EXPORTS,
            filters=[EXPORT_FILTER, file_choice.ANY_FILE])

    def _on_import_chosen(self, path: str) -> None:
        """Create the tasks of an export file; the status bar says how many, and the notes
        (a group that keeps this home's limit)."""
        def done(report: ImportReport, left_out: list[str]) -> None:
            self.message.emit(import_words(report, left_out))
            if report.created:
                self._show_all()
        import_export(self.session, self.window, Path(path), self, done)  # (secrets asked)

    def import_from(self, kind: str) -> None:
        """Open the preview of a crontab or systemd timer import (File menu)."""
        dialog = ImportPreview(kind, self.session.service, self.session.background,
                               self.window)
        dialog.imported.connect(self.message)
        dialog.imported.connect(self._show_all)
        self.import_preview = dialog
        dialog.open()

    def _show_all(self, *_said: object) -> None:
        """Tasks just imported: a search typed before must not hide them."""
        if self.view is not None and self.view.search.text():
            self.view.search.clear()

    def export_tasks(self) -> None:
        self.file_dialog = file_choice.choose(
            self.window, "Export tasks", self._on_export_chosen, mode="save", purpose=EXPORTS,
            filters=[EXPORT_FILTER], name="tickwork-tasks.json")

    def _on_export_chosen(self, path: str) -> None:
        service = self.session.service
        self.session.background.run(lambda: service.export_tasks(Path(path)), lambda done: (
            self.message.emit(f"Exported {plural(done[0], 'task')} to {path}." + (
                f" Left out {plural(done[1], 'task')} this version cannot read."
                if done[1] else ""))), owner=self, title="Cannot export the tasks")

