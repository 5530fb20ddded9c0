"""The engine's daily backup: at start and then every hour, back up the store if its newest
daily backup is a day old (`backup.daily`, which also rotates), on its own thread so a big
store never holds up firing. A failure is logged once per attempt and never stops the engine."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.engine.clock import WALL, Clock
from app.store import backup

log = logging.getLogger("tickwork.engine")

CHECK_EVERY = 3600.0  # seconds between looks at the newest daily backup


class DailyBackups:
    def __init__(self, home: Path, stop: threading.Event,
                 now: Callable[[], datetime] | None = None, every: float = CHECK_EVERY, *,
                 clock: Clock = WALL) -> None:
        self.home = home
        self._stop = stop
        self.clock = clock
        self._now = now or clock.now
        self._every = every
        self.made: list[Path] = []

    def check(self) -> Path | None:
        """One look: back up (and rotate) when the newest daily backup is a day old."""
        try:
            path = backup.daily(self.home, self._now())
        except Exception as exc:  # a full disk, a damaged store: said, and tried next hour
            log.warning("daily backup failed: %s", exc)
            return None
        if path is not None:
            log.info("daily backup: %s", path)
            self.made.append(path)
        return path

    def run(self) -> None:
        """The thread: check now, then every `every` seconds until the engine stops."""
        while True:
            self.check()
            if self.clock.wait(self._stop, self._every):
                return
