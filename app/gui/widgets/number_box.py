"""A number box that shows whole numbers whole: "every 15 minutes" reads "15", not "15.0",
while "1.5 hours" still takes and shows its tenth."""

from __future__ import annotations

from app.gui.qt import QDoubleSpinBox


class NumberBox(QDoubleSpinBox):
    def __init__(self) -> None:
        super().__init__()
        self.setDecimals(1)

    def textFromValue(self, value: float) -> str:
        text = super().textFromValue(value)
        whole = self.locale().decimalPoint() + "0"
        return text[: -len(whole)] if text.endswith(whole) else text
