"""Which runs an engine handed to its workers: so a `kill -9` does not cost the runs it had
claimed but never started.

An engine claims a fire (a `queued` row) before it starts it, and at the top of the hour it
claims thousands at once while only a few run at a time; a run held back by its group or
task limit or waiting for its upstreams is claimed too (`waiting`). Its row becomes
`running` once its process exists — a commit that follows the hand-off to a worker. So
after a kill -9, a `queued` or `waiting` row of the dead engine is one of two things: a run
no worker ever had, or one handed over just before the kill. Without knowing which, the
next start had to treat each as cut off (`interrupted`, then retried only by its task's
policy): a task without retries lost every fire the dead engine had in its backlog.

This log says which. Before each hand-off (`Logged`, the dispatcher's door to the executor)
the runs' ids are appended to
`<home>/handoffs/<engine id>.log` (8 bytes each, one `write` per hand-off, no fsync: what a
killed process wrote stays in the kernel's cache). The start-up recovery reads the dead
engine's log, and a `queued` or `waiting` orphan not in it is given back unclaimed and runs
as it is (as a graceful stop gives back what it had not started); one in it is interrupted
as before. The log is trusted only when it is whole:

- its header names the machine's boot: after a crash of the machine (the cache lost with
  it) the log is not read, and every orphan is interrupted as before;
- a write that fails (a full disk) marks the log invalid in place (overwriting its first
  byte needs no new block) and removes it; the engine writes no more of it;
- a size that is not its header plus whole ids is not read.

The log holds two generations of `LIMIT` bytes: when the current one is full it becomes
`.prev`, and the new one starts with the ids of the runs still in flight. Recovery reads
both. A clean stop removes its log (what it gave back is in the ledger already).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import struct
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.engine.executor import Attempt
    from app.engine.ports import Runner

log = logging.getLogger("tickwork.engine")

FOLDER = "handoffs"
MAGIC = b"tickwork-handoffs 1"
LIMIT = 4 << 20  # bytes a generation holds: 524,288 hand-offs
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def boot_id() -> str | None:
    """This boot of the machine (Linux); None where it cannot be told."""
    try:
        return BOOT_ID.read_text().strip() or None
    except OSError:
        return None


def log_path(home: Path, engine_id: str) -> Path:
    return home / FOLDER / (re.sub(r"[^A-Za-z0-9._-]", "_", engine_id) + ".log")


def _previous(path: Path) -> Path:
    return path.with_suffix(".prev")


def _header(engine_id: str, boot: str) -> bytes:
    line = b" ".join([MAGIC, boot.encode(), engine_id.encode("utf-8", "replace")]) + b"\n"
    return line + b"\0" * (-len(line) % 8)  # the ids start 8-aligned


class HandOffLog:
    """An engine's log of the runs it handed to a worker (`record`, before each hand-off);
    `close` at a clean stop."""

    def __init__(self, home: Path, engine_id: str, limit: int = LIMIT) -> None:
        self.path = log_path(home, engine_id)
        self.engine_id = engine_id
        self.limit = limit
        self._boot = boot_id()
        self._fd: int | None = None
        self._size = 0
        self.broken = self._boot is None  # nothing written: every orphan is interrupted

    def record(self, run_ids: list[int], running: Callable[[], Iterable[int]]) -> None:
        """These runs are about to be handed over; `running` gives the ids of the runs
        in flight (carried into a new generation)."""
        if self.broken or not run_ids:
            return
        try:
            if self._fd is None:
                self._open([])
            elif self._size >= self.limit:
                os.replace(self.path, _previous(self.path))
                os.close(self._fd)
                self._fd = None
                self._open(list(running()))
            self._write(struct.pack(f"<{len(run_ids)}q", *run_ids))
        except OSError as exc:
            self._break(exc)

    def _open(self, carried: list[int]) -> None:
        assert self._boot is not None
        self.path.parent.mkdir(mode=0o700, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND
                           | os.O_CLOEXEC, 0o600)
        self._size = 0
        self._write(_header(self.engine_id, self._boot)
                    + struct.pack(f"<{len(carried)}q", *carried))

    def _write(self, data: bytes) -> None:
        assert self._fd is not None
        written = os.write(self._fd, data)
        self._size += written
        if written != len(data):
            raise OSError(f"wrote {written} of {len(data)} bytes")

    def _break(self, exc: OSError) -> None:
        """The log is not whole: mark it so, remove it, write no more (recovery then
        interrupts every orphan, as without a log)."""
        self.broken = True
        log.warning("the log of hand-offs (%s) could not be written (%s): after a crash "
                    "this engine's unstarted runs count as interrupted", self.path, exc)
        with contextlib.suppress(OSError):  # (not through the O_APPEND descriptor: Linux
            fd = os.open(self.path, os.O_WRONLY | os.O_CLOEXEC)  # appends at any offset)
            try:
                os.pwrite(fd, b"X", 0)
            finally:
                os.close(fd)
        self._remove()

    def close(self) -> None:
        """A clean stop: the ledger holds the rest."""
        self.broken = True
        self._remove()

    def _remove(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        _unlink(self.path)


class Logged:
    """The executor as the dispatcher sees it: each hand-off recorded first."""

    def __init__(self, runner: Runner, log: HandOffLog) -> None:
        self.runner = runner
        self.log = log
        self.running: Callable[[], list[Attempt]] = list  # the dispatcher's, once it is made

    def start_many(self, attempts: list[Attempt]) -> None:
        self.log.record([a.run_id for a in attempts],
                        lambda: [a.run_id for a in self.running()])
        self.runner.start_many(attempts)


def handed(home: Path, engine_id: str) -> set[int] | None:
    """The runs the engine `engine_id` handed over, from its log; None when the log is
    missing, not whole, or from before the machine's last boot."""
    boot = boot_id()
    path = log_path(home, engine_id)
    if boot is None or not path.exists():
        return None
    header = _header(engine_id, boot)
    ids: set[int] = set()
    for part in (_previous(path), path):
        try:
            data = part.read_bytes()
        except FileNotFoundError:
            if part == path:
                return None
            continue
        except OSError:
            return None
        if not data.startswith(header) or (len(data) - len(header)) % 8:
            return None
        ids.update(struct.unpack_from(f"<{(len(data) - len(header)) // 8}q", data,
                                      len(header)))
    return ids


def forget(home: Path, engine_ids: Iterable[str]) -> None:
    """The dead engines' logs, once their orphans are settled."""
    for engine_id in set(engine_ids):
        _unlink(log_path(home, engine_id))


def _unlink(path: Path) -> None:
    """Both generations of a log."""
    for part in (path, _previous(path)):
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
