"""The frames between the engine and a Python worker: a 5-byte header (payload length,
kind) and the payload, over two socket pairs per worker.

The *run* channel carries a run to the worker (`RUN`) and what the worker says back (its
checkpoints, the end); what a run prints, logs and reports as progress goes into the
worker's fd 1 instead, a pipe the engine reads (progress as records of the worker's own
mark, `Marked`), so all three keep the order they were said in; the *control* channel
carries what the engine says while a run goes (`CANCEL`, `COMMITTED`), read by a thread of
its own in the worker so a busy callable still hears it. Payloads are JSON, except output
(raw bytes) and cancel (the run id). Nothing is pickled: a worker runs code the user named,
and the engine only ever decodes JSON from it.
"""

from __future__ import annotations

import json
import secrets
import select
import struct
from typing import Any

HEADER = struct.Struct("<IB")
# the channel's own JSON: a worker's run shares its interpreter, and an action (a library's
# monkeypatching) that replaced json.dumps or json.loads garbled every frame after it
_encode = json.JSONEncoder().encode
_encode_text = json.JSONEncoder(ensure_ascii=False).encode
_decode = json.JSONDecoder().decode

# engine -> worker
RUN = ord("R")  # run channel: {"run_id", "target", "cwd", "kwargs", ...}
CANCEL = ord("C")  # control channel: the run id, as text
COMMITTED = ord("K")  # control channel: {"error": None | text, "type": exception name}

# worker -> engine (run channel)
HELLO = ord("H")  # {"pid", "cpu"}: the worker is up
STDOUT = ord("O")  # (not a frame: the kind of what the engine read from the worker's fd 1)
STDERR = ord("E")  # ... and fd 2
PROGRESS = ord("P")  # {"fraction", "message"} (not a frame: a record in fd 1, `Marked`)
CHECKPOINT = ord("S")  # the state, as JSON text; the worker waits for COMMITTED
CANCEL_SEEN = ord("c")  # the worker marked its run cancelled
UNREAD = ord("u")  # (no payload) its run's end follows, and fd 1 or 2 still holds output
DONE = ord("D")  # {"cpu", "result", "error", "traceback", "load_error", "secret_error"}
QUIET_DONE = ord("d")  # the callable returned None: the worker's CPU seconds (`CPU`), no JSON
CPU = struct.Struct("<d")


MARK_VAR = "TICKWORK_WORKER_MARK"  # the worker's token (`mark`), given at its start
# bytes: written in one write no longer than PIPE_BUF, a record is whole (4096 on Linux, 512
# where POSIX allows no more)
RECORD_MOST = min(4096, getattr(select, "PIPE_BUF", 512))


def frame(kind: int, payload: bytes = b"") -> bytes:
    return HEADER.pack(len(payload), kind) + payload


def json_frame(kind: int, value: Any) -> bytes:
    return frame(kind, _encode(value).encode())


def loads(payload: bytes) -> Any:
    """A JSON payload of a frame (ValueError when it is not one)."""
    return _decode(payload.decode("utf-8"))


_END_TEXTS = ("result", "error", "traceback", "load_error", "secret_error", "start_error",
              "left", "changed", "crowded", "missing_module", "folder")


class Garbled(ValueError):
    """A frame of a worker's that is not what the protocol says (what its action did)."""


def run_end(payload: bytes) -> dict[str, Any]:
    """A DONE frame's end of a run, as the worker sends it; Garbled (saying what is wrong)
    for anything else — whatever an action did to its worker, the engine reads no more."""
    try:
        end = loads(payload)
    except ValueError:
        raise Garbled("not JSON") from None
    if not isinstance(end, dict):
        raise Garbled("not a mapping")
    for key, value in end.items():
        if key in _END_TEXTS:
            ok = isinstance(value, str) or value is None
        elif key in ("result_left_out", "traceback_left_out"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        elif key == "cpu":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            raise Garbled(f"unknown field {key!r}")
        if not ok:
            raise Garbled(f"field {key!r} holds {type(value).__name__}")
    return end


class Frames:
    """Whole frames out of a byte stream read in arbitrary pieces."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        buf = self.buffer
        size = HEADER.size
        unpack = HEADER.unpack_from
        if buf:  # the rest of a frame begun in an earlier read: taken once it is whole
            buf += data
            if len(buf) < size or len(buf) < size + unpack(buf, 0)[0]:
                return []
            data = bytes(buf)
            buf.clear()
        out: list[tuple[int, bytes]] = []
        at = 0
        while len(data) - at >= size:  # (each payload sliced once out of what was read)
            length, kind = unpack(data, at)
            end = at + size + length
            if end > len(data):
                break
            out.append((kind, data[at + size:end]))
            at = end
        if at < len(data):
            buf += data[at:] if at else data
        return out


def new_token() -> str:
    """A worker's own part of its `mark`, given to it at its start (MARK_VAR)."""
    return secrets.token_hex(8)


def mark(token: str) -> bytes:
    """What starts a worker's progress records in its fd 1: no output says it by chance."""
    return b"\x00tickwork-progress-" + token.encode() + b":"


def progress_record(mark: bytes, fraction: float | None, message: str) -> bytes:
    """A progress report as a record in the worker's fd 1 (`Marked`): its mark, JSON, a
    newline, at most RECORD_MOST bytes (a longer message is cut, and ends in "…"). What
    UTF-8 cannot hold (a file name os.listdir decoded with a lone surrogate) is escaped
    ("caf\\udce9.txt"): it failed the run, and before that the engine's write."""
    message = str(message).encode("utf-8", "backslashreplace").decode()
    while True:
        record = mark + _encode_text({"fraction": fraction, "message": message}
                                     ).encode() + b"\n"
        if len(record) <= RECORD_MOST:
            return record
        message = message[:min(len(message), RECORD_MOST) * 3 // 4] + "…"


class Marked:
    """A worker's fd 1 as the engine reads it: the run's output (`STDOUT`) with its progress
    records (`PROGRESS`) taken out where they fall, so print() and progress() keep the order
    they were said in. A record is written whole (`progress_record`: one write of at most
    PIPE_BUF bytes, which nothing another writer says can fall inside), yet a read may end
    within one: what may be its start is held for the next read, or until `rest`."""

    def __init__(self, mark: bytes) -> None:
        self.mark = mark
        self.held = b""

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        if self.held:
            data, self.held = self.held + data, b""
        mark = self.mark
        out: list[tuple[int, bytes]] = []
        at = look = 0  # what is before `at` is served; a record is looked for from `look`
        while (start := data.find(mark, look)) >= 0:
            end = data.find(b"\n", start, start + RECORD_MOST)
            if end < 0:
                if len(data) - start < RECORD_MOST:  # the rest of it in the next read
                    self.held = data[start:]
                    data = data[:start]
                    break
                look = start + 1  # too long for a record: output that says the mark
                continue
            if start > at:
                out.append((STDOUT, data[at:start]))
            out.append((PROGRESS, data[start + len(mark):end]))
            at = look = end + 1
        else:  # output that ends in what could start a record: held for the next read
            begun = data.rfind(mark[:1], max(look, len(data) - len(mark) + 1))
            if begun >= 0 and mark.startswith(data[begun:]):
                self.held = data[begun:]
                data = data[:begun]
        if len(data) > at:
            out.append((STDOUT, data[at:]))
        return out

    def rest(self) -> bytes:
        """What was held back: the run ended, so it is output after all."""
        held, self.held = self.held, b""
        return held
