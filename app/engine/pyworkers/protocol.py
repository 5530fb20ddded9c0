"""The frames between the engine and a Python worker: a 5-byte header (payload length,
kind) and the payload, over two socket pairs per worker.

The *run* channel carries a run to the worker (`RUN`) and everything the worker says back
(its output, log lines, progress, checkpoints, the end); the *control* channel carries what
the engine says while a run goes (`CANCEL`, `COMMITTED`), read by a thread of its own in the
worker so a busy callable still hears it. Payloads are JSON, except output (raw bytes) and
cancel (the run id). Nothing is pickled: a worker runs code the user named, and the engine
only ever decodes JSON from it.
"""

from __future__ import annotations

import json
import struct
from typing import Any

HEADER = struct.Struct("<IB")

# engine -> worker
RUN = ord("R")  # run channel: {"run_id", "target", "cwd", "kwargs", ...}
CANCEL = ord("C")  # control channel: the run id, as text
COMMITTED = ord("K")  # control channel: {"error": None | text, "type": exception name}

# worker -> engine (run channel)
HELLO = ord("H")  # {"pid", "cpu"}: the worker is up
STDOUT = ord("O")  # (not a frame: the kind of what the engine read from the worker's fd 1)
STDERR = ord("E")  # ... and fd 2
PROGRESS = ord("P")  # {"fraction", "message"}
CHECKPOINT = ord("S")  # the state, as JSON text; the worker waits for COMMITTED
CANCEL_SEEN = ord("c")  # the worker marked its run cancelled
UNREAD = ord("u")  # (no payload) its run's end follows, and fd 1 or 2 still holds output
DONE = ord("D")  # {"cpu", "result", "error", "traceback", "load_error", "secret_error"}
QUIET_DONE = ord("d")  # the callable returned None: the worker's CPU seconds (`CPU`), no JSON
CPU = struct.Struct("<d")


def frame(kind: int, payload: bytes = b"") -> bytes:
    return HEADER.pack(len(payload), kind) + payload


def json_frame(kind: int, value: Any) -> bytes:
    return frame(kind, json.dumps(value).encode())


class Frames:
    """Whole frames out of a byte stream read in arbitrary pieces."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        buf = self.buffer
        buf += data
        out: list[tuple[int, bytes]] = []
        at = 0
        size = HEADER.size
        while len(buf) - at >= size:
            length, kind = HEADER.unpack_from(buf, at)
            end = at + size + length
            if end > len(buf):
                break
            out.append((kind, bytes(buf[at + size:end])))
            at = end
        if at:
            del buf[:at]
        return out
