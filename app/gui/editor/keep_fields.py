"""The editor's History group (on the Execution page): how much of this task's run history
is kept — the global default (Settings), or its own keep-days / keep-runs.

"Use the default (90 days, 100 runs)" ticked means both values are unset and follow the
global default, whatever it becomes (the label shows its current values once read). Unticked,
each spin box may still say "the default" one step below its least value, so a task that
sets only one value (as `tickwork task update --keep-runs 5` does) keeps the other one unset.
A number typed past the bounds (a minus sign, 0 runs) is kept as typed, for the task's own
check to name under the box (a box whose lowest step was the words turned -30 days into 0).

Signals:
    changed(): a value changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.keep import DEFAULT_POLICY, MAX_KEEP_DAYS, MAX_KEEP_RUNS, KeepPolicy
from app.core.nouns import plural
from app.gui.qt import QCheckBox, QFormLayout, QGroupBox, QWidget, Signal
from app.gui.widgets.number_box import TypedSpinBox

ErrorRow = Callable[[str, QWidget, QFormLayout], None]  # a page's add_error


class KeepFields(QGroupBox):
    changed = Signal()

    def __init__(self, add_error: ErrorRow | None = None,
                 parent: QWidget | None = None) -> None:
        """`add_error` puts the page's error row for a field under the row just added."""
        super().__init__("History", parent)
        self.setObjectName("KeepFields")
        self.default = DEFAULT_POLICY
        form = QFormLayout(self)
        self.use_default = QCheckBox()
        form.addRow(self.use_default)
        self.keep_days = TypedSpinBox(0, MAX_KEEP_DAYS, unset="the default")
        self.keep_days.setSuffix(" days")
        self.keep_days.valueChanged.connect(  # "1 day", "2 days"
            lambda days: self.keep_days.setSuffix(" day" if days == 1 else " days"))
        form.addRow("Keep every run of the l&ast", self.keep_days)
        if add_error is not None:
            add_error("keep_days", self.keep_days, form)
        self.keep_runs = TypedSpinBox(1, MAX_KEEP_RUNS, unset="the default")
        self.keep_runs.setSuffix(" runs")
        self.keep_runs.valueChanged.connect(
            lambda runs: self.keep_runs.setSuffix(" run" if runs == 1 else " runs"))
        form.addRow("and at least the &newest", self.keep_runs)
        if add_error is not None:
            add_error("keep_runs", self.keep_runs, form)
        self.set_default(DEFAULT_POLICY)
        self.use_default.setChecked(True)
        self._on_use_default_toggled(True)
        self.use_default.toggled.connect(self._on_use_default_toggled)
        self.keep_days.valueChanged.connect(self.changed)
        self.keep_runs.valueChanged.connect(self.changed)

    def set_default(self, policy: KeepPolicy) -> None:
        """Show the global default's values (read by the dialog off the GUI thread)."""
        self.default = policy
        self.use_default.setText(f"&Use the default ({plural(policy.days, 'day')}, "
                                 f"{plural(policy.runs, 'run')})")

    def _on_use_default_toggled(self, on: bool) -> None:
        self.keep_days.setEnabled(not on)
        self.keep_runs.setEnabled(not on)
        if not on and self.keep_days.is_unset() and self.keep_runs.is_unset():
            self.keep_days.setValue(self.default.days)  # numbers to start from
            self.keep_runs.setValue(self.default.runs)
        self.changed.emit()

    def load(self, data: dict[str, Any]) -> None:
        days, runs = data.get("keep_days"), data.get("keep_runs")
        for box, value in ((self.keep_days, days), (self.keep_runs, runs)):
            box.set_number(None if value is None else int(value))
        self.use_default.setChecked(days is None and runs is None)

    def collect(self, data: dict[str, Any]) -> None:
        if self.use_default.isChecked():
            data["keep_days"] = data["keep_runs"] = None
            return
        for box, key in ((self.keep_days, "keep_days"), (self.keep_runs, "keep_runs")):
            data[key] = box.number()
