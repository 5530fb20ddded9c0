"""The engine's side of the Python workers: at most one worker process per executor thread
(started when Python runs wait for a worker and outnumber the workers already starting, so
never more than the engine's `workers`), kept while idle, and replaced when it dies or is
killed.

An executor thread hands a run to an idle worker and returns (`hand`): no thread waits on
a run. A run that finds no idle worker waits in the pool for the first one free — a busy
one whose run ends (milliseconds) or a new one once its interpreter is up (a tenth of a
second or more on a loaded machine), whichever comes first — never in one new worker's
socket behind its start-up. One reader thread (`reader`) watches every worker (a
selector) and feeds each run its frames (`run.Run`, which says how a run ends). A worker is
free again before the dispatcher hears that its run ended (it never has more than
`workers` runs in flight, so a waiting run always has a worker coming). A leader unsure of
its lease (`fenced`) hands no waiting run over.
"""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from app import platform
from app.engine.attempts import Attempt, Outcome, Sink, utcnow
from app.engine.processes import STOP_MISS
from app.engine.pyworkers.cpus import Packing
from app.engine.pyworkers.deadlines import Deadlines
from app.engine.pyworkers.process import TERM_GRACE, WorkerProcess, start_failure
from app.engine.pyworkers.reader import Reader
from app.engine.pyworkers.run import Run, Served, request_frame, time_out

__all__ = ["TERM_GRACE", "PythonWorkers", "Served"]
FENCE_POLL = 0.05  # seconds between looks at runs held back while the engine is fenced
log = logging.getLogger("tickwork.engine")
START_TIMEOUT = 30.0  # seconds a new worker has to say hello before it is killed


@dataclass(eq=False, slots=True)
class Waiting:
    """A run no worker was free for, in line for the first one that is."""

    attempt: Attempt
    request: bytes
    since: float  # the monotonic time it was handed over: its timeout counts from there
    packed: bool  # its request asks for the one CPU of packed workers (cpus.py)
    deadline: int | None = None  # its timeout's key in `deadlines` while it waits


