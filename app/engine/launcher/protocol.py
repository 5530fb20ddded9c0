"""The words between the engine and a launcher: length-prefixed frames, each a JSON list of
messages, so one write carries every message that was ready (batched both ways).

Engine → launcher:
- `["env", {name: value}]` — the base environment of every command that follows (the
  engine's own, sent first and again whenever it changed);
- `["run", id, argv, env, cwd, stdin, timeout, secrets, token, end_file]` — start a
  command: `argv` as given to exec (a shell command already wrapped in `[shell, "-c",
  text]`), `env` laid over the base, `stdin` text or None, `timeout` seconds or None,
  `secrets` the values to mask in its output, `token` the run's `TICKWORK_RUN_TOKEN`,
  `end_file` where its end is kept should the engine die while it runs (ends.py), or None;
- `["cancel", id, reason]` — stop that command's whole tree.

Launcher → engine:
- `["started", id, pid, created, at]` — the leader exists (pid, its start time), `at` wall
  time; pid None when it could not be started;
- `["out", id, stream, text]` — output, decoded, masked and bounded (`Capture`);
- `["done", id, how, exit_code, error, at]` — it ended: `how` is `exit` (its own end),
  `stopped` (after a cancel), `timeout` or `failed` (it could not start; `error` says why).
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 256 * 1024 * 1024  # a frame longer than this means the stream is corrupt
# bytes a read of the other side's pipe takes at most: what a pipe holds (64 KiB on Linux,
# a frame longer comes in several reads). Not more: CPython allocates the whole size for
# each read, and above malloc's mmap threshold (128 KiB) that is an mmap, an mremap and a
# munmap every read — 1 MiB reads cost 15–18 µs of CPU each, 64 KiB ones 1 µs
READ_SIZE = 65536


def encode(messages: list[Any]) -> bytes:
    """One frame carrying `messages`."""
    body = json.dumps(messages, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to a blocking fd (raises OSError when the reader is gone)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Frames:
    """Reassembles frames from the bytes a pipe delivers, in whatever pieces they come."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        """The messages of every frame completed by `data`, in order."""
        buf = self.buffer
        buf += data
        messages: list[Any] = []
        start = 0
        while len(buf) - start >= HEADER.size:
            (size,) = HEADER.unpack_from(buf, start)
            if size > MAX_FRAME:
                raise ValueError(f"frame of {size} bytes: the stream is corrupt")
            end = start + HEADER.size + size
            if len(buf) < end:
                break
            messages.extend(json.loads(bytes(buf[start + HEADER.size:end])))
            start = end
        if start:
            del buf[:start]
        return messages
