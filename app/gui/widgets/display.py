"""How values read on screen: times in the user's zone, durations, run statuses.

Status colours come in two shades, one for light and one for dark palettes, each chosen to
stay readable (WCAG contrast ≥ 4.5 against the palette's base); status icons are painted
once per palette kind and cached, so a dark desktop never gets dark-on-dark glyphs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from app.core.durations import duration_text as duration
from app.core.nouns import plural
from app.core.wall_time import shown_twice
from app.gui.qt import (
    QApplication,
    QColor,
    QFont,
    QIcon,
    QPainter,
    QPen,
    QPixmap,
    QRectF,
    Qt,
    is_dark,
    plain_html,
)

# (light palette shade, dark palette shade)
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "succeeded": ("#1b7a34", "#5fd47c"),
    "failed": ("#b3261e", "#ffb4ab"),
    "timed_out": ("#b3261e", "#ffb4ab"),
    "interrupted": ("#a05a00", "#ffb74d"),
    "cancelled": ("#5f6368", "#b0b6bd"),
    "skipped": ("#5f6368", "#b0b6bd"),
    "running": ("#0b57d0", "#8ab4f8"),
    "queued": ("#6a4bb5", "#c5a6ff"),
    "waiting": ("#6a4bb5", "#c5a6ff"),
    "retrying": ("#a05a00", "#ffb74d"),
    "retried": ("#a05a00", "#ffb74d"),  # the calendar's failed attempt that was retried
    "scheduled": ("#5f6368", "#b0b6bd"),
    "warning": ("#a05a00", "#ffb74d"),  # a notification's: a failure its fallback made good
}
# Whole-row tints in the run table, so a failure shows at a glance: red for a failure, amber
# for a run cut off by a stop or a failed attempt that was retried. Pale under dark text,
# deep and muted under light text (a saturated dark red under pink text was hard to read):
# the palette's text and the status colour both stay readable on them (contrast >= 7).
ROW_TINTS: dict[str, tuple[str, str]] = {
    "failed": ("#fde7e6", "#3b2527"),
    "timed_out": ("#fde7e6", "#3b2527"),
    "interrupted": ("#fff1dc", "#3a3024"),
    "retried": ("#fff1dc", "#3a3024"),
}
GLYPHS = {
    "succeeded": "✓", "failed": "✕", "timed_out": "◷", "interrupted": "!", "cancelled": "–",
    "skipped": "»", "running": "▶", "queued": "…", "waiting": "…", "retrying": "↻",
    "retried": "↻",
    "scheduled": "•", "warning": "!",
}
FAILED = frozenset({"failed", "timed_out", "interrupted"})


def status_words(status: str) -> str:
    return status.replace("_", " ")


def trigger_words(trigger: str) -> str:
    """What started a run, as the window says it ("catch_up" is "catch-up")."""
    return trigger.replace("_", "-")


def dark_mode() -> bool:
    app = QApplication.instance()
    return isinstance(app, QApplication) and is_dark(app.palette())


def blend(a: QColor, b: QColor, amount: float) -> QColor:
    """`a` moved `amount` of the way towards `b`."""
    return QColor(round(a.red() + (b.red() - a.red()) * amount),
                  round(a.green() + (b.green() - a.green()) * amount),
                  round(a.blue() + (b.blue() - a.blue()) * amount))


def status_colour(status: str, dark: bool | None = None) -> QColor:
    light_shade, dark_shade = STATUS_COLOURS.get(status, ("#5f6368", "#b0b6bd"))
    return QColor(dark_shade if (dark_mode() if dark is None else dark) else light_shade)


def row_tint(status: str, dark: bool | None = None) -> QColor | None:
    """The background of a run's row: tinted for failures, None (the palette's) else."""
    shades = ROW_TINTS.get(status)
    if shades is None:
        return None
    return QColor(shades[1] if (dark_mode() if dark is None else dark) else shades[0])


def status_icon(status: str) -> QIcon:
    return _status_icon(status, dark_mode())


@lru_cache(maxsize=64)
def _status_icon(status: str, dark: bool) -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = status_colour(status, dark)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        margin = size * 0.08
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))
        painter.setPen(QPen(QColor("#111111" if dark else "#ffffff")))
        font = QFont()
        font.setPixelSize(int(size * 0.62))
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter,
                         GLYPHS.get(status, "•"))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def clear_icon_cache() -> None:
    """Forget painted icons (after the palette changed between light and dark)."""
    _status_icon.cache_clear()


def local(moment: datetime) -> datetime:
    return moment.astimezone()


def when(moment: datetime | None, now: datetime | None = None, *,
         seconds: bool | None = None) -> str:
    """A moment in the user's zone: 'today 14:05', 'tomorrow 02:00', '2026-03-01 09:30';
    in the hour the clocks show twice, with the zone's name: 'today 01:30 EDT'. Its
    seconds where they are not 0, or always (`seconds`: a column of moments things
    happened, where "08:39" beside "08:39:42" read as less precise)."""
    if moment is None:
        return ""
    now_local = (now or datetime.now(UTC)).astimezone()
    at = local(moment)
    time_of_day = clock(at, seconds=bool(at.second) if seconds is None else seconds)
    days = (at.date() - now_local.date()).days
    if days == 0:
        return f"today {time_of_day}"
    if days == 1:
        return f"tomorrow {time_of_day}"
    if days == -1:
        return f"yesterday {time_of_day}"
    return f"{at:%Y-%m-%d} {time_of_day}"


def clock(moment: datetime, *, seconds: bool = False) -> str:
    """The time of day in the user's zone, '14:05' (or '14:05:30'); a time the clocks show
    twice here (the hour repeated as daylight saving time ends) says which pass it is by
    its zone's name — '01:30 EDT', then '01:30 EST' — as the CLI gives its offset."""
    at = local(moment)
    text = at.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{text} {at.tzname()}" if shown_twice(at.timestamp()) else text


