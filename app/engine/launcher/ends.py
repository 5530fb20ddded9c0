"""A command's end kept for the next engine, when its own engine died while it ran.

A launcher whose engine is gone (a kill -9: its pipes close) stays while the commands it
was handed still run, and for each that ends on its own (or at its timeout) it writes
`<home>/ends/<run id>.json`: the run's token, how it ended, its exit code, error and end
time, and the output the engine never heard. The file is written whole or not at all (a
temporary file, fsync, rename, fsync of the folder). The next engine's recovery, once it
has killed the dead engine's launchers (so none writes afterwards), reads the file of each
run the dead engine left unfinished and records the run as it ended, instead of
interrupting it and running it again; the file goes once that is committed.

Nothing here is trusted that need not be: a file that is not a plain file of this user, too
large, not whole JSON of this shape, or whose token is not the run's own
(`<run id>@<engine id>`) is ignored, and its run is interrupted and retried as before. So
is a run whose launcher died too, or still watched it when the next engine started: its
command is stopped and retried by the task's policy (at-least-once). A command a person
cancelled, or the engine's stop was stopping, leaves no file.

Standard library only: the launcher imports it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDER = "ends"
MAX_BYTES = 16 << 20  # larger than any file a launcher writes (its capture is bounded)
HOWS = ("exit", "timeout")  # the ends a file may tell (launcher's words: protocol.py)
STREAMS = ("stdout", "stderr", "tickwork")
CODES = (-255, 255)  # an exit code (0–255) or a signal's number, negative (as subprocess's)
LATEST = 253402300800.0  # 10000-01-01: a time past this is no datetime
_NAME = re.compile(r"(\d+)\.json")


def file_of(folder: str, run_id: int) -> str:
    return os.path.join(folder, f"{run_id}.json")


def write(path: str, token: str | None, how: str, code: int | None, error: str | None,
          at: float, output: list[list[str]], started: float | None = None) -> None:
    """Write the end of a command durably and whole (a launcher, its engine gone); OSError
    when it cannot be (a home removed meanwhile is not made again)."""
    folder = os.path.dirname(path)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    body = json.dumps({"token": token, "how": how, "code": code, "error": error, "at": at,
                       "output": output, "started": started}).encode()
    temp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW,
                 0o600)
    try:
        view = memoryview(body)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    dir_fd = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@dataclass(frozen=True, slots=True)
class End:
    """How a command ended while no engine ran (the launcher's `done` words) and the
    output its engine never heard, as (stream, text)."""

    how: str
    code: int | None
    error: str | None
    at: float
    output: tuple[tuple[str, str], ...]
    started: float | None = None  # when its leader was started (wall clock), if told


def read(home: Path, run_id: int, token: str) -> End | None:
    """The end a launcher left for the run `run_id` whose token is `token`; None when there
    is none, or none that can be trusted."""
    try:
        fd = os.open(file_of(str(home / FOLDER), run_id),
                     os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid()
                or info.st_size > MAX_BYTES):
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = json.loads(fh.read(MAX_BYTES + 1))
        return _end(data, token)
    except (OSError, ValueError, TypeError):
        return None
    finally:
        os.close(fd)


def _end(data: Any, token: str) -> End | None:
    if not isinstance(data, dict) or data.get("token") != token:
        return None
    how, code, error, at, output, started = (data.get(k) for k in (
        "how", "code", "error", "at", "output", "started"))
    if (how not in HOWS or not (code is None or _code(code))
            or not (error is None or isinstance(error, str))
            or not _moment(at) or not (started is None or _moment(started))
            or not isinstance(output, list)):
        return None
    chunks = []
    for item in output:
        if (not isinstance(item, list) or len(item) != 2 or item[0] not in STREAMS
                or not isinstance(item[1], str)):
            return None
        chunks.append((item[0], item[1]))
    ended = _seconds(at)
    assert ended is not None  # (`_moment`)
    return End(how, code, error, ended, tuple(chunks), _seconds(started))


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _code(value: Any) -> bool:
    return type(value) is int and CODES[0] <= value <= CODES[1]


def _moment(value: Any) -> bool:
    """A wall-clock time a launcher could have written (seconds since 1970): a number, not
    NaN, infinite or beyond what a datetime holds (which failed the engine's start)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and 0 <= value < LATEST)


def sweep(home: Path, keep: set[int]) -> None:
    """Remove the files of this user's in the folder but those of `keep` (runs still to be
    recorded): those of runs settled already, damaged ones, half-written temporary ones."""
    folder = home / FOLDER
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _NAME.fullmatch(name)
        if match is not None and int(match.group(1)) in keep:
            continue
        if not (match is not None or name.endswith(".tmp")):
            continue  # not a file of ours
        path = folder / name
        with contextlib.suppress(OSError):
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid():
                path.unlink()


def remove(home: Path, run_id: int) -> None:
    """A run's file, once its end is committed."""
    with contextlib.suppress(OSError):
        os.unlink(file_of(str(home / FOLDER), run_id))
