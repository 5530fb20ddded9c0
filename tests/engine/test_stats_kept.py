"""The engine's record of recent starts (their lateness, for the metrics' last minute) holds
the last minute however long the engine runs: it held every start up to 300,000, ten hours
of a soak's 8 starts a second, 19 MB."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime

from app.engine.clock import SimulatedClock
from app.engine.stats import Stats


def test_hours_of_starts_keep_only_the_last_minute() -> None:
    clock = SimulatedClock(datetime(2026, 6, 1, tzinfo=UTC))
    stats = Stats(clock)
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(100_000):  # 8 starts a second for 12,500 s
            clock.advance(0.125)
            stats.add_lateness(float(i))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        if not tracing:
            tracemalloc.stop()
    recent = stats.recent_lateness()
    assert len(recent) in (480, 481)  # the last 60 s (a start at the cutoff itself counts)
    assert recent[-1] == 99_999.0 and recent == sorted(recent)
    assert held < 200_000, f"{held:,} bytes held for the last minute's 481 starts"
