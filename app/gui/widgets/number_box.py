"""Number boxes: one that shows whole numbers whole ("every 15 minutes" reads "15", not
"15.0", while "1.5 hours" still takes and shows its tenth), and one that keeps a whole number
typed past its bounds for the field's own check to name."""

from __future__ import annotations

from app.gui.qt import QAbstractSpinBox, QDoubleSpinBox, QSpinBox


class NumberBox(QDoubleSpinBox):
    def __init__(self) -> None:
        super().__init__()
        self.setDecimals(1)

    def textFromValue(self, value: float) -> str:
        text = super().textFromValue(value)
        whole = self.locale().decimalPoint() + "0"
        return text[: -len(whole)] if text.endswith(whole) else text


class TypedSpinBox(QSpinBox):
    """A whole-number box that keeps what is typed, also past its bounds (a minus sign, 0
    where 1 is the least, a digit too many): the task's or setting's own check then names it
    under the field, where Qt's box dropped it without a word (-2 retries became 2). Its
    arrows, keys and wheel stay from `low` to `high`."""

    def __init__(self, low: int, high: int) -> None:
        super().__init__()
        self.low, self.high = low, high
        reach = 10 * max(abs(low), abs(high)) + 9  # one digit more than it takes
        self.setRange(-reach, reach)

    def stepBy(self, steps: int) -> None:
        target = min(max(self.value() + steps, self.low), self.high)
        super().stepBy(target - self.value())

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() > self.low:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        if self.value() < self.high:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        return flags
