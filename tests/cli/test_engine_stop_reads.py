"""`tickwork engine stop` reads who holds this home from `engine.lock` and `engine.shared`:
a file held by a live process yet damaged failed the stop with "tickwork: failed:
UnicodeDecodeError" or said "no engine is running for this home"; a mark read while its
engine writes it is answered as it stands before or after, never half. Real processes
hold the files (the mark's own writing code), the real CLI reads them."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.processes import stop

HOLD = """
import os, sys
from app import platform
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
assert platform.try_lock(fd)
print("held", flush=True)
sys.stdin.read()
"""

# the mark's own writing code, as an engine uses it: taken, its state said again and again
# (the engine says each change), let go, taken again (an engine stopped, the next started)
REWRITE = """
import sys
from pathlib import Path
from app.store.lock import SharedMark
mark = SharedMark(Path(sys.argv[1]).parent)
print("writing", flush=True)
while True:
    why = mark.take("0123abcd", "postgresql://db.example/tickwork", "running")
    assert why is None, why
    for _ in range(50):
        mark.say("standby")
        mark.say("running")
    mark.release()
"""


@pytest.fixture
def process(home: Path) -> Iterator[object]:
    """Start `python -c CODE FILE` (in the home) and wait for its first line."""
    started: list[subprocess.Popen[str]] = []

    def start(code: str, name: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-c", code, str(home / name)], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline()
        return proc

    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    tickwork.warm()
    yield start
    for proc in started:
        stop(proc)


def _engine_stop(home: Path) -> tuple[int, str, str]:
    done = tickwork.run(["--home", str(home), "engine", "stop"], cwd=ROOT, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("name", ["engine.lock", "engine.shared"])
@pytest.mark.parametrize("damage", [b"\x80\x81 not text", b'{"pid": 12',
                                    b'{"pid": 1, "engine": "caf\xe9"}'])
def test_a_held_lock_file_that_is_damaged_is_said_so(process: object, home: Path, name: str,
                                                     damage: bytes) -> None:
    (home / name).write_bytes(damage)
    process(HOLD, name)  # type: ignore[operator]
    assert _engine_stop(home) == (1, "", (
        f"tickwork: a process holds {home / name}, but the file does not say which one (it "
        "is damaged or was deleted): nothing stopped\n"))


def test_a_mark_rewritten_while_engine_stop_reads_it_is_read_whole(process: object,
                                                                   home: Path) -> None:
    """A guard more than a proof: the old code passed it too (a state is said again as one
    write of a record never shorter; taking and letting go read as no engine either way)."""
    writer = process(REWRITE, "engine.shared")  # type: ignore[operator]
    found = (1, "", f"tickwork: the engine runs in a Tickwork window (process {writer.pid}): "
                    "quit that window to stop it\n")
    gone = (0, "no engine is running for this home: nothing to stop\n", "")
    answers: Counter[tuple[int, str, str]] = Counter()
    for _ in range(60):
        answers[_engine_stop(home)] += 1
    assert set(answers) <= {found, gone}, answers
    assert answers[found] > 0, answers
    assert writer.poll() is None
