"""What the simulation lists: one predicted run (or a dropped fire) per `Occurrence`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One predicted run (or a fire the rules drop), as the calendar and the CLI show it."""

    task_id: int
    task_name: str
    fire_at: datetime  # when it would start (aware, in the task's zone)
    kind: str  # fire | catch_up | chain | skipped | delayed
    reason: str | None = None  # what moved or dropped it (or what the listing left out)
    expected_duration_s: float | None = None
    scheduled_for: datetime | None = None  # the fire time it stands for, when not fire_at

    def to_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "task_name": self.task_name,
            "fire_at": self.fire_at.isoformat(),
            "kind": self.kind,
            "reason": self.reason,
            "expected_duration_s": self.expected_duration_s,
        }


def span(seconds: float) -> str:
    """A duration in short words: 45s, 2m30s, 1h05m."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
