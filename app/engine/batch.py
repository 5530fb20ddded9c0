"""Batches for the dispatcher: items posted from any thread, handled on it one batch a step."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("tickwork.engine")

STEP = 256  # items a dispatcher step handles at most (~8 ms of fires)


class Batch:
    """Items from any thread, handled on the dispatcher a batch per step.

    At thousands of fires a second, one inbox message per fire, per claim and per finished
    attempt would make the dispatcher fight for the GIL three times per run. `after` runs
    once a step's items are handled: the engine starts what became ready then, so that runs
    ready at the same moment compete for workers by their order, not by their arrival.
    `first` runs before a step: when it says False (the clock jumped: what was due is
    redone), the step's items are dropped, with those that waited behind them.

    A step handles `most` items at most, and the rest wait behind what was posted meanwhile:
    10,000 tasks due at the top of an hour were one step of 0.3 s, and their claims, though
    committed, waited behind it — the first run started 0.36 s after the hour while the
    workers stood idle. Now the first ones are claimed and started while the dispatcher is
    still firing the rest. `rank` (smaller first) orders what waits before it is cut into
    steps, so the best of many fires due together are claimed, and start, first.
    """

    def __init__(self, post: Callable[[Callable[[], None]], None],
                 handle: Callable[..., None], after: Callable[[], None] | None = None,
                 first: Callable[[], bool] | None = None, most: int = STEP,
                 rank: Callable[..., Any] | None = None) -> None:
        self._post = post
        self._handle = handle
        self._after = after
        self._first = first  # False: the batch's items are dropped (the clock jumped)
        self._items: deque[tuple[Any, ...]] = deque()
        self._lock = threading.Lock()
        self._posted = False
        self._most = most
        self._rank = rank
        self._ranked = True  # what waits is in `rank`'s order (nothing came since a sort)

    def add(self, item: tuple[Any, ...]) -> None:
        self.extend([item])

    def extend(self, items: list[tuple[Any, ...]]) -> None:
        """Items for the next batch: one lock, one post while none is pending."""
        if not items:
            return
        with self._lock:
            self._items.extend(items)
            self._ranked = False
            if self._posted:
                return
            self._posted = True
        self._post(self._drain)

    def _drain(self) -> None:
        with self._lock:
            waiting = self._items
            if len(waiting) > self._most and self._rank is not None and not self._ranked:
                rank = self._rank
                waiting = self._items = deque(sorted(waiting, key=lambda item: rank(*item)))
                self._ranked = True
            items = [waiting.popleft() for _ in range(min(self._most, len(waiting)))]
            rest = len(waiting)  # a step of its own, behind what was posted meanwhile
            self._posted = rest > 0
        try:
            if self._first is not None and not self._first():
                items = []
                with self._lock:  # what waited with them goes too; what came since does not
                    if rest:
                        for _ in range(rest):
                            self._items.popleft()
                        rest = len(self._items)
                        self._posted = rest > 0
                    # (else what came since posted a step of its own)
            for item in items:
                try:
                    self._handle(*item)
                except Exception:
                    log.exception("dispatcher step failed on %r", item)
            if self._after is not None:
                self._after()
        finally:  # (a step that raised still leaves the rest a step)
            if rest:
                self._post(self._drain)
