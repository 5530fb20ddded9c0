"""The time grid's keyboard cursor: one cell, a day by an hour, that the keys move over every
hour of the days shown, empty ones too, and how a cell is said (“Tuesday 8 December, 14:00,
2 runs (2 succeeded)”, “…, nothing scheduled”). The arrows stepped only between the entries
drawn: an empty hour could not be reached, and where the focus was went unsaid as a day and
an hour.

Left and Right go to the day beside, Up and Down to the hour above or below (through
midnight to the day before or after), Home and End to the first and last day shown, Page Up
and Page Down a period back or on (a week, a day); past the days shown the period follows.
Down also steps into a cell, through the entries and blocks that start in its hour, as the
month's day cursor steps into a day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.core.term_colours import FAINT_READABLE, readable
from app.gui.calendar.model import Entry
from app.gui.calendar.words import by_concern
from app.gui.qt import QColor, Qt
from app.gui.widgets import display

MOVES = {Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right", Qt.Key.Key_Up: "up",
         Qt.Key.Key_Down: "down", Qt.Key.Key_Home: "home", Qt.Key.Key_End: "end",
         Qt.Key.Key_PageUp: "page up", Qt.Key.Key_PageDown: "page down"}
# keys the window has shortcuts for (Page Up and Down: the period bar's ◀ ▶) that the grid
# takes while it has a cursor, so the cursor goes with the period
OWN_KEYS = (Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


@dataclass(frozen=True)
class Cell:
    """Where the cursor is: a day, and an hour from its midnight (the grid's row)."""

    day: date
    hour: int

    def moved(self, days: int = 0, hours: int = 0) -> Cell:
        at = self.hour + hours
        return Cell(self.day + timedelta(days=days + at // 24), at % 24)


def step(cell: Cell, move: str, dates: list[date]) -> Cell:
    """The cell a move goes to; it may be outside `dates` (the period then follows)."""
    if move in ("left", "right"):
        return cell.moved(days=1 if move == "right" else -1)
    if move in ("up", "down"):
        return cell.moved(hours=1 if move == "down" else -1)
    if move in ("home", "end"):
        return Cell(dates[0] if move == "home" else dates[-1], cell.hour)
    return cell.moved(days=len(dates) if move == "page down" else -len(dates))


GOING_NAMED = 3  # boxes going on from an earlier hour named in a cell's words; the rest counted


def cell_words(cell: Cell, runs: Counter[str], planned: int, past: bool,
               going: Sequence[Entry] = ()) -> str:
    """A cell as a screen reader says it: its day and hour, then what starts in it, runs by
    status (a failure first), then predictions, then the boxes drawn across it that began in
    an earlier hour (`going`: a two-hour backup's second hour said nothing ran); an empty one
    says that nothing ran (`past`: its hour is over) or that nothing is scheduled."""
    d = cell.day
    when = f"{d:%A} {d.day} {d:%B}, {cell.hour:02d}:00"
    total = sum(runs.values())
    said = ", ".join(f"{n:,} {display.status_words(s)}" for s, n in by_concern(runs))
    parts = [f"{total:,} run{'s' if total != 1 else ''} ({said})"] if total else []
    parts += [f"{planned:,} planned"] if planned else []
    if going:
        named = [f"{e.task_name} ({'planned ' if e.predicted else ''}from {display.clock(e.start)})"
                 for e in going[:GOING_NAMED]]
        more = len(going) - len(named)
        parts.append("going on from before: " + ", ".join(named) + (
            f" and {more:,} more" if more else ""))
    return f"{when}, {', '.join(parts) or ('nothing ran' if past else 'nothing scheduled')}"


def cursor_colour(highlight: QColor, under: QColor) -> QColor:
    """The cursor's frame: the palette's highlight, or its nearest shade that stands out at
    3:1 (WCAG's for what is not text) from what is under it."""
    fg = (highlight.red(), highlight.green(), highlight.blue())
    return QColor(*readable(fg, (under.red(), under.green(), under.blue()), FAINT_READABLE))
