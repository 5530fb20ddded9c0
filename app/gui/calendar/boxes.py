"""How calendar entries look, shared by the month grid and the week/day time grid.

A run that happened is a tinted box with a solid bar in its status colour (the same
palette-aware colours as the Runs view); a predicted fire is an untinted box with a dashed
outline in the colour of its kind, so "ran" and "will run" never look alike. Aggregates
("42 runs") are drawn the same way: filled for runs, in a failure's colour when any failed,
else the status mix's dominant one, dashed for predictions. Each box is painted in two
steps, the box then its words, so the time grid can draw its now line between them: over
the boxes, under their words (drawn last, it struck through the current hour's words).
"""

from __future__ import annotations

import re
from collections import Counter

from app.gui.calendar.data import Entry
from app.gui.calendar.words import KIND_COLOURS, by_concern
from app.gui.qt import (
    QColor,
    QFontMetrics,
    QPainter,
    QPalette,
    QPen,
    QPointF,
    QRectF,
    QRegion,
    Qt,
)
from app.gui.widgets import display
from app.gui.widgets.display import blend


def entry_colour(entry: Entry, dark: bool) -> QColor:
    key = KIND_COLOURS.get(entry.kind, "running") if entry.predicted else entry.status
    return display.status_colour(key, dark)


def paint_entry(p: QPainter, rect: QRectF, entry: Entry, text: str, palette: QPalette,
                dark: bool, ghost: bool = False) -> None:
    """A box for one entry with `text` inside, elided to fit."""
    entry_box(p, rect, entry, palette, dark, ghost)
    entry_text(p, rect, text, palette)


def entry_box(p: QPainter, rect: QRectF, entry: Entry, palette: QPalette, dark: bool,
              ghost: bool = False) -> None:
    """An entry's box, without its words."""
    base = palette.color(QPalette.ColorRole.Base)
    colour = entry_colour(entry, dark)
    box = rect.adjusted(0.5, 0.5, -0.5, -0.5)
    if entry.predicted:
        pen = QPen(colour, 1.2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(blend(base, colour, 0.06) if not ghost else blend(base, colour, 0.3))
        p.drawRoundedRect(box, 3, 3)
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(blend(base, colour, 0.24 if dark else 0.16))
        p.drawRoundedRect(box, 3, 3)
        p.setBrush(colour)
        p.drawRect(QRectF(box.left(), box.top(), 3, box.height()))


def entry_text(p: QPainter, rect: QRectF, text: str, palette: QPalette) -> None:
    """An entry's words in its box: wrapped when two lines fit, else one line, elided."""
    p.setPen(palette.color(QPalette.ColorRole.Text))
    inner, flags, words = _entry_words(p, rect, text)
    p.drawText(inner, int(flags), words)


def entry_text_rects(p: QPainter, rect: QRectF, text: str) -> list[QRectF]:
    """Where `entry_text` draws its words."""
    inner, flags, words = _entry_words(p, rect, text)
    return [p.boundingRect(inner, int(flags), words)]


def _entry_words(p: QPainter, rect: QRectF, text: str) -> tuple[QRectF, Qt.AlignmentFlag, str]:
    if rect.height() > 2 * p.fontMetrics().height() + 2:
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        return rect.adjusted(6, 1, -3, -1), flags, text
    inner = rect.adjusted(6, 0, -3, 0)
    elided = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(inner.width()))
    return inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided


def paint_aggregate(p: QPainter, rect: QRectF, ran: Counter[str], planned: Counter[str],
                    text: str, palette: QPalette, dark: bool) -> None:
    """A box standing for many entries, with its words."""
    aggregate_box(p, rect, ran, planned, palette, dark)
    aggregate_text(p, rect, text, palette)


