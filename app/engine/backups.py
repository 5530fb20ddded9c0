"""The engine's daily backup: at start and then every hour, back up the store if its newest
daily backup is a day old (`backup.daily`, which also rotates), on its own thread so a big
store never holds up firing. A failure never stops the engine; it is said once, not at every
hourly try (again when its reason changes), and so is the first backup after it. A daily
backup found damaged by the rotation (app/store/backup.py) is deleted and said once."""

from __future__ import annotations

import logging
import re
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
        self.failing = ""  # why the last try failed, said once ("" while it works)

    def check(self) -> Path | None:
        """One look: back up (and rotate) when the newest daily backup is a day old."""
        try:
            made = backup.daily(self.home, self._now())
        except Exception as exc:  # a full disk, a damaged store: said once, tried each hour
            why = re.sub(r"\d+", "#", str(exc))  # (each try's file is named by its time)
            if why != self.failing:
                log.warning("daily backup failed: %s (tried again every hour)", exc)
            self.failing = why
            return None
        if self.failing:
            self.failing = ""
            log.info("daily backups work again")
        if made is None:
            return None
        log.info("daily backup: %s", made.path)
        for damaged in made.damaged:  # (said once: it is gone)
            log.warning("daily backup %s fails its check (%s): deleted, newer good backups "
                        "are kept", damaged.path, damaged.why)
        self.made.append(made.path)
        return made.path

    def run(self) -> None:
        """The thread: check now, then every `every` seconds until the engine stops."""
        while True:
            self.check()
            if self.clock.wait(self._stop, self._every):
                return
