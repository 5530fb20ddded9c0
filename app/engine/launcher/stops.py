"""Stopping a run's tree, off the launcher's loop: SIGTERM to the tree, the token's carriers
and the group; `KILL_GRACE`; SIGKILL; then a wait until it is gone. Finding the token's
carriers scans the process table, so each stop runs on a small thread pool, and tells the
loop it is done through a pipe the loop watches (`wake`), the run's id in `finished()`."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from app import platform
from app.engine.launcher.child import Child
from app.engine.processes import KILL_GRACE, RunProcesses

LINGER = 1.0  # seconds a stopped run's pipes may stay open after its SIGKILL


class Stops:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="stop")
        self._done: queue.SimpleQueue[int] = queue.SimpleQueue()  # stops done, by run id
        self.wake, self._wake_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)

    def start(self, child: Child, drained: threading.Event) -> None:
        """Stop `child`'s tree; `drained` is set once its leader is reaped and pipes closed."""
        self._pool.submit(self._tree, child, drained)

    def finished(self) -> list[int]:
        """The runs whose stop ended since the last call (the loop's, once `wake` reads)."""
        with contextlib.suppress(OSError):
            os.read(self.wake, 4096)
        ids = []
        while True:
            try:
                ids.append(self._done.get_nowait())
            except queue.Empty:
                return ids

    def _tree(self, child: Child, drained: threading.Event) -> None:
        try:
            assert child.started is not None
            tree = RunProcesses(child.token, child.started.pid, child.created,
                                ended=child.code is not None)
            term_at = time.monotonic()
            tree.signal(signal.SIGTERM)  # the tree, token carriers, the group
            killed = not drained.wait(KILL_GRACE)
            if killed:
                tree.signal(platform.SIGKILL)
                drained.wait(LINGER + 1.0)
            tree.stop(0.0 if killed else max(0.0, KILL_GRACE - (time.monotonic() - term_at)))
        except Exception as exc:  # never leave the run hanging on a bug of ours
            print(f"tickwork launcher: stopping run {child.id}: {exc!r}", file=sys.stderr)
        finally:
            self._done.put(child.id)
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
