"""Batches for the dispatcher: items posted from any thread, handled on it one batch a step."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("tickwork.engine")


class Batch:
    """Items from any thread, handled on the dispatcher in one step per batch.

    At thousands of fires a second, one inbox message per fire, per claim and per finished
    attempt would make the dispatcher fight for the GIL three times per run. `after` runs
    once the whole batch is handled: the engine starts what became ready then, so that runs
    ready at the same moment compete for workers by their order, not by their arrival.
    `first` runs before a batch is handled: when it says False, the batch is dropped.
    """

    def __init__(self, post: Callable[[Callable[[], None]], None],
                 handle: Callable[..., None], after: Callable[[], None] | None = None,
                 first: Callable[[], bool] | None = None) -> None:
        self._post = post
        self._handle = handle
        self._after = after
        self._first = first  # False: the batch's items are dropped (the clock jumped)
        self._items: deque[tuple[Any, ...]] = deque()
        self._lock = threading.Lock()
        self._posted = False

    def add(self, item: tuple[Any, ...]) -> None:
        self.extend([item])

    def extend(self, items: list[tuple[Any, ...]]) -> None:
        """Items for the next batch: one lock, one post while none is pending."""
        if not items:
            return
        with self._lock:
            self._items.extend(items)
            if self._posted:
                return
            self._posted = True
        self._post(self._drain)

    def _drain(self) -> None:
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._posted = False
        if self._first is not None and not self._first():
            items = []
        for item in items:
            try:
                self._handle(*item)
            except Exception:
                log.exception("dispatcher step failed on %r", item)
        if self._after is not None:
            self._after()
