"""The calendar's footer lines: what the selected entry is (and what Enter does with it);
how many runs and predictions the period holds, for which tasks, and where the simulation
stopped listing fires one by one (each task named with its own cut), so nothing the view
counts instead of listing goes unsaid."""

from __future__ import annotations

from datetime import datetime

from app.engine.simulate import PER_TASK
from app.gui.calendar.model import CalendarData, Entry
from app.gui.calendar.words import describe, opens
from app.gui.qt import (
    QLabel,
    QPainter,
    QPaintEvent,
    QPalette,
    QSize,
    QSizePolicy,
    Qt,
    QWidget,
)
from app.gui.widgets import display

NAMED = 3  # cuts named, and tasks named per cut


def status_text(data: CalendarData, task_ids: set[int] | None) -> str:
    past = sum(sum(d.past.values()) for d in data.days.values())
    future = sum(sum(d.future.values()) for d in data.days.values())
    runs = f"{past:,} run{'s' if past != 1 else ''}"
    text = f"{runs}, {future:,} planned" if data.complete else (
        f"{runs} · predicting what will run…")
    if task_ids is not None:
        text += f" for {display.plural(len(task_ids), 'matching task')}"
    if data.predicted_until is not None:
        later = ("pick a week or a day to see them" if data.period.mode == "month"
                 else "not listed: filter tasks to see them")
        text += (" · waits and skips of tasks with dependencies or groups worked out "
                 f"until {display.full_time(data.predicted_until)}, their later fires "
                 f"counted from their schedules ({later})")
    if data.capped:
        later = ("pick a day to see them one by one" if data.period.mode != "day"
                 else "counted, not listed")
        its = ("its", "its schedule") if len(data.capped) == 1 else ("their", "their schedules")
        text += (f" · listed fire by fire (at most {PER_TASK:,} per task): "
                 f"{cut_words(data.capped)}; {its[0]} later fires counted from {its[1]} "
                 f"({later})")
    if data.uncounted:  # counted nowhere past that: the days there read fewer than will run
        text += (" · tasks that run after several others are counted only as listed: "
                 f"{cut_words(data.uncounted)}")
    return text


def cut_words(capped: list[tuple[str, datetime]]) -> str:
    """“a” until …, “b” and “c” until …, and 4 other tasks until … or later."""
    by_cut: dict[datetime, list[str]] = {}
    for name, cut in capped:
        by_cut.setdefault(cut, []).append(name)
    parts = []
    cuts = list(by_cut.items())
    for cut, names in cuts[:NAMED]:
        shown = [f"“{n}”" for n in names[:NAMED]]
        if len(names) > NAMED:
            shown.append(display.plural(len(names) - NAMED, "other task"))
        parts.append(f"{_joined(shown)} until {display.full_time(cut)}")
    rest = sum(len(names) for _cut, names in cuts[NAMED:])
    if rest:
        parts.append(f"{display.plural(rest, 'other task')} until "
                     f"{display.full_time(cuts[NAMED][0])} or later")
    return ", ".join(parts)


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


class PickedLine(QLabel):
    """The selected entry in words on one line, elided to the width (its tooltip says it
    whole), hidden while nothing is selected. Its room stays when hidden, so selecting
    something never takes height from the grid (an arrow key in the month turned every
    cell's two lines into one, hiding what they said)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CalendarPicked")
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.hide()

    def sizeHint(self) -> QSize:
        return QSize(0, self.fontMetrics().height() + 2)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        words = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                              self.width())
        p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft
                                    | Qt.AlignmentFlag.AlignVCenter), words)
        p.end()

    def show_entry(self, entry: Entry | None) -> None:
        self.setVisible(entry is not None)
        if entry is not None:
            self.setText(f"Selected: {describe(entry)} · Enter or double-click to "
                         f"{opens(entry)}")

    def show_block(self, words: str) -> None:
        """A block of many entries selected (a busy day's count, an hour's block, a day),
        in its words and how its list opens."""
        self.setText(f"Selected: {words}")
        self.show()
