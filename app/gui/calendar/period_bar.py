"""The Calendar view's top bar: Today, previous and next, the period's title, the task-name
filter and the Month/Week/Day switch. It shows a period; the view decides what the buttons
do with it."""

from __future__ import annotations

from app.gui.calendar.data import MODES, Period
from app.gui.qt import QButtonGroup, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget


def title_of(period: Period) -> str:
    """The period in words: “March 2026”, “Week 11 · 9 Mar – 15 Mar 2026”, a day in full."""
    p = period
    if p.mode == "month":
        return f"{p.anchor:%B %Y}"
    if p.mode == "week":
        last = p.dates[-1]
        return (f"Week {p.first.isocalendar()[1]} · {p.first.day} {p.first:%b} – "
                f"{last.day} {last:%b %Y}")
    return f"{p.first:%A} {p.first.day} {p.first:%B %Y}"


def tool(text: str, tip: str, key: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    if key:
        button.setShortcut(key)
    button.setMinimumWidth(36)
    return button


class PeriodBar(QWidget):
    def __init__(self, mode: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = tool("Today", "Go to today (T)", "T")
        self.prev = tool("◀", "Previous (Page Up)", "PgUp")
        self.next = tool("▶", "Next (Page Down)", "PgDown")
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.modes = QButtonGroup(self)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.today)
        bar.addWidget(self.prev)
        bar.addWidget(self.next)
        bar.addWidget(self.title, 1)
        self.filter = QLineEdit()
        self.filter.setObjectName("CalendarFilter")
        self.filter.setPlaceholderText("Only tasks named…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMaximumWidth(240)
        bar.addWidget(self.filter)
        for i, name in enumerate(MODES):
            button = tool(name.capitalize(), f"{name.capitalize()} view", "")
            button.setCheckable(True)
            button.setChecked(name == mode)
            self.modes.addButton(button, i)
            bar.addWidget(button)

    def show_period(self, period: Period) -> None:
        self.modes.button(MODES.index(period.mode)).setChecked(True)
        self.title.setText(title_of(period))
