"""Wall times the clocks here show twice: the hour repeated as daylight saving time ends.

A time in that hour names two instants, so wherever Tickwork prints a local wall time (the
CLI's tables, the window's lists and calendar) it adds the UTC offset or the zone's name to
it there, and only there. Plain Python on the process's local zone (`TZ`, /etc/localtime).
"""

from __future__ import annotations

from datetime import datetime
from time import localtime


def shown_twice(stamp: float) -> bool:
    """Whether the clocks here show the wall time of `stamp` twice (its other pass is another
    instant); only looked at closely within 3 hours of a change of offset."""
    if localtime(stamp - 10800).tm_gmtoff == localtime(stamp + 10800).tm_gmtoff:
        return False
    at = datetime.fromtimestamp(stamp)
    return at.replace(fold=1 - at.fold).timestamp() != at.timestamp()


def offset_text(east: int) -> str:
    """A UTC offset of `east` seconds, as ISO writes it: `-05:00`."""
    minutes = abs(east) // 60
    return f"{'-' if east < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"
