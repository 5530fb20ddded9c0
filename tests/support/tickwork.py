"""How tests start `tickwork`: `run` (like `subprocess.run`) and `start` (like
`subprocess.Popen`) for `python -m app.cli ARGS`.

Both go through this test process's zygote (tests/support/zygote.py): a real, separate
process per call, forked from a helper that has imported the CLI already, so a call costs
no interpreter start-up. `TICKWORK_TEST_ZYGOTE=0` in the environment (or a call whose
environment changes an interpreter start-up variable) starts a real `python -m app.cli`
instead. tests/cli/test_true_doors.py runs the true doors (`python main.py`, the installed
`tickwork` script, `python -m app.cli`) and proves the zygote's output is byte-identical.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from tests.support.zygote import ROOT, Launch, zygote

Stream = int | IO[Any] | None  # subprocess.DEVNULL, an open file, or None (inherit)


def use_zygote(env: Mapping[str, str]) -> bool:
    return (os.environ.get("TICKWORK_TEST_ZYGOTE", "1") != "0"
            and zygote().fits(env))


def warm() -> None:
    """Start this test process's zygote now, if calls will go through it: a fixture calls
    this so that no test's first call pays the zygote's start (a new interpreter importing
    the CLI, seconds on a loaded machine) between a time the test computed and the call."""
    if use_zygote(os.environ):
        zygote().start()


def start(args: Sequence[str], *, env: Mapping[str, str] | None = None,
          cwd: str | Path = ROOT, stdin: Stream = None, stdout: Stream = None,
          stderr: Stream = None) -> Launch | subprocess.Popen[bytes]:
    """`python -m app.cli *args`, running; a Popen-shaped handle on it."""
    env = dict(os.environ if env is None else env)
    if not use_zygote(env):
        return subprocess.Popen([sys.executable, "-m", "app.cli", *args], env=env, cwd=cwd,
                                stdin=stdin, stdout=stdout, stderr=stderr)
    opened: list[int] = []

    def fd(stream: Stream, inherit: int) -> int:
        if stream is None:
            return inherit
        if stream == subprocess.DEVNULL:
            opened.append(os.open(os.devnull, os.O_RDWR))
            return opened[-1]
        if isinstance(stream, int):
            return stream
        return stream.fileno()

    try:
        return zygote().launch(
            args, env=env, cwd=cwd, stdin=fd(stdin, 0), stdout=fd(stdout, 1),
            stderr=fd(stderr, 2))
    finally:
        for number in opened:
            os.close(number)


def run(args: Sequence[str], *, input: str | None = None, timeout: float | None = None,
        env: Mapping[str, str] | None = None, cwd: str | Path = ROOT,
        ) -> subprocess.CompletedProcess[str]:
    """`subprocess.run([python, -m, app.cli, *args], input=input, capture_output=True,
    text=True, timeout=timeout, env=env, cwd=cwd)`, the same result."""
    env = dict(os.environ if env is None else env)
    argv = [sys.executable, "-m", "app.cli", *args]
    if not use_zygote(env):
        return subprocess.run(argv, input=input, capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=cwd)
    # files, not pipes: the child can write any amount without a reader
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryFile() as feed:
        if input is not None:
            writer = io.TextIOWrapper(feed, write_through=True)  # the locale's encoding
            writer.write(input)
            writer.detach()
            feed.seek(0)
        child = start(args, env=env, cwd=cwd, stdin=feed if input is not None else None,
                      stdout=out, stderr=err)
        try:
            code = child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise subprocess.TimeoutExpired(argv, timeout or 0, _text(out), _text(err)) \
                from None
        return subprocess.CompletedProcess(argv, code, _text(out), _text(err))


def _text(file: IO[bytes]) -> str:
    """Read back as `text=True` would: the locale's encoding, universal newlines."""
    file.seek(0)
    return io.TextIOWrapper(io.BytesIO(file.read())).read()
