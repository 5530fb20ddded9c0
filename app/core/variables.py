"""Numbers a person sets in an environment variable (`$TICKWORK_WORKERS`, `$TICKWORK_LAUNCHERS`,
`$TICKWORK_PACE`, …): unset or empty is the default; any other value that is not one is
refused naming the variable, as a bad option is, never the default taken without a word.
(Light: the engine's clock and the broker read them.)"""

from __future__ import annotations

from collections.abc import Mapping

from app.core.errors import ValidationError


def count(text: str, name: str, most: int) -> int:
    """A count a person typed for `name`: a whole number from 1 to `most`."""
    try:
        value = int(text)
    except ValueError:
        raise ValidationError(name, f"not a whole number: {text!r}") from None
    if not 1 <= value <= most:
        raise ValidationError(name, f"must be from 1 to {most}: {text}")
    return value


def count_from(environ: Mapping[str, str], name: str, most: int, default: int) -> int:
    """The count (1 to `most`) the variable `name` sets, else `default` when it is unset or
    empty (`$TICKWORK_LAUNCHERS=abc` once ran with the default, without a word: refused now)."""
    text = environ.get(name, "")
    return count(text, name, most) if text.strip() else default


def number_from(environ: Mapping[str, str], name: str, low: float, high: float,
                default: float) -> float:
    """The number (`low` to `high`) the variable `name` sets, else `default` when it is
    unset or empty."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(name, f"not a number: {text!r}") from None
    if not low <= value <= high:  # (nan too)
        raise ValidationError(name, f"must be from {low:g} to {high:g}: {text}")
    return value
