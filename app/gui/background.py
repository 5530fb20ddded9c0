"""Runs the GUI's operations off the GUI thread and brings each outcome back to it.

The MusicBrainz Picard pattern (`picard/util/thread.py`): the work runs in a QThreadPool,
and its result, or the exception it raised, is posted back to the GUI thread through a
queued signal, where the caller's `done` or `failed` callback runs. Widgets never create
threads. Exceptions are never swallowed: without a `failed` callback an error is re-emitted
as `error(title, message)` (the main window shows it) and logged with its traceback when it
is not one of Tickwork's own user-facing errors.

Each job closes its thread's store connection when it ends: pool threads come and go, and
an idle thread must not hold a connection (or a stale one to a previous store in tests).

Once its window's session has stopped (`close`), no more work is started: a result that
landed as the window closed started the next read (the notifications' look at the runs), on
a pool thread, through the process's one database — so it read the store the process had
opened since (File → Connect to a shared store… opens the next window in the same process),
and a read that lands while a store is being made fails "no such table: run".

A store whose file cannot be opened any more (its data home moved or deleted under the
window: `StoreGone`) is a state, not an error a read: the first such failure sets `away` and
says it once (`store_away`, a warning in the log), later ones say nothing, and the session
looks again now and then (app/gui/session.py) until `store_back`. Each view's reads on its
timer logged a traceback and opened a box, every few seconds, before.

Signals:
    error(str, str): an operation failed and nobody handled it (title, message).
    busy_changed(bool): whether any operation is in flight.
    store_away(str): the store cannot be opened (its one line), or "" once it can again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.errors import TickworkError, ValidationError, curly
from app.gui.qt import QObject, QThreadPool, Signal, Slot, alive
from app.store import connection
from app.store.integrity import StoreGone

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


@dataclass
class _Outcome:
    done: Done | None
    failed: Failed | None
    owner: QObject | None
    title: str
    result: Any = None
    error: BaseException | None = None


class Background(QObject):
    error = Signal(str, str)
    busy_changed = Signal(bool)
    store_away = Signal(str)
    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None, threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.pool.setExpiryTimeout(10_000)
        self._in_flight = 0
        self.closed = False  # its window's session stopped: nothing more is started
        self.away: str | None = None  # why the store cannot be opened, while it cannot
        self._finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return self._in_flight > 0

    def run(self, work: Callable[[], Any], done: Done | None = None,
            failed: Failed | None = None, *, owner: QObject | None = None,
            title: str = "The operation failed") -> None:
        """Run `work()` on a pool thread; then `done(result)` or `failed(exc)` on this one.

        With an `owner`, the callbacks are dropped if the owner was destroyed meanwhile.
        Once `closed`, nothing is run (and nothing called back).
        """
        if self.closed:
            log.debug("not started, its window has closed: %s", title)
            return
        outcome = _Outcome(done, failed, owner, title)
        self._in_flight += 1
        if self._in_flight == 1:
            self.busy_changed.emit(True)

        def job() -> None:
            try:
                outcome.result = work()
            except BaseException as exc:
                outcome.error = exc
            finally:
                connection.close()
            self._deliver(outcome)

        self.pool.start(job)

    def _deliver(self, outcome: _Outcome) -> None:
        """Post an outcome to the GUI thread; once this object is gone (its window closed
        while the work ran: the pool waits for its jobs as it is deleted) there is nobody to
        tell, and a failure that is a bug is logged."""
        try:
            if alive(self):
                self._finished.emit(outcome)
                return
        except RuntimeError:  # deleted between the check and the emit
            pass
        if outcome.error is not None and not isinstance(outcome.error, TickworkError):
            log.error("operation failed after its window closed", exc_info=outcome.error)

    def close(self) -> None:
        """Start no more work (what runs already goes on: `wait` for it)."""
        self.closed = True

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Wait for running work (shutdown and tests only)."""
        return bool(self.pool.waitForDone(timeout_ms))

    @Slot(object)
    def _on_finished(self, outcome: _Outcome) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self.busy_changed.emit(False)
        if outcome.owner is not None and not alive(outcome.owner):
            if outcome.error is not None and not isinstance(outcome.error, TickworkError):
                log.error("operation failed after its window closed",
                          exc_info=outcome.error)
            return
        if outcome.error is None:
            if outcome.done is not None:
                outcome.done(outcome.result)
            return
        if outcome.failed is not None:
            outcome.failed(outcome.error)
            return
        self.report(outcome.title, outcome.error)

    def report(self, title: str, error: BaseException) -> None:
        """Tell the user about an error nobody else handled; log a bug with its traceback.
        A store gone away is said once (`store_lost`)."""
        if isinstance(error, StoreGone):
            self.store_lost(error)
            return
        if not isinstance(error, TickworkError):
            log.error("%s", title, exc_info=error)
        self.error.emit(title, describe_error(error))

    def store_lost(self, error: StoreGone) -> None:
        """The store cannot be opened: said the first time, until `store_back`."""
        if self.away is None:
            self.away = str(error)
            log.warning("%s", self.away)
            self.store_away.emit(self.away)

    def store_back(self) -> None:
        """The store can be read again."""
        if self.away is not None:
            self.away = None
            log.info("the store can be read again")
            self.store_away.emit("")


def describe_error(error: BaseException) -> str:
    """One line for a user: Tickwork's errors as they are (the names a refusal quotes in the
    window's quotes), anything else with its type."""
    if isinstance(error, ValidationError):
        return error.said(curly)
    if isinstance(error, TickworkError):
        return str(error)
    return f"{type(error).__name__}: {error}"
