"""Settings… (Edit menu): how much run history is kept by default, and how Tickwork
starts — at login, minimised to the tray (where the desktop has one: else its window opens,
and the switch promises no tray), and/or the engine as a background service.

The two start switches act when ticked (they write or remove a file in the user's config
folder, and may run `systemctl --user`), off the GUI thread, and the line under them says
what was done or could not be done. The history default is saved with Save (audited as
`settings.keep`); Close or Escape with it changed asks whether to save it first. A number
typed out of range (0 newest runs) is named under its own box as it is typed, in the task
editor's words, both boxes at once, and nothing is saved: the boxes take any number that can
be typed and the core rule (app/core/keep.py) judges it, and Enter in a box left empty is
refused, since a spin box would quietly put
its last good value back and the dialog save that.
Everything is read back from where it lives (`app.settings`) when the dialog opens, so it
shows what `tickwork settings` shows.

Under Appearance, the light/dark choice a person looks for here too: the View menu's own
Appearance entries, each shown as a button (`setDefaultAction`), so one choice acts and is
ticked the same from either place and takes effect at once, as the start switches do. It is
the person's and the window's (QSettings, `settings.appearance`), not the store's, so
`tickwork settings` has no say in it.

Signals:
    saved(str): the history default was saved; what the status bar says of it (the dialog
        closed on Save with no word of what was kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app import settings
from app.core import keep as keeping
from app.core.errors import ValidationError
from app.core.keep import MAX_KEEP_DAYS, MAX_KEEP_RUNS, KeepPolicy
from app.core.nouns import plural
from app.gui.background import Background
from app.gui.qt import (
    QAction,
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QMessageBox,
    QObject,
    QSpinBox,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.widgets.choice import ChoiceButton
from app.gui.widgets.error_label import ErrorLabel, wrapping_policy
from app.gui.widgets.number_box import TypedSpinBox
from app.store.database import Store


class SettingsDialog(QDialog):
    saved = Signal(str)

    def __init__(self, store: Store, background: Background,
                 parent: QWidget | None = None, tray: bool = True,
                 schemes: Sequence[QAction] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsDialog")
        self.setWindowTitle("Settings")
        self.store = store
        self.background = background
        self.loaded = False
        self.keep: KeepPolicy | None = None
        layout = QVBoxLayout(self)

        history = QGroupBox("History")
        form = QFormLayout(history)
        self.keep_days = TypedSpinBox(0, MAX_KEEP_DAYS)  # what is typed past its bounds:
        # refused on Save in words (Qt's box dropped a minus: -30 days saved as 30, unsaid)
        self.keep_days.setSuffix(" days")
        self.keep_days.setAccessibleName("Keep every run of the last (days)")
        form.addRow("Keep every run of the &last", self.keep_days)
        self.under: dict[QSpinBox, ErrorLabel] = {
            self.keep_days: ErrorLabel(field=self.keep_days)}
        form.addRow("", self.under[self.keep_days])  # what it holds that cannot be saved
        self.keep_runs = TypedSpinBox(1, MAX_KEEP_RUNS)
        self.keep_runs.setSuffix(" runs")
        self.keep_runs.setAccessibleName("And at least the newest (runs)")
        form.addRow("and at least the &newest", self.keep_runs)
        self.under[self.keep_runs] = ErrorLabel(field=self.keep_runs)
        form.addRow("", self.under[self.keep_runs])
        self.error = ErrorLabel()  # the settings could not be read or saved
        form.addRow(self.error)
        note = QLabel("Older finished runs and their output are deleted by the engine. Tasks "
                      "with their own values (the editor's History) keep to those. The audit "
                      "trail is never deleted.")
        note.setWordWrap(True)
        note.setSizePolicy(wrapping_policy())
        form.addRow(note)
        layout.addWidget(history)

        start = QGroupBox("Start")
        box = QVBoxLayout(start)
        self.tray = tray  # with none, the window opens at login: no tray is promised
        self.start_at_login = QCheckBox("Start Tickwork &when I log in"  # Alt+L: the last days
                                        + (" (minimised to the tray)" if tray else ""))
        if not tray:
            self.start_at_login.setToolTip("This desktop has no system tray, so Tickwork "
                                           "starts with its window open.")
        self.background_engine = QCheckBox("Run the &engine in the background (a systemd "
                                           "user service: tasks run without the window)")
        self.outcome = QLabel()
        self.outcome.setObjectName("SettingsOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setSizePolicy(wrapping_policy())
        box.addWidget(self.start_at_login)
        box.addWidget(self.background_engine)
        self.start_error = ErrorLabel()  # a start setting that could not be made
        box.addWidget(self.outcome)
        box.addWidget(self.start_error)
        layout.addWidget(start)
        self.schemes: list[ChoiceButton] = []  # View ▸ Appearance's entries, as buttons
        if schemes:
            look = QGroupBox("Appearance")
            column = QVBoxLayout(look)
            row = QHBoxLayout()
            for action in schemes:
                button = ChoiceButton()
                button.setDefaultAction(action)  # its text, tick and effect: the menu's
                self.schemes.append(button)
                row.addWidget(button)
            row.addStretch(1)
            column.addLayout(row)
            # (not kept by Save nor undone by Close, unlike the rest: said where it is chosen)
            column.addWidget(QLabel("Takes effect at once, in the window of every home."))
            layout.addWidget(look)
        layout.addStretch(1)  # (room to spare below the settings, not inside their boxes)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for spin in (self.keep_days, self.keep_runs):
            spin.installEventFilter(self)
            spin.textChanged.connect(self._check_typed)  # said as typed, not on Save
        self.start_at_login.toggled.connect(self._on_start_at_login_toggled)
        self.background_engine.toggled.connect(self._on_background_engine_toggled)
        self.setEnabled(False)
        store_ = self.store
        self.background.run(lambda: settings.current(store_), self._on_loaded,
                            self._on_failed, owner=self)

    def _on_loaded(self, now: settings.Settings) -> None:
        self.keep = now.keep
        self.keep_days.setValue(now.keep.days)
        self.keep_runs.setValue(now.keep.runs)
        for check, on in ((self.start_at_login, now.start_at_login),
                          (self.background_engine, now.background_engine)):
            check.blockSignals(True)
            check.setChecked(on)
            check.blockSignals(False)
        self.setEnabled(True)
        self._keys_back(self.keep_days)
        self.loaded = True

    def _on_failed(self, error: BaseException) -> None:
        self.setEnabled(True)
        self._keys_back(self.keep_days)
        self.error.show_error(str(error))

    def _wrong(self) -> dict[QSpinBox, ValidationError]:
        """Each history box that holds what the store does not take (empty, or past its
        bounds as typed), with why: in the task editor's words."""
        wrong: dict[QSpinBox, ValidationError] = {}
        for spin, check in ((self.keep_days, keeping.keep_days),
                            (self.keep_runs, keeping.keep_runs)):
            if not spin.hasAcceptableInput():
                wrong[spin] = ValidationError(spin.accessibleName(), "must be a whole number")
                continue
            try:
                check(spin.value(), spin.accessibleName())
            except ValidationError as error:
                wrong[spin] = error
        return wrong

    def _say_wrong(self) -> dict[QSpinBox, ValidationError]:
        """Under each box, what is wrong with it (both at once); Save waits while anything is
        (a wrong value was said only once Save was pressed, and stayed said once put right)."""
        wrong = self._wrong()
        for spin, label in self.under.items():
            if spin in wrong:
                label.show_error(wrong[spin].reason)
            else:
                label.clear_error()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not wrong)
        return wrong

    def _check_typed(self) -> None:
        self._say_wrong()

    def _on_start_at_login_toggled(self, on: bool) -> None:
        home = self.store.home
        self._switch(self.start_at_login,
                     lambda: settings.set_start_at_login(home, on, self.tray))

    def _on_background_engine_toggled(self, on: bool) -> None:
        home = self.store.home

        def work() -> str:
            report = settings.set_background_engine(home, on)
            if report.failed:
                raise RuntimeError("; ".join(report.lines))
            return "\n".join(report.lines)
        self._switch(self.background_engine, work)

    def _keys_back(self, widget: QWidget) -> None:
        """`widget` has the keyboard, unless a widget of the dialog has it or another window:
        a widget disabled while the dialog works loses it, and Qt gives it to the next one
        (Space on "Start Tickwork when I log in" then ticked the background engine) or, with
        the whole dialog disabled as it opened, to none (the first key went nowhere)."""
        focused = QApplication.focusWidget()
        if focused is None or focused is self:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _switch(self, check: QCheckBox, work: Any) -> None:
        had_keys = check.hasFocus()
        if had_keys:
            self.setFocus(Qt.FocusReason.OtherFocusReason)  # kept, not passed on, meanwhile
        check.setEnabled(False)
        self.outcome.setText("…")

        def done(text: str) -> None:
            check.setEnabled(True)
            if had_keys:
                self._keys_back(check)
            self.start_error.clear_error()
            self.outcome.setText(text)

        def failed(error: BaseException) -> None:
            check.blockSignals(True)
            check.setChecked(not check.isChecked())  # it did not happen: show what is true
            check.blockSignals(False)
            check.setEnabled(True)
            if had_keys:
                self._keys_back(check)
            self.outcome.clear()
            self.start_error.show_error(str(error))
        self.background.run(work, done, failed, owner=self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in a history box saves, as the dialog's default button does, and a box that
        cannot be saved (empty, or past its bounds) is said and keeps the cursor."""
        if (isinstance(watched, QSpinBox) and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self._on_buttons_accepted()  # Save, as its default; refused in words if it cannot
            return True
        return super().eventFilter(watched, event)

    def _refuse(self, spin: QSpinBox) -> None:
        """The cursor to the first box that cannot be saved (said under it)."""
        spin.setFocus()
        spin.selectAll()

    def _on_buttons_accepted(self) -> None:
        if not self.buttons.isEnabled():  # a save on its way (Enter again meanwhile)
            return
        wrong = self._say_wrong()
        if wrong:
            self._refuse(next(iter(wrong)))
            return
        days, runs = self.keep_days.value(), self.keep_runs.value()
        self.error.clear_error()
        store = self.store
        self.buttons.setEnabled(False)

        def done(keep: KeepPolicy) -> None:
            self.keep = keep
            self.buttons.setEnabled(True)
            self.saved.emit(f"Saved the history kept by default: {plural(keep.days, 'day')}, "
                            f"at least the newest {plural(keep.runs, 'run')}.")
            self.accept()

        def failed(error: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.error.show_error(str(error))
        self.background.run(lambda: settings.set_keep_default(store, "gui", runs=runs,
                                                              days=days),
                            done, failed, owner=self)

    def reject(self) -> None:
        """Close: a changed history default is not dropped without a word (it was)."""
        keep = self.keep
        if not self.loaded or keep is None or (self.keep_days.value(), self.keep_runs.value()) \
                == (keep.days, keep.runs):
            super().reject()
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Save the history default?",
                          f"Keep every run of the last {self.keep_days.value()} days, at "
                          f"least the last {self.keep_runs.value()} runs? It is not saved "
                          "yet.", parent=self)
        save = box.addButton("&Save", QMessageBox.ButtonRole.AcceptRole)
        drop = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save)
        box.exec()
        if box.clickedButton() is save:
            self._on_buttons_accepted()
        elif box.clickedButton() is drop:
            super().reject()

