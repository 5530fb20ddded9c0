"""The editor's History group (on the Execution page): how much of this task's run history
is kept — the global default (Settings), or its own keep-days / keep-runs.

"Use the default (90 days, 100 runs)" ticked means both values are unset and follow the
global default, whatever it becomes (the label shows its current values once read). Unticked,
each spin box may still say "the default" at its lowest step, so a task that sets only one
value (as `tickwork task update --keep-runs 5` does) keeps the other one unset.

Signals:
    changed(): a value changed.
"""

from __future__ import annotations

from typing import Any

from app.core.keep import DEFAULT_POLICY, MAX_KEEP_DAYS, MAX_KEEP_RUNS, KeepPolicy
from app.gui.qt import QCheckBox, QFormLayout, QGroupBox, QSpinBox, QWidget, Signal

_UNSET_DAYS = -1  # the spin boxes' lowest step: "the default"
_UNSET_RUNS = 0


class KeepFields(QGroupBox):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("History", parent)
        self.setObjectName("KeepFields")
        self.default = DEFAULT_POLICY
        form = QFormLayout(self)
        self.use_default = QCheckBox()
        form.addRow(self.use_default)
        self.keep_days = QSpinBox()
        self.keep_days.setRange(_UNSET_DAYS, MAX_KEEP_DAYS)
        self.keep_days.setSpecialValueText("the default")
        self.keep_days.setSuffix(" days")
        form.addRow("Keep every run of the l&ast", self.keep_days)
        self.keep_runs = QSpinBox()
        self.keep_runs.setRange(_UNSET_RUNS, MAX_KEEP_RUNS)
        self.keep_runs.setSpecialValueText("the default")
        self.keep_runs.setSuffix(" runs")
        form.addRow("and at least the &newest", self.keep_runs)
        self.set_default(DEFAULT_POLICY)
        self.use_default.setChecked(True)
        self._on_use_default_toggled(True)
        self.use_default.toggled.connect(self._on_use_default_toggled)
        self.keep_days.valueChanged.connect(self.changed)
        self.keep_runs.valueChanged.connect(self.changed)

    def set_default(self, policy: KeepPolicy) -> None:
        """Show the global default's values (read by the dialog off the GUI thread)."""
        self.default = policy
        self.use_default.setText(f"&Use the default ({policy.days} days, {policy.runs} runs)")

    def _on_use_default_toggled(self, on: bool) -> None:
        self.keep_days.setEnabled(not on)
        self.keep_runs.setEnabled(not on)
        if not on and self.keep_days.value() == _UNSET_DAYS \
                and self.keep_runs.value() == _UNSET_RUNS:
            self.keep_days.setValue(self.default.days)  # numbers to start from
            self.keep_runs.setValue(self.default.runs)
        self.changed.emit()

    def load(self, data: dict[str, Any]) -> None:
        days, runs = data.get("keep_days"), data.get("keep_runs")
        self.keep_days.setValue(_UNSET_DAYS if days is None else int(days))
        self.keep_runs.setValue(_UNSET_RUNS if runs is None else int(runs))
        self.use_default.setChecked(days is None and runs is None)

    def collect(self, data: dict[str, Any]) -> None:
        if self.use_default.isChecked():
            data["keep_days"] = data["keep_runs"] = None
            return
        days, runs = self.keep_days.value(), self.keep_runs.value()
        data["keep_days"] = None if days == _UNSET_DAYS else days
        data["keep_runs"] = None if runs == _UNSET_RUNS else runs