def full_time(moment: datetime | None) -> str:
    """A moment to the second with its offset (tooltips, detail panes)."""
    if moment is None:
        return "—"
    at = local(moment)
    zone = at.strftime("%Z")
    if zone in ("UTC", "GMT") and at.utcoffset() == timedelta(0):
        return at.strftime("%Y-%m-%d %H:%M:%S UTC")  # not "UTC (UTC+0000)"
    return at.strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)")


def in_notes(text: str | None) -> str | None:
    """A run's stored note or error with the moments it holds (written in UTC, said so: the
    note is read anywhere) in the user's zone, to the second, as the command line says them
    (app.core.rules.moments_said): "waiting for upstream 'a' to fire at 2026-12-04 08:04:37"
    read "… 07:04:37 UTC" in a window where every other time is local. One the clocks show
    twice here says which pass by its zone's name, as `clock` does ("01:30:00 EDT")."""
    if not text:
        return text
    from app.core.rules import moments_said

    return moments_said(text, lambda moment: f"{local(moment):%Y-%m-%d} "
                                             f"{clock(moment, seconds=True)}")


def relative(moment: datetime | None, now: datetime | None = None) -> str:
    """'in 5 min', '3 h ago', 'now'."""
    if moment is None:
        return ""
    delta = (moment - (now or datetime.now(UTC))).total_seconds()
    text = duration(abs(delta), coarse=True)
    if abs(delta) < 1:
        return "now"
    return f"in {text}" if delta > 0 else f"{text} ago"


def so_far(started: datetime, now: datetime) -> str:
    """A running run's time so far, in whole seconds: '12 s', '3 min 5 s'."""
    seconds = int(max(0.0, (now - started).total_seconds()))
    return f"{seconds} s" if seconds < 60 else duration(seconds)


def lateness(ms: float | None) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return duration(ms / 1000)


__all__ = [
    "FAILED", "clear_icon_cache", "dark_mode", "duration", "full_time", "lateness", "plural",
    "relative", "row_tint", "status_colour", "status_icon", "status_words", "when",
    "wrappable",
]


def tip(text: str) -> str:
    """Plain text for a tooltip: a tooltip reads text that looks like markup as markup, so a
    task named "<i>x</i>" was drawn in italics and "<b>" lost; as HTML, escaped, it draws as
    it is (line breaks kept, long lines wrapped)."""
    return plain_html(text)


_LONG_WORD = re.compile(r"\S{20,}")
_BREAK_AFTER = re.compile(r"([/\-_.:,;=])(?=\S)")


def wrappable(text: str) -> str:
    """`text` as a narrow column shows it: a zero-width space after each `/ - _ . : , ; =`
    of a word 20 characters or longer (a path, a backup's file name), where a line may
    then break. Qt breaks lines at spaces (and not between "-" and a digit): such a word
    widened the notification list past its panel — a scroll bar, the line's end cut off."""
    return _LONG_WORD.sub(lambda word: _BREAK_AFTER.sub("\\1\u200b", word.group()), text)