class PythonWorkers:
    """The workers of one executor: `hand` is called on an executor thread."""

    def __init__(self, sink: Sink, serve: Callable[[Attempt, Sink], Served], *,
                 most: int | None = None, fenced: Callable[[], bool] = lambda: False) -> None:
        self.sink = sink
        self.fenced = fenced  # a leader unsure of its lease: waiting runs stay waiting
        self.serve = serve  # makes the engine's half of a run's context
        self.most = most  # runs in flight at most (the executor's threads), when known
        self._idle: list[WorkerProcess] = []
        self._all: set[WorkerProcess] = set()
        self._waiting: deque[Waiting] = deque()  # runs no worker was free for, in order
        self._booting = 0  # workers being started that have not said hello yet ...
        self._launching = 0  # ... of them, those not yet in `_all` (their process starting)
        self._lock = threading.Lock()
        self.started = 0  # workers started, replacements included
        self.deadlines = Deadlines()
        self.packing = Packing()  # on one CPU in a storm of short runs (cpus.py)
        self._reader = Reader(self)
        self._closed = False
        self._stopping = False  # close() began: no worker starts any more
        self._held = False  # waiting runs held back while fenced: looked at again soon
        self._watching = False  # a look for frozen workers is due (`_look_frozen`)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._all]

    def idle(self) -> int:
        """How many workers are up and free."""
        with self._lock:
            return len(self._idle)

    def hand(self, attempt: Attempt) -> None:
        """Hand a Python attempt to an idle worker, or let it wait for the first one free
        (its cancel and its timeout end it there); the sink hears its end (from the reader
        thread, or from this one if it cannot go anywhere)."""
        request = request_frame(attempt, self.sink, cpus := self.packing.wanted())
        since = time.monotonic()
        boot = False
        with self._lock:
            stopping = self._stopping
            worker = None if stopping or not self._idle else self._idle.pop()  # the warmest
            if not stopping and worker is None:
                waiting = Waiting(attempt, request, since, cpus is not None)
                attempt.on_cancel = lambda: self._unwait(waiting)
                if attempt.timeout is not None:
                    waiting.deadline = self.deadlines.at(
                        since + attempt.timeout, lambda: time_out(attempt))
                self._waiting.append(waiting)
                boot = len(self._waiting) > self._booting and self._room()
                if boot:
                    self._booting += 1
                    self._launching += 1
        if stopping:
            self.sink.on_finished(attempt, Outcome(
                "interrupted", utcnow(), error="the engine stopped before a worker took it"))
        elif worker is not None:
            self._begin(worker, attempt, request, since, cpus is not None)
        else:
            if attempt.stop_requested:  # (a stop before on_cancel was set)
                self._unwait(waiting)
            if boot:
                self._boot()

    def warm(self, due: int = 0) -> None:
        """`due` Python runs fall due soon: that many workers up before them (one per CPU at
        least, `most` at most), so the first fires do not wait for interpreters (several
        starting on a busy machine took 0.3–0.5 s, and their CPU). More start on demand."""
        count = min(max(platform.usable_cpus(), due), self.most or 1)
        with self._lock:
            more = count - len(self._all) - self._launching
            if more <= 0 or self._stopping:
                return
            self._booting += more
            self._launching += more
        threading.Thread(target=self._boot, args=(more,), daemon=True,
                         name="tickwork-python-warm").start()  # (not on the store's thread)

    def _room(self) -> bool:
        """Another worker may start (lock held): fewer than `most` are up or starting."""
        return self.most is None or len(self._all) + self._launching < self.most

    def _begin(self, worker: WorkerProcess, attempt: Attempt, request: bytes,
               since: float, packed: bool) -> None:
        if attempt.stop_requested:  # cancelled (or the engine stops) as a worker came free
            self._free(worker)
            self.sink.on_finished(attempt, attempt.stopped())
            return
        attempt.pid = worker.pid
        attempt.worker_cpu = worker.cpu
        worker.packed, worker.began = packed, time.monotonic()
        Run(self, worker, attempt).begin(request, since)
        if not self._watching:
            with self._lock:
                watch, self._watching = not self._watching, True
            if watch:
                self.deadlines.at(time.monotonic() + 1.0, self._look_frozen)

    def _look_frozen(self) -> None:
        """Once a second while a run is on a worker (the deadline thread): a worker stopped
        (SIGSTOP, a debugger) for STOP_MISS seconds is killed, as a launcher is
        (launcher/overdue.py), else a run without a timeout hung on it for good; its run
        ends as at a worker's death (`interrupted`, retried by its task's policy; one
        cancelled or past its timeout as that asked). A packed worker's long run: cpus.py."""
        with self._lock:  # (a run begins with its worker's task set, then looks at the flag)
            busy = [w for w in self._all if w.task is not None]
            if not busy:
                self._watching = False
                return
        now = time.monotonic()
        try:
            for worker in busy:
                if worker.packed and self.packing.gone_long(worker.pid, worker.began, now):
                    worker.packed = False
                stood = worker.stopped.look(worker.pid, now)
                if stood is None or stood < STOP_MISS or worker.dead:
                    continue
                log.warning("the Python worker process %d has been stopped for %.0f s: "
                            "killing it (its run ends as at a worker's death)", worker.pid,
                            stood)
                with worker.lock:
                    worker.doomed = True
                platform.kill_group(worker.pid, platform.SIGKILL)
        finally:  # (a look that failed must not end the looks)
            self.deadlines.at(now + 1.0, self._look_frozen)

    def _unwait(self, waiting: Waiting) -> None:
        """A run stopped while it waits for a worker (a cancel, its timeout): it ends now,
        unless a worker has just taken it (then its run hears the stop)."""
        with self._lock:
            try:
                self._waiting.remove(waiting)
            except ValueError:
                return
        self._end_waiting(waiting, waiting.attempt.stopped())

    def _left_waiting(self, waiting: Waiting) -> None:
        if waiting.deadline is not None:
            self.deadlines.drop(waiting.deadline)

    def _end_waiting(self, waiting: Waiting, outcome: Outcome) -> None:
        """A run out of the line that no worker will take: the sink hears its end."""
        self._left_waiting(waiting)
        waiting.attempt.on_cancel = None
        self.sink.on_finished(waiting.attempt, outcome)

    def _boot(self, count: int = 1) -> None:
        """Start `count` more workers (counted as booting by the caller): hello, then a run."""
        for _ in range(count):
            try:
                worker = WorkerProcess()
            except OSError as exc:  # no process could be made (a limit, no memory)
                with self._lock:
                    self._launching -= 1
                self._not_started(f"the Python worker could not start ({exc})")
                continue
            with self._lock:
                self._launching -= 1
                stopping = self._stopping
                if not stopping:
                    self._all.add(worker)
                    self.started += 1
                    self._reader.add(worker)
            if stopping:  # (warmed as the engine stopped)
                worker.stop()
                continue
            self.deadlines.at(time.monotonic() + START_TIMEOUT, partial(self._late, worker))

    def _late(self, worker: WorkerProcess) -> None:
        """A worker with no hello `START_TIMEOUT` after its start is killed; its end fails
        one waiting run (a hung interpreter must not hold them all)."""
        with worker.lock:
            if worker.greeted or worker.dead:
                return
            worker.late = True
        log.warning("a Python worker (pid %d) did not start within %gs: killed",
                    worker.pid, START_TIMEOUT)
        platform.kill_group(worker.pid, platform.SIGKILL)

    def _not_started(self, why: str, status: str = "failed") -> None:
        """A worker started for waiting runs never came up: the first of them ends with why
        and `status` (`process.start_failure`), so a broken interpreter cannot loop; a warm
        one that fails while no run waits ends nothing."""
        with self._lock:
            self._booting -= 1
            ended = self._waiting.popleft() if self._waiting else None
        if ended is not None:
            self._end_waiting(ended, Outcome(status, utcnow(), error=why))

    def _free(self, worker: WorkerProcess) -> None:
        """`worker` can take a run: the first waiting one (`_match`), else it is idle."""
        with self._lock:
            if worker not in self._all:
                return
            self._idle.append(worker)
        self._match()

    def _match(self) -> None:
        """Idle workers take waiting runs, the warmest first — none while the engine is
        fenced (a leader unsure of its lease: looked at again every FENCE_POLL s, and a
        step-down stops each run where it waits)."""
        while not self._held:
            if self._waiting and self.fenced():
                self._held = True  # (two looks at once schedule two: harmless)
                self.deadlines.at(time.monotonic() + FENCE_POLL, self._unhold)
                return
            with self._lock:
                if not self._waiting or not self._idle:
                    return
                worker, waiting = self._idle.pop(), self._waiting.popleft()
            self._left_waiting(waiting)
            self._begin(worker, waiting.attempt, waiting.request, waiting.since,
                        waiting.packed)

    def _unhold(self) -> None:
        self._held = False
        self._match()

    def release(self, worker: WorkerProcess, run: Any) -> None:
        """`run` ended: its worker is free again, unless it was told to stop or is gone."""
        with worker.lock:
            if worker.task is not run:
                return
            worker.current = None
            worker.task = None
            keep = not worker.doomed and not worker.dead
        if keep:  # (one told to stop is dying: the reader hears it go and retires it)
            self._free(worker)

    def discard(self, worker: WorkerProcess) -> int | None:
        """Forget a worker and make sure it is gone (blocks up to `TERM_GRACE`); runs that
        wait get the workers its place makes room for."""
        self._forget(worker)
        self._top_up()
        return worker.stop()

    def _retire(self, worker: WorkerProcess) -> None:
        self._forget(worker)
        threading.Thread(target=self.discard, args=(worker,), daemon=True,
                         name="tickwork-python-retire").start()

    def _forget(self, worker: WorkerProcess) -> None:
        with self._lock:
            self._all.discard(worker)
            with contextlib.suppress(ValueError):
                self._idle.remove(worker)

    def _top_up(self) -> None:
        """Start a worker for each waiting run no start is under way for, as far as `most`
        allows: a worker that died, was killed at a timeout or failed to start leaves room
        that `hand` found none of, and no later run may come to use it."""
        more = 0
        with self._lock:
            while not self._stopping and len(self._waiting) > self._booting and self._room():
                self._booting += 1
                self._launching += 1
                more += 1
        self._boot(more)

    def stop_later(self, worker: WorkerProcess, run_id: int, after: float, token: str) -> None:
        """Kill `worker` `after` seconds from now if it is still on `run_id` then (and what
        the run started that carries its `token`)."""
        def stop() -> None:
            if worker.terminate(run_id, token):
                self.deadlines.at(time.monotonic() + TERM_GRACE, lambda: worker.finish_off(token))

        self.deadlines.at(time.monotonic() + after, stop)

    def retire(self, worker: WorkerProcess, token: str) -> None:
        """Its run ended leaving threads or processes behind (the reader thread, before the
        run's end is reported): it takes no other run, and is killed with them (as at a
        timeout; its exit retires it)."""
        with worker.lock:
            worker.doomed = True

        def stop() -> None:
            worker.kill(token)
            self.deadlines.at(time.monotonic() + TERM_GRACE, lambda: worker.finish_off(token))

        self.deadlines.at(time.monotonic(), stop)

    def close(self) -> None:
        """The engine stops: every worker goes (EOF first, then a kill for a busy one); a
        run still on one ends `interrupted` (or as it was stopped)."""
        with self._lock:
            self._stopping = True
            workers, self._all, self._idle = list(self._all), set(), []
            waiting, self._waiting = list(self._waiting), deque()
        for entry in waiting:  # no worker ever had it
            attempt = entry.attempt
            self._end_waiting(entry, Outcome(
                attempt.stop_status if attempt.stop_requested else "interrupted", utcnow(),
                error=attempt.cancel_reason or "the engine stopped before a worker took it"))
        self.deadlines.close()
        for worker in workers:
            worker.hang_up()
        deadline = time.monotonic() + TERM_GRACE
        for worker in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.proc.wait(max(0.0, deadline - time.monotonic()))
            platform.kill_group(worker.pid, platform.SIGKILL)
            worker.proc.wait()
        self._closed = True
        self._reader.close()
        for worker in workers:  # what the reader had not heard of yet
            with worker.lock:
                run, worker.dead = worker.task, True
            if run is not None:
                run.lost()

    # -- what the reader thread hears (reader.Reader) ---------------------------------------

    def greeted(self, worker: WorkerProcess, payload: bytes) -> None:
        cpu = json.loads(payload).get("cpu")
        with worker.lock:
            worker.greeted = True
            worker.cpu = cpu
        with self._lock:
            self._booting -= 1
        self._free(worker)

    def gone(self, worker: WorkerProcess) -> None:
        """It exited or its channel closed: it died, or was killed or hung up on."""
        with worker.lock:
            worker.dead = True
            run = worker.task
        if run is None and not worker.greeted and not self._closed:  # it died starting up
            threading.Thread(target=self._start_failed, args=(worker,), daemon=True,
                             name="tickwork-python-retire").start()
        elif run is None:
            self._retire(worker)
        elif not self._closed:
            threading.Thread(target=run.lost, daemon=True, name="tickwork-python-lost").start()

    def _start_failed(self, worker: WorkerProcess) -> None:
        """Its channel closed before a hello (own thread): its exit, waited for a moment, is
        read; one that lingers is stopped by `discard`, a stop not read as one from outside."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.proc.wait(TERM_GRACE)
        code = worker.proc.returncode
        self.discard(worker)
        self._not_started(*start_failure(worker.late, code, START_TIMEOUT))
