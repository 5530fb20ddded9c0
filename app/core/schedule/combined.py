"""``AnyTrigger``: several triggers as one, minus exclusion dates.

It fires at the earliest next fire of any of its parts; two parts firing at the same
instant give one fire. A fire whose local date (in the task's zone) is excluded is not
given: the search goes on from the start of the next local day. Each part keeps its own
DST rules (`zones`); this only chooses among their fires, compared as instants (UTC).
Each part is asked for its first fire *at or after* an instant (``first_fire``), never for
the fire after another part's fire, so an interval keeps its own phase.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta, tzinfo
from typing import Final

from apscheduler.triggers.base import BaseTrigger

from app.core.schedule.exclusions import NO_EXCLUSIONS, Exclusions
from app.core.schedule.stepping import first_fire
from app.core.schedule.zones import US, first_instant, utc, zone_label

__all__ = ["MAX_SKIPPED_DAYS", "AnyTrigger"]

#: Excluded days in a row a search steps over before it calls the schedule finished (a
#: yearly cron on 24 Dec with 24 Dec excluded every year never fires again).
MAX_SKIPPED_DAYS: Final = 2000


class AnyTrigger(BaseTrigger):  # type: ignore[misc]
    """The earliest fire of any of ``parts``, on no date that ``exclude`` excludes.

    Without a previous fire time the result is the first fire at or after ``now``; with
    one, strictly after it (as the other Tickwork triggers).
    """

    __slots__ = ("exclude", "parts", "timezone")

    def __init__(self, parts: Sequence[BaseTrigger], timezone: tzinfo,
                 exclude: Exclusions = NO_EXCLUSIONS) -> None:
        self.parts = tuple(parts)
        self.timezone = timezone
        self.exclude = exclude

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        floor = utc(previous_fire_time) + US if previous_fire_time is not None else utc(now)
        for _ in range(MAX_SKIPPED_DAYS):
            fires = [f for f in (first_fire(p, floor) for p in self.parts) if f is not None]
            if not fires:
                return None
            found = min(fires)
            day = found.astimezone(self.timezone).date()
            if not self.exclude.excludes(day):
                return found
            midnight = datetime.combine(day + timedelta(days=1), time())
            floor = max(utc(first_instant(midnight, self.timezone)), found + US)
        return None

    def __str__(self) -> str:
        return f"any[{', '.join(str(p) for p in self.parts)}]"

    def __repr__(self) -> str:
        return (f"<AnyTrigger ({len(self.parts)} parts, {len(self.exclude.to_json())} "
                f"exclusions, timezone='{zone_label(self.timezone)}')>")
