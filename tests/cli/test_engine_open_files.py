"""An engine's open files: each worker slot costs it a few, and Qt's event dispatcher aborts
the whole process when a pool thread cannot get one ("GLib-ERROR: Creating pipes for
GWakeup: Too many open files": `--workers 256` with the common 1,024 died at its first
Python runs, and so did 32 under a limit of 40). The engine raises its soft limit to what
its workers need where the hard limit allows, and runs fewer at once where it does not,
saying why. Real engines under real limits (`setrlimit` in the child), the real CLI."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from faults.harness import wait_until
from tests.conftest import ROOT

PROBE = """
import resource

def files():
    print("python run:", resource.getrlimit(resource.RLIMIT_NOFILE)[0])
"""


@contextmanager
def engine(home: Path, log: Path, files: tuple[int, int], workers: int
           ) -> Iterator[subprocess.Popen[bytes]]:
    """`tickwork engine --workers N` with these (soft, hard) limits on open files."""
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "--home", str(home), "engine",
             "--workers", str(workers)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, files))
    try:
        wait_until(lambda: "engine running on" in log.read_text(), 30)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def ran(cli: Any, name: str) -> str:
    """Run `name` now and wait for it; its output."""
    done = cli("task", "run", name, "--wait", "30", "--json", timeout=40)
    assert done.code == 0, done
    shown = cli("run", "show", str(done.json()["id"]), "--log")
    assert shown.code == 0, shown
    return str(shown.out)


def test_too_few_files_for_the_workers_asked_runs_fewer_at_once_and_says_why(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """A hard limit of 100 with `--workers 100`: the engine died at its first run (the
    limit is the user's to raise, `ulimit -Hn`); it runs one at once now, and says so."""
    for name in ("a", "b", "c"):
        assert cli("task", "add", name, "--command", "true", "--manual").code == 0
    log = tmp_path / "engine.log"
    with engine(home, log, (100, 100), 100) as proc:
        for name in ("a", "b", "c"):
            ran(cli, name)
        assert proc.poll() is None, log.read_text()
    text = log.read_text()
    assert "GLib-ERROR" not in text and "Traceback" not in text, text
    assert ("engine running: 1 worker (100 asked for, but they need about 928 open files "
            "and this system allows Tickwork 100: raise `ulimit -Hn`)") in text, text
    assert proc.returncode == 0, text


def test_an_engine_raises_its_soft_limit_to_what_its_workers_need(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """Soft 100, hard 4,096, 40 workers: the engine takes the 448 they need (128 of its own
    and 8 a worker) and runs all 40; what it starts inherits that limit, no more."""
    (tmp_path / "limits_probe.py").write_text(PROBE)
    assert cli("task", "add", "sh", "--command", "echo command: $(ulimit -n)", "--shell",
               "--manual").code == 0
    assert cli("task", "add", "py", "--python", "limits_probe:files", "--cwd", str(tmp_path),
               "--manual").code == 0
    log = tmp_path / "engine.log"
    with engine(home, log, (100, 4096), 40):
        assert "command: 448" in ran(cli, "sh")
        assert "python run: 448" in ran(cli, "py")
    assert "engine running: 40 workers" in log.read_text()
