"""The one thread that hears every Python worker: its channel's frames, its fds 1 and 2 (the
pipes the engine holds the read ends of) and its exit (a pidfd), in one selector.

Output comes before the frames that follow it: a worker flushes what its run printed before
it sends a frame, so when a frame is ready the output written before it is ready too, and
each round reads the ready pipes (until a short read) before any channel. One read of the
channel may bring frames sent after output still unread (a child process of the callable
printed, then the callable returned: seen in about 1 test run in 25, the child's line
lost), so a worker whose pipes still hold bytes as its run ends says so first (`UNREAD`)
and the pipes are read before the end is served — said, not asked: two more reads a run
cost 30 µs of the engine's time each run at the top of the hour. A worker is gone
when its channel ends or its process exits, whichever comes first — a process the run forked
may hold the channel or the pipes; the worker's own exit is what counts. What it wrote
before it died is read then, before its run hears of the death.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import selectors
import socket
import threading
from typing import Protocol

from app.engine.lineage import TOKEN_VAR
from app.engine.pyworkers import protocol
from app.engine.pyworkers.process import Follower, WorkerProcess

log = logging.getLogger("tickwork.engine")
# bytes a read takes at most: under malloc's mmap threshold (128 KiB), as the worker's own
# (worker.RECV_SIZE). At 256 KiB each read of a run's end cost an mmap, an mremap and a
# munmap (the buffer shrunk to what came keeps the threshold down): 18 µs of CPU a read,
# not 2.5, and the reader's CPU a trivial run was 73 µs, not 43 (2026-12-07)
READ_SIZE = 65536
_FRAMES = 0  # what a key's data says its fd is, beside the output kinds (protocol)
_EXIT = 1
_FORKS = 2


class Hearer(Protocol):
    """What the reader tells the pool (`pool.PythonWorkers`)."""

    def greeted(self, worker: WorkerProcess, payload: bytes) -> None: ...
    def gone(self, worker: WorkerProcess) -> None: ...
    def retire(self, worker: WorkerProcess, token: str) -> None: ...


class Reader:
    """The selector over every worker, and the thread that reads it."""

    def __init__(self, pool: Hearer) -> None:
        self.pool = pool
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._joining: queue.SimpleQueue[WorkerProcess] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, worker: WorkerProcess) -> None:
        """Follow a new worker (any thread; the reader registers it)."""
        with self._lock:
            if self._closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._read, daemon=True,
                                                name="tickwork-python-reader")
                self._thread.start()
            self._joining.put(worker)
            os.write(self._wake_w, b"w")

    def close(self) -> None:
        """Stop the thread (the pool's close); workers it had not heard go are not told."""
        with self._lock:
            self._closed = True
            os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(5)
        for key in list(self._selector.get_map().values()):  # forks pipes still open
            if key.data is not None and key.data[1] == _FORKS:
                os.close(key.fd)
        self._selector.close()
        with self._lock:
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _read(self) -> None:
        select = self._selector.select
        while not self._closed:
            later = []
            for key, _ in select():
                if key.data is None:
                    self._woken()
                    continue
                worker, kind = key.data
                if kind in (_FRAMES, _EXIT):
                    later.append(key.data)
                elif kind == _FORKS:
                    self._forks(worker)
                else:
                    self._output(worker, kind, key.fd)
            for worker, kind in later:
                if kind == _EXIT:
                    self._gone(worker)
                elif not worker.dead:
                    self._frames(worker)

    def _frames(self, worker: WorkerProcess) -> None:
        try:
            data = os.read(worker.fd, READ_SIZE)
        except OSError:
            data = b""
        if data:
            self._feed(worker, data)
        else:
            self._gone(worker)

    def _feed(self, worker: WorkerProcess, data: bytes) -> None:
        for kind, payload in worker.frames.feed(data):
            if worker.garbled:  # (nothing more of it is read)
                return
            run = worker.task
            if kind == protocol.HELLO:
                self.pool.greeted(worker, payload)
            elif kind == protocol.UNREAD:  # what its run wrote is read before its end
                for fd, stream in worker.outputs:
                    self._output(worker, stream, fd)
            elif run is not None:
                if kind == protocol.DONE or kind == protocol.QUIET_DONE:
                    self._held_output(worker, run)
                try:
                    run.serve(kind, payload)
                except Exception as exc:  # (this thread serves every worker: it goes on)
                    self._garbled(worker, run, exc)

    def _garbled(self, worker: WorkerProcess, run: Follower, exc: Exception) -> None:
        """A frame the engine cannot read — what the action did to its worker — or could
        not serve: the reader died of it, and with it every Python run of the engine. The
        worker is killed, and its run ends as at its death, saying why (`run.lost`)."""
        if isinstance(exc, protocol.Garbled):
            worker.garbled = f"sent a run's end the engine could not read ({exc})"
            log.warning("the Python worker process %d %s: killing it", worker.pid,
                        worker.garbled)
        else:  # (not the worker's doing, as far as the engine can tell: its traceback)
            worker.garbled = f"sent what the engine could not serve ({type(exc).__name__})"
            log.exception("the Python worker process %d %s: killing it", worker.pid,
                          worker.garbled)
        self.pool.retire(worker, run.attempt.env.get(TOKEN_VAR, ""))

    @staticmethod
    def _held_output(worker: WorkerProcess, run: Follower) -> None:
        """What its fd 1 held back as the maybe start of a progress record: output after all."""
        held = worker.marked.rest()
        if held:
            run.serve(protocol.STDOUT, held)

    def _output(self, worker: WorkerProcess, kind: int, fd: int) -> None:
        """What fd 1 or 2 of `worker` holds now: its run's output (none between runs: a
        run that left writers behind retires its worker; before the hello, the engine's
        stderr, as a broken interpreter's complaint)."""
        while True:
            try:
                data = os.read(fd, READ_SIZE)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:  # every writer closed it
                with contextlib.suppress(KeyError, ValueError):
                    self._selector.unregister(fd)
                return
            run = worker.task
            if run is not None:
                if kind == protocol.STDOUT:  # the action's output and its progress records
                    for each, piece in worker.marked.feed(data):
                        run.serve(each, piece)
                else:
                    run.serve(kind, data)
            elif not worker.greeted:
                with contextlib.suppress(OSError):
                    os.write(2, data)
            if len(data) < READ_SIZE:
                return

    def _forks(self, worker: WorkerProcess) -> None:
        """The processes its callables forked: killed with their run's tree (process.py).
        Read until every writer closed it, the worker's death included: a fork that raced
        it is heard of later."""
        fd = worker.forks_fd
        if fd < 0:  # (closed: its end was read)
            return
        with contextlib.suppress(OSError):
            while data := os.read(fd, READ_SIZE):
                worker.heard_forks(data)
                if len(data) < READ_SIZE:
                    return
            worker.forks_fd = -1
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(fd)
            os.close(fd)

    def _gone(self, worker: WorkerProcess) -> None:
        """Its channel ended or it exited: the output it left is read, then the pool hears."""
        with worker.lock:
            if worker.dead:
                return
            worker.dead = True  # an end read below does not free it for another run
        for fd, kind in worker.outputs:
            self._output(worker, kind, fd)
        run = worker.task
        if run is not None:
            self._held_output(worker, run)
        self._forks(worker)
        while True:  # the frames it sent before it exited (its end is closed, or a child's)
            try:
                data = worker.run.recv(READ_SIZE, socket.MSG_DONTWAIT)
            except OSError:
                break
            if not data:
                break
            self._feed(worker, data)
        for each in (worker.fd, worker.exit_fd, *(fd for fd, _kind in worker.outputs)):
            if each is not None:
                with contextlib.suppress(KeyError, ValueError):
                    self._selector.unregister(each)
        self.pool.gone(worker)

    def _woken(self) -> None:
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake_r, 4096)
        while True:
            try:
                worker = self._joining.get_nowait()
            except queue.Empty:
                return
            register = self._selector.register
            register(worker.fd, selectors.EVENT_READ, (worker, _FRAMES))
            for fd, kind in (*worker.outputs, (worker.forks_fd, _FORKS)):
                register(fd, selectors.EVENT_READ, (worker, kind))
            if worker.exit_fd is not None:
                register(worker.exit_fd, selectors.EVENT_READ, (worker, _EXIT))
