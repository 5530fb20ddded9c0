"""Retry, backoff and catch-up rules, as pure functions of their inputs."""

from __future__ import annotations

import random
from datetime import datetime

MAX_BACKOFF = 24 * 3600.0
CATCH_UP_BOUND = 100  # at most this many missed fires are run under `all`


def backoff_delay(attempt_failed: int, base: float, kind: str, *, jitter: float = 0.1,
                  rng: random.Random | None = None) -> float:
    """Seconds to wait before the attempt after `attempt_failed` (1-based).

    fixed: `base` every time; exponential: base, 2·base, 4·base … capped at a day. Jitter
    spreads retries by up to ±`jitter` of the delay so that many tasks failing together do
    not retry in lockstep.
    """
    delay = base if kind == "fixed" else base * (2 ** max(0, attempt_failed - 1))
    delay = min(delay, MAX_BACKOFF)
    if jitter and delay > 0:
        r = rng or random
        delay *= 1.0 + r.uniform(-jitter, jitter)
    return max(0.0, delay)


def should_retry(status: str, attempt: int, retries: int) -> bool:
    """A failed, timed-out or interrupted attempt is retried while attempts remain."""
    return status in ("failed", "timed_out", "interrupted") and attempt <= retries


def catch_up_fires(policy: str, missed: list[datetime],
                   bound: int = CATCH_UP_BOUND) -> list[datetime]:
    """Which of the missed fire times (in order) to run now under a catch-up policy."""
    if not missed or policy == "skip":
        return []
    if policy == "once":
        return [missed[-1]]
    return missed[-bound:]
