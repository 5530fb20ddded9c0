"""One command as its launcher tracks it, and where what it says goes: to the engine, or,
once the engine is gone, into the end it leaves for the next engine (ends.py)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Any

from app.core.run_env import CHECKPOINT_FILE
from app.engine.capture import Capture
from app.engine.launcher import ends, spawn


class Child:
    """One running command as the launcher tracks it."""

    def __init__(self, run_id: int, secrets: list[str], token: str | None,
                 timeout: float | None, outbox: list[Any], end_file: str | None,
                 env: dict[str, str]) -> None:
        self.id = run_id
        self.checkpoint_file = env.get(CHECKPOINT_FILE)
        if self.checkpoint_file:  # its folder, made again should it have gone (the engine
            _make_folder(os.path.dirname(self.checkpoint_file))  # looks once a second)
        self.secret_values = tuple(secrets)
        self.token = token
        self.outbox = outbox
        self.end_file = end_file  # where its end goes should its engine die (None: nowhere)
        self.left: list[list[str]] | None = None  # its output since its engine is gone
        self.capture: Capture | None = None  # made at its first output (most have none)
        self.started: spawn.Started | None = None
        self.pidfd: int | None = None
        self.created: float | None = None
        self.started_at: float | None = None  # when its leader was started (wall clock)
        self.pipes: list[int] = []  # its stdout and stderr while open (their fds get reused)
        self.stdin_left = memoryview(b"")  # what is still to be written (no copies)
        self.code: int | None = None  # set once the leader is reaped
        self.exited_at = 0.0
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.timeout = timeout
        self.stop_how = ""  # "stopped" | "timeout" | "exit" (its leftovers) once a stop began
        self.stop_reason = ""
        self.stop_done = False  # the stop thread finished with its tree
        self.drained: threading.Event | None = None  # made by a stop: leader reaped, pipes closed

    def wrote_checkpoint(self) -> bool | None:
        """Whether its checkpoint file is there as it ends (None: it was given none). Most
        commands write none; looked at here, the engine need not (each file system call on
        its dispatcher gives up the interpreter and waits to win it back)."""
        return None if self.checkpoint_file is None else os.path.exists(self.checkpoint_file)

    def on_output(self, _attempt: Any, stream: str, text: str) -> None:
        if self.left is not None:
            self.left.append([stream, text])
        else:
            self.outbox.append(["out", self.id, stream, text])

    def leave_end(self, done: list[Any]) -> None:
        """Its engine is gone: keep its end (`["done", id, how, code, error, at]`) for the
        next one — not a stop's (a cancel, the engine's stop): that run is interrupted."""
        if self.end_file is None or done[2] not in ends.HOWS:
            return
        try:
            ends.write(self.end_file, self.token, done[2], done[3], done[4], done[5],
                       self.left or [], self.started_at)
        except OSError as exc:  # (then it is interrupted and retried, as before)
            print(f"tickwork launcher: the end of run {self.id} cannot be kept: {exc}",
                  file=sys.stderr)


def _make_folder(folder: str) -> None:
    """The checkpoints folder (0700), if it is not there; a failure is the engine's to say
    (it cannot make the folder either: the run's output says so)."""
    if not os.path.isdir(folder):
        with contextlib.suppress(OSError):
            os.mkdir(folder, 0o700)
