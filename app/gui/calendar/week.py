"""The week and day time grids: one column per day, one row per hour, each run or
prediction a block from its start, as tall as its (actual or expected) duration.

Blocks that overlap share the column side by side; a cluster that would need more lanes
than stay readable becomes one block ("37 succeeded 14:00–14:40") that opens the day's
list; a busy hour's block says its span to the hour's end ("60 planned 17:00–18:00", "4
succeeded, 1 failed, 10 planned 11:00–12:00"), the same form today or any day. A block's
words wrap (a time span after its dash too), and a line that does not fit ends in "…",
inside the block; the tooltip says them whole.
A day with more predictions (or runs) than it lists shows, from the hour of the last one it
lists, each hour as one block with its count (its runs by status, its predictions); the
arrow keys step through the blocks as through the entries, and Enter opens a block's list.
The red line in today's column is now, over the boxes (an hour block's words make room for
it); across the week's other days it is faint and under their boxes.
A one-shot task's prediction can be dragged to another time or day, in 15-minute steps.
Across a week Left and Right go to the day beside, Up and Down through a day's blocks.
"""

from __future__ import annotations

from collections import Counter
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
from app.gui.calendar.data import Entry, day_start
from app.gui.calendar.paint import CalendarGrid, Hit, planned_counts, status_counts
from app.gui.calendar.words import by_concern
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
from app.gui.widgets import display
from app.gui.widgets.display import blend, clock

HOUR_PX = 48.0
GUTTER = 52.0
MIN_BLOCK = 20.0
SNAP = timedelta(minutes=15)
HEADER_H = 40


def lanes_for(days: int) -> int:
    return 3 if days > 1 else 8


def block_words(when: str, entries: list[Entry], counted: int = 0,
                ran: Counter[str] | None = None) -> str:
    """A block's words in one form, each count with its word, then the time: “60 planned
    17:00–18:00”, “1 failed, 5 succeeded, 32 planned 16:24–17:00” — its runs by status, a
    failure first (`by_concern`), and its predictions (`counted` predictions and the runs
    `ran` known by count only, the rest among `entries`). The current hour said “38
    16:24–17:00: 5 succeeded, …”, its total first with no word to say what it counted."""
    past = Counter(e.status for e in entries if not e.predicted) + (ran or Counter())
    planned = counted + sum(1 for e in entries if e.predicted)
    parts = [f"{n:,} {display.status_words(s)}" for s, n in by_concern(past)]
    parts += [f"{planned:,} planned"] if planned else []
    return f"{', '.join(parts) or 0} {when}"


def aggregate_words(entries: list[Entry]) -> str:
    """A cluster's words, from its first start to its last: “4 planned at 02:00”, “3
    succeeded, 2 planned 02:00–02:40” (entries in time order)."""
    first, last = clock(entries[0].start), clock(entries[-1].start)
    return block_words(f"at {first}" if first == last else f"{first}–{last}", entries)


def hour_words(hour: int, planned: int, entries: list[Entry], begins: str = "",
               ran: Counter[str] | None = None) -> str:
    """A busy hour's words, to the hour's end from its start, or from `begins` (a fire
    just before it counted in): “54 planned 09:00–10:00”, “6 succeeded, 54 planned
    09:37–11:00”."""
    return block_words(f"{begins or f'{hour:02d}:00'}–{(hour + 1) % 24:02d}:00", entries,
                       planned, ran)


class TimeGrid(CalendarGrid):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CalendarTimeGrid")
        self.setMinimumHeight(int(24 * HOUR_PX) + 2)
        self.aggregates: list[tuple[QRectF, Hit, str]] = []
        self._target: datetime | None = None
        self._target_rect: QRectF | None = None

    # -- geometry --------------------------------------------------------------------------

    def dates(self) -> list[date]:
        return self.data.period.dates if self.data is not None else []

    def step_to(self, stops: list[Hit], current: Hit | None, key: Qt.Key) -> Hit | None:
        """Across a week Left and Right go to the day beside (the nearest with something
        drawn), to what is there nearest in time: they stepped through the day's own entries
        first, so Right from Monday 09:00 went to Monday 12:00. Up and Down, and a lone day,
        step in reading order."""
        if (key not in (Qt.Key.Key_Left, Qt.Key.Key_Right) or current not in stops
                or len(self.dates()) < 2):
            return super().step_to(stops, current, key)
        assert current is not None
        right = key == Qt.Key.Key_Right
        days = [h.day for h in stops if (h.day > current.day if right else h.day < current.day)]
        if not days:
            return current
        day = min(days) if right else max(days)
        y = current.rect.center().y()
        return min((h for h in stops if h.day == day), key=lambda h: abs(h.rect.center().y() - y))

    def column_width(self) -> float:
        return (self.width() - GUTTER) / max(1, len(self.dates()))

    def column(self, i: int) -> QRectF:
        w = self.column_width()
        return QRectF(GUTTER + i * w, 0, w, 24 * HOUR_PX)

    def y_of(self, moment: datetime, d: date) -> float:
        seconds = (moment - day_start(d)).total_seconds()
        return max(0.0, min(24 * HOUR_PX, seconds * HOUR_PX / 3600))

    def moment_at(self, pos: QPointF) -> tuple[date, datetime] | None:
        days = self.dates()
        if not days or pos.x() < GUTTER:
            return None
        i = min(len(days) - 1, int((pos.x() - GUTTER) // self.column_width()))
        seconds = max(0.0, min(24 * 3600 - 1, pos.y() * 3600 / HOUR_PX))
        return days[i], day_start(days[i]) + timedelta(seconds=seconds)

    def readable_lanes(self) -> int:
        """Blocks side by side that still show a time and a name."""
        return max(1, int(self.column_width() // 140))

    def max_lanes(self) -> int:
        """Blocks side by side (overlapping runs) before a cluster becomes a count."""
        return max(2, int(self.column_width() // 70))

    def _layout(self) -> None:
        self.hits = []
        self.aggregates = []
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
                    start=early or day_start(d) + timedelta(hours=hour))
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
                  planned=planned_counts(entries), start=entries[0].start)
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
            self.hits.append(Hit(rect, "entry", d, entry))

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