def aggregate_box(p: QPainter, rect: QRectF, ran: Counter[str], planned: Counter[str],
                  palette: QPalette, dark: bool, now_y: float | None = None) -> None:
    """A box standing for many entries, drawn as its entries are: its runs (`ran`, by
    status) filled, its predictions (`planned`, by their kind's colour) dashed, so an hour
    of predictions never looks like an hour that ran (they were filled and solid, as runs,
    under a legend saying "dashed: predicted fires"). A box of both is split where now is
    (`now_y`), runs above, predictions below."""
    if not sum(planned.values()):
        _runs_box(p, rect, ran, palette, dark)
        return
    if not sum(ran.values()):
        _planned_box(p, rect, planned, palette, dark)
        return
    split = _split(rect, now_y)
    p.save()  # one box's outline, solid above the split and dashed below: no line across it
    p.setClipRect(QRectF(rect.left() - 1, rect.top() - 1, rect.width() + 2,
                         split - rect.top() + 1))
    _runs_box(p, rect, ran, palette, dark)
    p.setClipRect(QRectF(rect.left() - 1, split, rect.width() + 2, rect.bottom() - split + 1))
    _planned_box(p, rect, planned, palette, dark)
    p.restore()


def _split(rect: QRectF, now_y: float | None) -> float:
    """Where a box of runs and predictions turns from one to the other: at now, with room
    for both to show."""
    room = min(6.0, rect.height() / 3)
    split = rect.center().y() if now_y is None else now_y
    return max(rect.top() + room, min(rect.bottom() - room, split))


def _most(counts: Counter[str], default: str) -> str:
    return counts.most_common(1)[0][0] if counts else default


def _runs_box(p: QPainter, rect: QRectF, counts: Counter[str], palette: QPalette,
              dark: bool) -> None:
    """Filled and coloured by its runs' first concern (`by_concern`): a failure's colour
    when any failed, whatever the other counts (1 failed among 5 succeeded was painted
    green, a thin stripe its only sign)."""
    order = by_concern(counts)
    colour = display.status_colour(order[0][0] if order else "scheduled", dark)
    p.setPen(QPen(colour, 1.0))
    p.setBrush(blend(palette.color(QPalette.ColorRole.Base), colour, 0.12))
    p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)


def _planned_box(p: QPainter, rect: QRectF, counts: Counter[str], palette: QPalette,
                 dark: bool) -> None:
    """Dashed and all but unfilled, as a single predicted fire is, in the colour of most of
    the predictions' kind."""
    colour = display.status_colour(_most(counts, "running"), dark)
    p.setPen(QPen(colour, 1.2, Qt.PenStyle.DashLine))
    p.setBrush(blend(palette.color(QPalette.ColorRole.Base), colour, 0.06))
    p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)


def aggregate_text(p: QPainter, rect: QRectF, text: str, palette: QPalette,
                   avoid: float | None = None) -> None:
    """A block's words, wrapped into its box (`fitted`), around the line at `avoid` (now)."""
    p.setPen(palette.color(QPalette.ColorRole.Text))
    for at, line in _aggregate_lines(p, rect, text, avoid):
        p.drawText(at, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), line)


def aggregate_text_rects(p: QPainter, rect: QRectF, text: str,
                         avoid: float | None = None) -> list[QRectF]:
    """Where `aggregate_text` draws its words, line by line."""
    metrics = p.fontMetrics()
    return [QRectF(at.left(), at.top(), metrics.horizontalAdvance(line), metrics.height())
            for at, line in _aggregate_lines(p, rect, text, avoid)]


NOW_GAP = 3.0  # room each side of the now line that a block's words leave free


