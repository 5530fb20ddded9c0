"""What the Schedule page offers to choose from: the kinds of schedule, cron presets, calendar
units, catch-up policies and time zones."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from app.gui.qt import QComboBox, QCompleter, Qt

__all__ = ["CAL_UNITS", "CATCH_UP", "CRON_PRESETS", "KINDS", "NOT_CHOSEN", "catch_up_box",
           "zone_box", "zone_names"]

KINDS = (
    ("manual", "Only when I run it (Run now, or as another task's fallback)"),
    ("date", "Once, at a date and time"),
    ("interval", "Repeatedly, every…"),
    ("cron", "Cron expression"),
    ("calendar", "Every N days, weeks, months or years"),
    ("after", "After other tasks succeed"),
)
CAL_UNITS = ("days", "weeks", "months", "years")
NOT_CHOSEN = "Choose when it runs"
CRON_PRESETS = (
    ("Every 15 minutes", "*/15 * * * *"),
    ("Every hour", "@hourly"),
    ("Every day at 02:00", "0 2 * * *"),
    ("Weekdays at 09:00", "0 9 * * 1-5"),
    ("Every Sunday at 03:30", "30 3 * * 0"),
    ("First day of the month at 06:00", "0 6 1 * *"),
    ("At the first engine start after each boot", "@reboot"),
)
CATCH_UP = (("once", "Run once to catch up"), ("all", "Run every missed time (bounded)"),
            ("skip", "Skip missed runs"))


def zone_names() -> list[str]:
    return list(_zones())


@cache
def _zones() -> tuple[str, ...]:
    """Read once: listing the zones walks the tz database's folder (~8 ms an editor)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def zone_box() -> QComboBox:
    """The time zone picker: every zone, typed or picked, completed from anywhere in a name."""
    box = QComboBox()
    box.setEditable(True)
    box.addItems(zone_names())
    completer = box.completer()
    if completer is not None:
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    return box


def catch_up_box() -> QComboBox:
    """What to do with fires missed while no engine ran (`CATCH_UP`)."""
    box = QComboBox()
    for key, label in CATCH_UP:
        box.addItem(label, key)
    return box
