"""The Calendar view's top bar: Today, previous and next, the period's title, the task-name
filter and the Month/Week/Day switch. It shows a period; the view decides what the buttons
do with it. The switch is in the Tab order and on Alt+M / Alt+W / Alt+D, the keys of the
View menu's “Calendar by” entries (`mode_actions`): a person at the keyboard found the buttons
out of reach (see `widgets/choice.py`). Where one row cannot hold them all (800 px with the
notifications panel open) the title goes on a row of its own below: the buttons keep their
words."""

from __future__ import annotations

from app.gui.calendar.data import MODES, Period
from app.gui.qt import (
    QAction,
    QActionGroup,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QResizeEvent,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.widgets.choice import ChoiceButton

FILTER_MIN_WIDTH = 100  # room for a few letters of a name
MODE_KEYS = {"month": "Alt+M", "week": "Alt+W", "day": "Alt+D"}  # free in the whole window


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


def tool(text: str, tip: str, key: str, kind: type[QToolButton] = QToolButton) -> QToolButton:
    button = kind()
    button.setText(text)
    button.setToolTip(tip)
    if key:
        button.setShortcut(key)
    button.setMinimumWidth(max(36, button.sizeHint().width()))  # its words whole, never "T…y"
    return button


class PeriodBar(QWidget):
    """Signals:
        mode_chosen(int): a mode's button was clicked or its action triggered (its index in
            `MODES`).
    """

    mode_chosen = Signal(int)

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
        self.title.setMinimumWidth(1)  # it moves below rather than pushing the window wider
        self.modes = QButtonGroup(self)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        self.row = QHBoxLayout()
        self.below = QHBoxLayout()  # the title's row when the top one is too narrow for it
        rows.addLayout(self.row)
        rows.addLayout(self.below)
        self.row.addWidget(self.today)
        self.row.addWidget(self.prev)
        self.row.addWidget(self.next)
        self.row.addWidget(self.title)  # its words first; the filter takes what is left
        self.filter = QLineEdit()
        self.filter.setObjectName("CalendarFilter")
        self.filter.setPlaceholderText("Only tasks named…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMinimumWidth(FILTER_MIN_WIDTH)
        self.filter.setMaximumWidth(240)
        self.row.addWidget(self.filter, 1)  # room to spare: its hint whole, up to its most
        self.mode_actions = QActionGroup(self)  # the View menu's, with their keys
        for i, name in enumerate(MODES):
            key = MODE_KEYS[name]
            button = tool(name.capitalize(), f"{name.capitalize()} view ({key})", "",
                          ChoiceButton)
            button.setChecked(name == mode)
            self.modes.addButton(button, i)
            self.row.addWidget(button)
            action = QAction(f"&{name.capitalize()}", self.mode_actions)
            action.setShortcut(key)
            action.setCheckable(True)
            action.setChecked(name == mode)
            action.triggered.connect(lambda _c=False, i=i: self.mode_chosen.emit(i))
        self.modes.idClicked.connect(self.mode_chosen)

    def title_below(self) -> bool:
        return self.below.indexOf(self.title) >= 0

    def _place_title(self) -> None:
        """The title in the top row where the row holds everything at its natural width,
        else on the row below (where the filter may shrink to its least)."""
        row = self.row
        widgets = [self.today, self.prev, self.next, self.filter, *self.modes.buttons()]
        needed = sum(w.sizeHint().width() for w in widgets)
        needed += self.title.sizeHint().width() + row.spacing() * len(widgets)
        below = needed > self.width()
        if below != self.title_below():
            (row if below else self.below).removeWidget(self.title)
            if below:
                self.below.addWidget(self.title, 1)
            else:
                row.insertWidget(row.indexOf(self.next) + 1, self.title)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_title()

    def show_period(self, period: Period) -> None:
        self.modes.button(MODES.index(period.mode)).setChecked(True)
        self.mode_actions.actions()[MODES.index(period.mode)].setChecked(True)
        self.title.setText(title_of(period))
        self._place_title()  # a week's title is longer than a month's