def _aggregate_lines(p: QPainter, rect: QRectF, text: str,
                     avoid: float | None = None) -> list[tuple[QRectF, str]]:
    """A block's lines and where each goes; with `avoid` (now, across the block) the lines
    leave its row free, some above it and the rest below, so the now line crosses the whole
    block (it stopped short of the words, and a block's three lines hid all of it but the
    dot). Where no line fits either side, they are laid as if it were not there."""
    room = rect.adjusted(6, 2, -3, -2)
    metrics = p.fontMetrics()
    step = metrics.lineSpacing()
    tops = [room.top() + i * step for i in range(max(1, int(room.height() // step)))]
    if avoid is not None and room.top() < avoid + NOW_GAP and avoid - NOW_GAP < room.bottom():
        above = max(0, int((avoid - NOW_GAP - room.top()) // step))
        below = max(0, int((room.bottom() - avoid - NOW_GAP) // step))
        if above + below:
            tops = [room.top() + i * step for i in range(above)] + [
                avoid + NOW_GAP + i * step for i in range(below)]
    lines = fitted(text, metrics, room.width(), len(tops) * step).split("\n")
    return [(QRectF(room.left(), top, room.width(), step), line)
            for top, line in zip(tops, lines, strict=False)]


def fitted(text: str, metrics: QFontMetrics, width: float, height: float) -> str:
    """`text` wrapped at words (and after a span's dash, "11:00–" "12:00") into the lines
    that fit `height`; a line wider than `width` (one long word), and the last when the rest
    does not fit, ends in "…" (the block's tooltip says it whole). A time span wider than a
    narrow block was cut off at its edge mid-digit ("11:00–12:0")."""
    room = max(1, int(height // max(1, metrics.lineSpacing())))
    lines: list[str] = []
    words = re.findall(r"\S+?–(?=\S)|\S+ ?", text)  # each with what follows it: " " or none
    while words and len(lines) < room:
        line = words.pop(0)
        while words and metrics.horizontalAdvance((line + words[0]).rstrip()) <= width:
            line += words.pop(0)
        lines.append(line.rstrip())
    if words:
        lines.append((lines.pop() + " " if lines else "") + "".join(words).rstrip())
    return "\n".join(metrics.elidedText(line, Qt.TextElideMode.ElideRight, int(width))
                     for line in lines)


# the now line: red, as calendars draw it, never a status's own shade of blue
NOW_COLOURS = ("#d93025", "#ff6e64")  # (light palette, dark palette)


def _now_colour(dark: bool) -> QColor:
    return QColor(NOW_COLOURS[1] if dark else NOW_COLOURS[0])


def paint_faint_now(p: QPainter, left: float, right: float, y: float, dark: bool) -> None:
    """Now across the week's other days: a faint 1 px line, drawn before their boxes so it
    passes under them (drawn over, it ran across tomorrow's block beside its words)."""
    faint = _now_colour(dark)
    faint.setAlphaF(0.55)
    p.setPen(QPen(faint, 1))
    p.drawLine(QPointF(left, y), QPointF(right, y))


def paint_now_line(p: QPainter, left: float, right: float, y: float, dark: bool,
                   words: list[QRectF]) -> None:
    """Now across today's column (`left` to `right`), over its boxes: a 2 px line with a dot
    at its left edge, stopping short of the `words` it crosses (a line of a box's words,
    drawn after it), so they stay legible. (Thin and pale blue over pale-blue boxes, it was
    hard to see.)"""
    colour = _now_colour(dark)
    band = QRectF(left, y - 2, right - left, 4)
    clip = QRegion(band.toAlignedRect())
    for rect in words:
        if rect.intersects(band):
            clip = clip.subtracted(QRegion(rect.adjusted(-3, 0, 3, 0).toAlignedRect()))
    p.save()
    p.setClipRegion(clip)
    p.setPen(QPen(colour, 2))
    p.drawLine(QPointF(left, y), QPointF(right, y))
    p.restore()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawEllipse(QPointF(left, y), 5, 5)


def first_fitting(p: QPainter, tiers: list[str], room: int) -> str:
    """The first of `tiers` (longest first) that fits in `room` pixels in the painter's font;
    the last, elided, where none does."""
    metrics = p.fontMetrics()
    text = next((t for t in tiers if metrics.horizontalAdvance(t) <= room), tiers[-1])
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
