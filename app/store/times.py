"""The stored form of a time: UTC, microseconds, fixed-width ISO 8601 text.

It sorts and compares as text and reads well in sqlite3. Kept apart from the models so the
engine can format the times it hands the writer without importing the schema.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_text(value: datetime) -> str:
    """The stored form of an aware datetime: UTC, microseconds, fixed width."""
    if value.tzinfo is not UTC:  # the engine's own times are UTC already: the fast path
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def from_utc_text(value: str) -> datetime:
    return datetime.fromisoformat(value)
