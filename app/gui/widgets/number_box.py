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
    arrows, keys and wheel stay from `low` to `high`.

    With `unset` (e.g. "the default"), one more step below `low` says those words and
    means no value (`unset_value`): a number typed below `low` is still kept as typed,
    where a box whose lowest step was the words turned -30 into 0."""

    def __init__(self, low: int, high: int, unset: str | None = None) -> None:
        super().__init__()
        self.low, self.high = low, high
        reach = 10 * max(abs(low), abs(high)) + 9  # one digit more than it takes
        self.unset_value: int | None = None
        if unset is not None:
            self.unset_value = -reach - 1  # the range's minimum: where Qt shows the words
            self.setSpecialValueText(unset)
        self.setRange(-reach - (unset is not None), reach)

    def is_unset(self) -> bool:
        return self.unset_value is not None and self.value() == self.unset_value

    def number(self) -> int | None:
        """The value, None at the `unset` step."""
        return None if self.is_unset() else self.value()

    def set_number(self, value: int | None) -> None:
        """Show `value`, or the `unset` step for None."""
        self.setValue(self.minimum() if value is None else value)

    def _step_of(self, value: int) -> int:
        """Where `value` sits on the arrows' scale (the words one below `low`)."""
        return self.low - 1 if value == self.unset_value else value

    def stepBy(self, steps: int) -> None:
        lowest = self.low - (self.unset_value is not None)
        step = self._step_of(self.value())
        target = step + steps
        if step < lowest and steps > 0:  # typed below the bounds: up goes to the least
            target = max(target, self.low)  # value, not to the words
        target = min(max(target, lowest), self.high)
        if target < self.low and self.unset_value is not None:
            target = self.unset_value
        super().stepBy(target - self.value())

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        step = self._step_of(self.value())
        if step > self.low or (self.unset_value is not None and step >= self.low):
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        if step < self.high:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        return flags
