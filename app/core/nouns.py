"""A count with its noun in the right number, for every door that says one (the window,
the CLI, the audit's sentences, a restore's report)."""

from __future__ import annotations

from collections.abc import Sequence

IRREGULAR = {"entry": "entries", "dependency": "dependencies", "process": "processes"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 run', '3 runs', '1,200 tasks', '2 entries'."""
    word = noun if count == 1 else many or IRREGULAR.get(noun, noun + "s")
    return f"{count:,} {word}"


def some_of(names: Sequence[str], first: int = 5, most: int = 10) -> str:
    """Names on one line a person can read: up to `most` as they are ("a, b, c"), past that
    the first `first` and how many more ("a, b, c, d, e and 295 more"; an import of 300
    tasks printed all 300 names on one line)."""
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:first])} and {len(names) - first:,} more"
