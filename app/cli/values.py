"""Option values checked as they are parsed, beyond argparse's own types: a length of time
(`--wait`, `--grace`), an engine's worker count, the data home. Each bad value is one line
naming its option (exit 2), before anything is opened or queued."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from app.core.errors import ValidationError

_ZERO = re.compile(r"(?:0+(?:\.0*)?|\.0+)\s*(?:ms|s|m|h|d|w)?")


def seconds_arg(name: str, *, zero: bool = False) -> Callable[[str], float]:
    """A length of time as seconds: a number of seconds or a duration (`30s`, `5m`, `1h30m`,
    as `--every` takes them), more than 0 (or 0 too, with `zero`), at most ten years; never
    negative, `nan` or `inf`."""
    def parse(text: str) -> float:
        from app.core.durations import parse_duration

        if zero and _ZERO.fullmatch(text.strip().lower()):
            return 0.0
        if zero and text.strip().startswith("-"):
            raise argparse.ArgumentTypeError(f"{name}: must not be negative, got {text!r}")
        try:
            return parse_duration(text, name).total_seconds()
        except ValidationError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def home_arg(text: str) -> str:
    """`--home`: an empty one was taken as no --home (the default home, made if missing)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("home: is empty")
    return text


def workers_arg(text: str) -> int:
    """`engine --workers`: runs at once, a whole number from 1 to the most an engine takes."""
    from app.core.fields import worker_count

    try:
        return worker_count(text, "workers")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
