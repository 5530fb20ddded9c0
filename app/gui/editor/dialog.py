"""The task editor dialog: every field of a task, grouped in pages, validated as you type.

The form is turned into the task JSON that `TaskSpec.from_json` reads (the same path as the
CLI and import files), so the editor names the same field with the same reason. Errors show
under the field they are about and mark its page in the sidebar; Save stays disabled while
anything is invalid. Saving runs off the GUI thread through the service (so it is audited
as any other change); an error the service finds (a duplicate name, an unknown upstream, a
dependency or fallback cycle, a program, module or working folder this machine lacks) comes
back inline the same way. The name and the action are also looked at as they are typed, with
the service's own checks, whatever else is still missing: a name another task has
(`links.py`), a program, module, folder or shell this machine lacks (`machine.py`, off the
GUI thread once typing pauses; the Action page's "don't check now" box skips it, as
`--no-verify` does). Every field's error shows at once (`every_error.py`), one way
(`problems.py`), and beside Save the first one's reason, a click away from its field; a new
task's empty field is said once the person has been to it or pressed Save (`touched.py`).

A new task has no schedule until the person picks one: Create stays disabled with "Choose when
it runs" beside it and the Schedule page marked. The editor opens with the cursor in the name;
Escape (or Cancel, or closing the window) with unsaved changes asks before discarding them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from app.core.errors import ValidationError
from app.core.references import Snapshot
from app.core.task import Task
from app.gui.editor import form, saving
from app.gui.editor.action_page import ActionPage
from app.gui.editor.env_page import EnvPage
from app.gui.editor.every_error import every_error, hidden_errors
from app.gui.editor.links import LinkCheck
from app.gui.editor.machine import MachineCheck
from app.gui.editor.page import Page, error_focus, lead_labels
from app.gui.editor.page_keys import SAVE, PageKeys
from app.gui.editor.pages import DependenciesPage, ExecutionPage, GeneralPage, NotificationsPage
from app.gui.editor.past import PastCheck
from app.gui.editor.problems import Problems
from app.gui.editor.questions import confirm_discard
from app.gui.editor.schedule_choices import NOT_CHOSEN
from app.gui.editor.schedule_page import SchedulePage
from app.gui.editor.touched import Touched
from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QListWidget,
    QPushButton,
    QScrollArea,
    QShortcut,
    QSize,
    QStackedWidget,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.session import Session
from app.gui.tasks import reads
from app.gui.widgets import accessible
from app.gui.widgets.error_label import ErrorLabel
from app.gui.widgets.focus_ring import FocusRing
from app.gui.widgets.task_field import Lookup
from app.settings import keep_default

log = logging.getLogger(__name__)

VALIDATE_MS = 150


class TaskEditor(QDialog):
    """Create, edit or duplicate a task.

    Signals:
        saved(Task): the task was stored.
    """

    saved = Signal(object)

    def __init__(self, session: Session, task: Task | None = None, mode: str = "new",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.mode = mode
        self.original = task
        self.setObjectName("TaskEditor")
        self.links = LinkCheck()
        self.own = task.id if task is not None and mode == "edit" else None
        before = task.spec if task is not None and mode == "edit" else None
        self.machine = MachineCheck(session.background, before, session.service.engine_path, self)
        self.machine.checked.connect(self.validate)
        self.past = PastCheck(session.background, session.service, self)
        self.past.read.connect(self.validate)
        self._edited = self._saving = False
        self._first_error: ValidationError | None = None
        self._refused: tuple[ValidationError, object] | None = None  # (show_refusal)
        if mode == "edit" and task is not None:
            self.setWindowTitle(f"Edit task — {task.name}")
        elif mode == "duplicate":
            self.setWindowTitle("Duplicate task")
        else:
            self.setWindowTitle("New task")
        self.general = GeneralPage()
        self.action = ActionPage()
        self.schedule = SchedulePage()
        self.execution = ExecutionPage()
        self.dependencies = DependenciesPage()
        self.env = EnvPage(secrets_allowed=session.secrets_available is not False)
        self.notifications = NotificationsPage()
        self.pages: list[Page] = [self.general, self.action, self.schedule, self.execution,
                                  self.dependencies, self.env, self.notifications]
        self.touched = Touched(self.pages, self, everything=mode != "new")
        self.touched.left.connect(self.validate)  # a field left empty: said now
        self.action.skip_checks.toggled.connect(self.validate)  # a look at the machine, or none
        self.action.is_python.toggled.connect(
            lambda python: self.env.set_kind("python" if python else "command"))
        session.background.run(lambda: keep_default(session.store),  # History's default label
                               self.execution.keep.set_default, owner=self)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("EditorPages")
        self.stack = QStackedWidget()
        for page in self.pages:
            self.sidebar.addItem(page.title)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop nobody can see
            scroll.setWidget(page)
            self.stack.addWidget(scroll)
            page.changed.connect(self._on_page_changed)
        self.sidebar.setIconSize(QSize(16, 16))
        self.sidebar.setSpacing(3)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setFixedWidth(max(self.sidebar.sizeHintForColumn(0), 150) + 40)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setCurrentRow(0)
        self.page_keys = PageKeys(self, self.sidebar, self.pages)  # Ctrl+Tab: the next page

        self.banner = ErrorLabel()
        # why Create is disabled (a mistake, or a choice to make); a click goes there
        self.hint = QPushButton()
        self.hint.setObjectName("EditorHint")
        self.hint.setFlat(True)
        self.hint.clicked.connect(self._on_hint_clicked)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.problems = Problems(self.pages, self.schedule, self.sidebar, self.banner, self.hint,
                                 self.buttons)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        # no Alt+C: the Action page's "Run a &command" and the Cron field have it; Ctrl+Return
        # saves from anywhere instead
        self.save_button.setText("&Save" if mode == "edit" else "Create")
        save_key = QShortcut(QKeySequence(SAVE), self)
        save_key.activated.connect(self._on_save_key)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        body = QHBoxLayout()
        body.addWidget(self.sidebar)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.banner)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self.focus_ring = FocusRing(self)  # the page list too: its selection is no focus cue
        self.resize(780, 580)

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATE_MS)
        self._validate_timer.timeout.connect(self.validate)

        lead_labels(self)  # before a load shows more rows: Alt+letter finds the same field
        self._load(task)
        self.schedule.changed.connect(self._show_chain)
        self._show_chain()
        saving.Pending(self)  # a click or Enter while a check waits saves
        self.validate()
        accessible.name_tree(self)  # names for a screen reader: widgets/accessible.py
        self.general.name.setFocus()  # type the name straight away
        session.background.run(lambda: reads.references(session.service, self.own),
                               lambda read: self._on_references(*read),
                               owner=self, title="Cannot read task names")

    def _load(self, task: Task | None) -> None:
        """Put `task` in the form (none: a new one), as it opens or is reloaded."""
        data = form.initial_data(task, self.mode)
        if self.mode == "edit" and task is not None:  # its intervals count from its creation
            self.schedule.counted_from = task.created_at
            self.past.edit(task)
            self.session.background.run(lambda: self.session.service.missing_secrets(task),
                                        self.env.show_missing, owner=self)
        for page in self.pages:
            page.load(data)
        self._opened_with = form.form_state(self.pages, self.env)
        self._opened = saving.opened(self, task) if self.mode == "edit" else None
        self._edited = False

    def reload(self) -> None:
        """The task as it is stored now, in the form: the person's changes are dropped (they
        chose Reload when it had changed elsewhere)."""
        assert self.original is not None
        service, ref = self.session.service, self.original.id
        self.session.background.run(lambda: service.get_task(ref), self._on_reloaded,
                                    owner=self, title="Cannot read the task")

    def _on_reloaded(self, task: Task) -> None:
        self.original = task
        self.machine.before = task.spec
        self.setWindowTitle(f"Edit task — {task.name}")
        self._load(task)
        self._validate_timer.stop()
        self.validate()

    def _show_chain(self) -> None:
        s = self.schedule  # a schedule "after other tasks succeed": they start this one
        self.dependencies.show_chain(s.after.names() if s.kind.currentData() == "after" else [])

    def _on_references(self, snapshot: Snapshot, known: list[str]) -> None:
        itself = snapshot.names.get(self.own) if self.own is not None else None
        self.links.set(snapshot)
        lookup = Lookup(self.session.background, self.session.service, itself)  # big homes
        self.schedule.after.set_known(known, itself, snapshot.folded(), lookup)
        self.dependencies.set_known_names(known, itself, snapshot.folded(), lookup)
        self.execution.set_groups(snapshot.groups)
        self.validate()

    # -- validation -------------------------------------------------------------------------

    def _on_page_changed(self) -> None:
        """An edit: checked once typing pauses, Save off till then (`saving.Pending` saves
        on a click or Enter meanwhile, checked at once)."""
        self._edited = True
        self.save_button.setEnabled(False)
        self._validate_timer.start()

    def check_now(self) -> None:
        """A check waiting for typing to pause, done at once (a click or Enter came)."""
        if self._validate_timer.isActive() and not self._saving:
            self._validate_timer.stop()
            self.validate()

    def show_refusal(self, error: ValidationError) -> None:
        """The service's refusal of a field, under it (its page shown), kept through later
        checks until the form changes: a look at the action ending after it wiped it."""
        self._refused = (error, form.form_state(self.pages, self.env))
        self._first_error = self.problems.show([error], self.schedule.chosen())
        self._show_first_error()

    def collect(self) -> dict[str, Any]:
        """The form as task JSON; raises ValidationError for what cannot even be read."""
        data: dict[str, Any] = {}
        for page in self.pages:
            page.collect(data)
        return data

    def check(self, now: datetime | None = None) -> dict[str, Any]:
        """Collect and validate as the service will; returns the task JSON or raises."""
        data = self.collect()
        self._check_form(data, now or datetime.now(UTC), set())
        if not self.schedule.chosen():
            raise ValidationError("schedule", NOT_CHOSEN.lower())
        return data

    def _check_form(self, data: dict[str, Any], now: datetime, aside: set[str]) -> None:
        spec = self.past.spec(data, now)
        if "name" not in aside:  # (a stand-in's links are no one's)
            self.links.check(spec, self.own)

    def _every_error(self) -> list[ValidationError]:
        """Every field's error at once (`every_error.py`), each page read even where one
        before it cannot be."""
        data: dict[str, Any] = {}
        read: list[ValidationError] = []
        for page in self.pages:
            try:
                page.collect(data)
            except ValidationError as exc:
                read.append(exc)
        now = datetime.now(UTC)
        errors = every_error(data, read, lambda form, aside: self._check_form(form, now, aside))
        if not errors and not self.schedule.chosen():
            errors.append(ValidationError("schedule", NOT_CHOSEN.lower()))
        return errors

    def validate(self) -> bool:
        """Show what is wrong under its field; enable Save only when nothing is."""
        self.problems.clear()
        self.schedule.update_preview()
        errors = self._every_error()
        errors += hidden_errors(errors, self.general.name.text(), self.own, self.links,
                                self.action, self.env, self.machine)
        refused = self._refused  # the service's refusal, said until the form changes
        if refused is not None and refused[1] != form.form_state(self.pages, self.env):
            refused = self._refused = None
        errors += [refused[0]] if refused is not None else []
        self._first_error = self.problems.show(errors, self.schedule.chosen(), self.touched.waits)
        ok = self._first_error is None
        self.save_button.setEnabled(ok and not self._saving)
        self.save_button.setToolTip("Ctrl+Return" if ok else f"Cannot save: {self._first_error}")
        return ok

    def _on_save_key(self) -> None:
        """Ctrl+Return: save, or show the page with what stops it."""
        if not self._saving:
            self.save()

    def _on_hint_clicked(self) -> None:
        place = self.problems.hinted_place()  # (None: said in the banner)
        if place is not None:
            self.go_to(*place)

    def first_error(self) -> ValidationError | None:
        return self._first_error

    def _show_first_error(self) -> None:
        """Show the first page with an error, the cursor in its field (typing goes there)."""
        index = self.page_with_error()
        if index >= 0:
            self.go_to(index, self.pages[index].first_error_widget())

    def go_to(self, index: int, widget: QWidget | None) -> None:
        """Show page `index`, the cursor in `widget`'s field (typing goes there)."""
        self.sidebar.setCurrentRow(index)
        if widget is not None and widget.isEnabled():
            error_focus(widget).setFocus(Qt.FocusReason.OtherFocusReason)

    def page_with_error(self) -> int:
        return next((i for i, p in enumerate(self.pages) if p.has_errors()), -1)

    # -- closing ---------------------------------------------------------------------------

    def has_changes(self) -> bool:
        """Has the person changed anything since the editor opened? (Typed and then undone
        counts as unchanged; where a page cannot be read, any edit at all counts.)"""
        now = form.form_state(self.pages, self.env) if self._edited else None
        return now is not None and (not isinstance(now, list) or None in now
                                    or now != self._opened_with)

    def reject(self) -> None:
        """Escape, Cancel or the window's close button: ask before losing changes."""
        if self.has_changes() and not confirm_discard(self):
            return
        super().reject()

    def discard(self) -> None:
        """Close without saving and without asking."""
        super().reject()

    # -- saving ----------------------------------------------------------------------------

    def save(self, overwrite: bool = False, again: bool = False) -> None:
        self._validate_timer.stop()
        self.touched.all = True
        if not self.validate():
            self._show_first_error()
            return
        data = self.check()
        secrets = dict(self.env.secrets_to_store(data["name"].strip()))
        service = self.session.service
        mode, original, opened = self.mode, self.original, self._opened
        verify = not self.action.skip_checks.isChecked()
        self._saving = True
        self.save_button.setEnabled(False)

        def work() -> Task:  # its new secrets go to the keyring only with a save that passes
            if mode == "edit" and original is not None and not again:  # what it changed
                return service.update_task(original.id, data, verify=verify, overwrite=overwrite,
                                           since=opened, secrets=secrets)
            return service.create_task(data, verify=verify,  # (again: deleted meanwhile)
                                       secrets=secrets)

        self.session.background.run(work, self._on_saved, self._on_save_failed, owner=self,
                                    title="Cannot save the task")

    def _on_saved(self, task: Task) -> None:
        self._saving = False
        self.saved.emit(task)
        self.accept()

    def _on_save_failed(self, error: BaseException) -> None:
        self._saving = False
        again = saving.failed(self, error)  # (said, or asked what to do)
        if again is not None:
            return self.save(**again)
        if self._refused is not None:  # a field refused: Save off, as any check says, till
            self.validate()  # the form changes (it was on, till a look ending turned it off)
        else:
            self.save_button.setEnabled(True)  # (said in the banner: try again)
