"""The week and day time grids: one column per day, one row per hour, each run or
prediction a block from its start, as tall as its (actual or expected) duration.

Blocks that overlap share the column side by side; a cluster that would need more lanes
than stay readable becomes one block ("37 succeeded 14:00–14:40") that opens the day's
list; a busy hour's block says its span to the hour's end ("60 planned 17:00–18:00", "4
succeeded, 1 failed, 10 planned 11:00–12:00"), the same form today or any day. A block's
words wrap (a time span after its dash too), and a line that does not fit ends in "…",
inside the block; the tooltip says them whole.
A day with more predictions (or runs) than it lists shows, from the hour of the last one it
lists, each hour as one block with its count (its runs by status, its predictions).
The keys move a cursor over the cells, a day by an hour (`hours`, `cursor`), and Down steps
into a cell's entries and blocks; Enter opens a block's list, an entry's run or task.
The red line in today's column is now, over the boxes (an hour block's words make room for
it); across the week's other days it is faint and under their boxes.
A one-shot task's prediction can be dragged to another time or day, in 15-minute steps.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from app.gui.calendar.boxes import (
    aggregate_box,
    aggregate_text,
    aggregate_text_rects,
    entry_box,
    entry_text,
    entry_text_rects,
    paint_entry,
    paint_faint_now,
    paint_now_line,
)
from app.gui.calendar.cursor import Cell
from app.gui.calendar.data import Entry, day_start
from app.gui.calendar.hours import GUTTER, HOUR_PX, HourGrid
from app.gui.calendar.paint import Hit, planned_counts, status_counts
from app.gui.calendar.words import aggregate_words, hour_words
from app.gui.qt import (
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPointF,
    QRectF,
    Qt,
    QWidget,
)
from app.gui.widgets.display import blend, clock

MIN_BLOCK = 20.0
SNAP = timedelta(minutes=15)
HEADER_H = 40


def lanes_for(days: int) -> int:
    return 3 if days > 1 else 8


class TimeGrid(HourGrid):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CalendarTimeGrid")
        self.setMinimumHeight(int(24 * HOUR_PX) + 2)
        self.aggregates: list[tuple[QRectF, Hit, str]] = []
        self._target: datetime | None = None
        self._target_rect: QRectF | None = None

    # -- layout ----------------------------------------------------------------------------

    def readable_lanes(self) -> int:
        """Blocks side by side that still show a time and a name."""
        return max(1, int(self.column_width() // 140))

    def max_lanes(self) -> int:
        """Blocks side by side (overlapping runs) before a cluster becomes a count."""
        return max(2, int(self.column_width() // 70))

    def _layout(self) -> None:
        self.hits = []
        self.aggregates = []
        self.counts = defaultdict(Counter)
        self.going = defaultdict(list)
        if self.data is None:
            return
        lanes = self.max_lanes()
        # more starts than this in an hour and the hour is drawn as a count
        fit = int(HOUR_PX // MIN_BLOCK) * self.readable_lanes()
        for i, d in enumerate(self.dates()):
            col = self.column(i)
            day = self.data.day(d)
            entries = sorted(day.entries, key=lambda e: e.start)
            planned = self._counted_hours(d, entries, day.hours)
            ran = day.past_hours or {}  # runs past the listed ones, counted per hour
            if planned or ran:  # these hours' predictions (runs) are in the counts
                entries = [e for e in entries if int(self.y_of(e.start, d) // HOUR_PX) not in (
                    planned if e.predicted else ran)]
            for h, n in planned.items():  # what starts in each cell, as its cursor says
                self.counts[Cell(d, h)]["planned"] += n
            for h, statuses in ran.items():
                self.counts[Cell(d, h)].update(statuses)
            for e in entries:
                self.counts[Cell(d, min(23, int(self.y_of(e.start, d) // HOUR_PX)))][
                    "planned" if e.predicted else e.status] += 1
            hours: dict[int, list[Entry]] = {h: [] for h in [*planned, *ran]}
            for entry in entries:
                hours.setdefault(int(self.y_of(entry.start, d) // HOUR_PX), []).append(entry)
            busy = {h for h, group in hours.items() if len(group) > fit} | set(planned) | set(ran)
            blocks = []
            for entry in entries:
                y0 = self.y_of(entry.start, d)
                hour = int(y0 // HOUR_PX)
                if y0 >= 24 * HOUR_PX or hour in busy:
                    continue
                y1 = max(self.y_of(entry.end, d), y0 + MIN_BLOCK)
                nxt = next((h for h in sorted(busy) if h > hour), 24)
                if nxt * HOUR_PX - y0 < MIN_BLOCK:
                    if nxt < 24:  # too little room before a busy hour: counted in it
                        hours[nxt].append(entry)
                        continue
                    y0 = 24 * HOUR_PX - MIN_BLOCK  # just before midnight: drawn above it
                blocks.append((y0, min(y1, nxt * HOUR_PX), entry))
                ends = min(self.y_of(entry.end, d), nxt * HOUR_PX)  # (not the box's least)
                for later in range(hour + 1, math.ceil(ends / HOUR_PX)):
                    self.going[Cell(d, later)].append(entry)  # (said in the cells it crosses)
            cluster: list[tuple[float, float, Entry]] = []
            end = -1.0
            for block in blocks:
                if cluster and block[0] >= end:
                    self._place(cluster, col, d, lanes)
                    cluster = []
                cluster.append(block)
                end = max(end, block[1]) if len(cluster) > 1 else block[1]
            if cluster:
                self._place(cluster, col, d, lanes)
            for hour in sorted(busy):  # from its first entry: one just before is counted in
                group = sorted(hours[hour], key=lambda e: e.start)
                top = min([hour * HOUR_PX + 1] + [self.y_of(e.start, d) for e in group[:1]])
                rect = QRectF(col.left() + 2, top, col.width() - 4, (hour + 1) * HOUR_PX - 1 - top)
                early = group[0].start if group and top < hour * HOUR_PX else None
                hit = Hit(rect, "more", d, counts=status_counts(group) + (
                    ran.get(hour) or Counter()), planned=planned_counts(group) + Counter(
                    {"running": planned.get(hour, 0)}),
                    start=early or day_start(d) + timedelta(hours=hour), hour=hour)
                self.hits.append(hit)
                at_once = hour not in planned and hour not in ran and clock(
                    group[0].start) == clock(group[-1].start)
                self.aggregates.append((rect, hit, aggregate_words(group) if at_once else
                                        hour_words(hour, planned.get(hour, 0), group,
                                                   clock(early) if early else "",
                                                   ran.get(hour))))

    def _counted_hours(self, d: date, entries: list[Entry],
                       hours: list[int] | None) -> dict[int, int]:
        """A day with more predictions than it lists: from the hour of its last listed one
        on, each hour's predicted count (so no hour shows only the part that was listed)."""
        if hours is None:
            return {}
        last = max((e.start for e in entries if e.predicted), default=None)
        cut = int(self.y_of(last, d) // HOUR_PX) if last is not None else 0
        return {h: n for h, n in enumerate(hours) if h >= cut and n}

    def _aggregate(self, rect: QRectF, d: date, entries: list[Entry]) -> None:
        """One block standing for `entries` ("4 runs: 3 succeeded, 1 failed")."""
        hit = Hit(rect, "more", d, counts=status_counts(entries),
                  planned=planned_counts(entries), start=entries[0].start,
                  hour=min(23, int(rect.top() // HOUR_PX)))
        self.hits.append(hit)
        self.aggregates.append((rect, hit, aggregate_words(entries)))

    def _place(self, cluster: list[tuple[float, float, Entry]], col: QRectF, d: date,
               max_lanes: int) -> None:
        lane_end: list[float] = []
        lanes: list[int] = []
        for y0, y1, _entry in cluster:
            for lane, until in enumerate(lane_end):
                if until <= y0:
                    lane_end[lane] = y1
                    lanes.append(lane)
                    break
            else:
                lane_end.append(y1)
                lanes.append(len(lane_end) - 1)
        if len(lane_end) > max_lanes:
            top = cluster[0][0]
            bottom = max(max(b[1] for b in cluster), top + 2 * MIN_BLOCK)
            self._aggregate(QRectF(col.left() + 2, top, col.width() - 4, bottom - top), d,
                            [b[2] for b in cluster])
            return
        width = (col.width() - 4) / len(lane_end)
        for (y0, y1, entry), lane in zip(cluster, lanes, strict=True):
            rect = QRectF(col.left() + 2 + lane * width, y0, width - 1, y1 - y0)
            self.hits.append(Hit(rect, "entry", d, entry, hour=min(23, int(y0 // HOUR_PX))))

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        self.ensure_layout()
        p = QPainter(self)
        pal = self.palette()
        dark = self.dark()
        base = pal.color(QPalette.ColorRole.Base)
        ink = pal.color(QPalette.ColorRole.Text)
        p.fillRect(self.rect(), base)
        now = self.data.now.astimezone() if self.data is not None else None  # the view's clock
        today = now.date() if now is not None else None
        for i, d in enumerate(self.dates()):
            if d == today:
                p.fillRect(self.column(i), blend(base, pal.color(QPalette.ColorRole.Highlight),
                                                 0.06))
        self._paint_cursor(p, frame=False)
        line = blend(base, ink, 0.14)
        p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        for hour in range(24):
            y = hour * HOUR_PX
            p.drawText(QRectF(0, y + 1, GUTTER - 6, 16),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                       f"{hour:02d}:00")
        p.setPen(QPen(line, 1))
        for hour in range(1, 24):
            p.drawLine(QPointF(GUTTER, hour * HOUR_PX), QPointF(self.width(), hour * HOUR_PX))
        for i in range(len(self.dates())):
            x = self.column(i).left()
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        now_y = self.y_of(now, now.date()) if now is not None else None
        if now_y is not None and len(self.dates()) > 1 and today in self.dates():
            paint_faint_now(p, GUTTER, self.width(), now_y, dark)  # under the other days' boxes
        entries = [h for h in self.hits if h.kind == "entry" and h.entry is not None]
        for hit in entries:
            assert hit.entry is not None
            entry_box(p, hit.rect, hit.entry, pal, dark)
        for rect, hit, _text in self.aggregates:  # runs above now, predictions below
            aggregate_box(p, rect, hit.counts, hit.planned, pal, dark,
                          now_y if hit.day == today else None)
        if now is not None:  # over the boxes, under their words: they stay legible
            self._paint_now(p, now)
        for hit in entries:
            assert hit.entry is not None
            entry_text(p, hit.rect, self._text(hit.entry, hit.rect), pal)
        for rect, hit, text in self.aggregates:
            aggregate_text(p, rect, text, pal, now_y if hit.day == today else None)
        if self._dragging and self._target_rect is not None and self._press_hit is not None:
            dragged = self._press_hit.entry
            assert dragged is not None and self._target is not None
            paint_entry(p, self._target_rect, dragged,
                        f"Move to {self._target.astimezone():%a %d %b %H:%M}", pal, dark,
                        ghost=True)
        self._paint_cursor(p, frame=True)
        self.paint_picked(p)
        p.end()

    def _paint_now(self, p: QPainter, now: datetime) -> None:
        """The now line across today's column (the view's clock, as last read), over its
        boxes: an hour's words leave its row free, an entry's it stops short of."""
        days = self.dates()
        today = now.date()
        if today not in days:
            return
        col = self.column(days.index(today))
        y = self.y_of(now, today)

        def crossed(rect: QRectF) -> bool:
            return rect.top() - 2 < y < rect.bottom() + 2

        words = [r for h in self.hits if h.kind == "entry" and h.entry is not None
                 and crossed(h.rect)
                 for r in entry_text_rects(p, h.rect, self._text(h.entry, h.rect))]
        words += [r for rect, h, text in self.aggregates if crossed(rect) and h.day == today
                  for r in aggregate_text_rects(p, rect, text, y)]
        paint_now_line(p, col.left(), col.right(), y, self.dark(), words)

    def _text(self, entry: Entry, rect: QRectF) -> str:
        if rect.height() >= 2 * self.fontMetrics().height() + 2:
            return f"{entry.task_name}\n{clock(entry.start)}–{clock(entry.end)}"
        return f"{clock(entry.start)} {entry.task_name}"

    # -- mouse -----------------------------------------------------------------------------

    def _drag_to(self, pos: QPointF, hit: Hit) -> None:
        assert self._press is not None
        found = self.moment_at(QPointF(pos.x(), hit.rect.top() + pos.y() - self._press.y()))
        if found is None:
            return
        d, moment = found
        start = day_start(d)
        self._target = start + round((moment - start) / SNAP) * SNAP
        col = self.column(self.dates().index(d))
        y = self.y_of(self._target, d)
        self._target_rect = QRectF(col.left() + 2, y, col.width() - 4, hit.rect.height())

    def _dropped(self, hit: Hit) -> datetime | None:
        moved = self._target is not None and hit.entry is not None and (
            self._target != hit.entry.start)
        return self._target if moved else None

    def _end_drag(self) -> None:
        self._target = None
        self._target_rect = None

    def block_words(self, hit: Hit) -> str:
        return next((text for _rect, h, text in self.aggregates if h is hit), "")

    def _more_tip(self, hit: Hit) -> str:
        said = self.block_words(hit)
        return f"{said}\nClick for the list of this day" if said \
            else "Click for the list of this day"
