"""Batches for the dispatcher: items posted from any thread, handled on it one batch a step."""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("tickwork.engine")

STEP = 256  # items a dispatcher step handles at most (~8 ms of fires)
LAST = (math.inf,)  # the rank of an item `rank` failed on: after every other


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
    steps, so the best of many fires due together are claimed, and start, first: each item
    is ranked once, as it joins those waiting (a heap), not at every step.
    """

    def __init__(self, post: Callable[[Callable[[], None]], None],
                 handle: Callable[..., None], after: Callable[[], None] | None = None,
                 first: Callable[[], bool] | None = None, most: int = STEP,
                 rank: Callable[..., Any] | None = None) -> None:
        self._post = post
        self._handle = handle
        self._after = after
        self._first = first  # False: the batch's items are dropped (the clock jumped)
        self._items: deque[tuple[Any, ...]] = deque()  # come from any thread, not yet taken
        self._lock = threading.Lock()
        self._posted = False  # a step is posted: what comes rides on it
        self._most = most
        self._rank = rank
        # taken and waiting for a step (the dispatcher's thread only): in order, or ranked
        self._waiting: deque[tuple[Any, ...]] = deque()
        self._ranked: list[tuple[Any, int, tuple[Any, ...]]] = []  # a heap: (rank, seq, item)
        self._seq = itertools.count()

    def add(self, item: tuple[Any, ...]) -> None:
        self.extend([item])

    def extend(self, items: list[tuple[Any, ...]]) -> None:
        """Items for the next step: one lock, one post while none is pending."""
        if not items:
            return
        with self._lock:
            self._items.extend(items)
            if self._posted:
                return
            self._posted = True
        self._post(self._drain)

    def _take(self) -> list[tuple[Any, ...]]:
        """This step's items (the dispatcher's thread): what came joins what waits, and the
        first `most` of it are taken — by rank when there is more than one step's worth."""
        with self._lock:
            came = list(self._items)
            self._items.clear()
        most, ranked = self._most, self._ranked
        if self._rank is None:
            waiting = self._waiting
            waiting.extend(came)
            return [waiting.popleft() for _ in range(min(most, len(waiting)))]
        if not ranked and len(came) <= most:
            return came  # (one step: handled in the order they came)
        for item in came:
            heapq.heappush(ranked, (self._rank_of(item), next(self._seq), item))
        return [heapq.heappop(ranked)[2] for _ in range(min(most, len(ranked)))]

    def _rank_of(self, item: tuple[Any, ...]) -> Any:
        try:
            return self._rank(*item)  # type: ignore[misc]
        except Exception:  # (a bug of ours: the item still goes, last)
            log.exception("cannot rank %r", item)
            return LAST

    def _left(self) -> int:
        return len(self._waiting) + len(self._ranked)

    def _drain(self) -> None:
        try:
            items = self._take()
            if self._first is not None and not self._first():
                items = []  # what waited with them goes too; what comes after does not
                self._waiting.clear()
                self._ranked.clear()
            for item in items:
                try:
                    self._handle(*item)
                except Exception:
                    log.exception("dispatcher step failed on %r", item)
            if self._after is not None:
                self._after()
        finally:  # (a step that raised still leaves the rest a step)
            with self._lock:
                again = self._posted = self._left() > 0 or bool(self._items)
            if again:
                self._post(self._drain)
