"""A count with its noun in the right number, for every door that says one (the window,
the CLI, the audit's sentences, a restore's report)."""

from __future__ import annotations

IRREGULAR = {"entry": "entries", "dependency": "dependencies", "process": "processes"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 run', '3 runs', '1,200 tasks', '2 entries'."""
    word = noun if count == 1 else many or IRREGULAR.get(noun, noun + "s")
    return f"{count:,} {word}"

