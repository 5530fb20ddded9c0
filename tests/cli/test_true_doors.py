"""The doors a person uses — `python main.py`, the installed `tickwork` script and
`python -m app.cli` — and the test zygote (tests/support/zygote.py), which starts most of the
suite's CLI processes without a new interpreter: the same commands give byte-identical
stdout, stderr and exit codes through every one of them."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.zygote import Launch

CRONTAB = "# nightly\nMAILTO=''\n0 3 * * * /usr/bin/backup --all > /dev/null\n"
SCRIPT = Path(sys.executable).parent / "tickwork"  # pip's console script (`make install`)
ZYGOTE = "zygote"
Outcome = tuple[int, bytes, bytes]


def doors() -> list[str]:
    found = ["python main.py", "python -m app.cli", ZYGOTE]
    if SCRIPT.exists():
        found.append("tickwork")
    return found


def argv_of(door: str) -> list[str]:
    return {"python main.py": [sys.executable, str(ROOT / "main.py")],
            "python -m app.cli": [sys.executable, "-m", "app.cli"],
            "tickwork": [str(SCRIPT)]}[door]


def through(door: str, args: list[str], stdin: str | None = None,
            env: dict[str, str] | None = None) -> Outcome:
    """One call; raw bytes, so nothing is decoded or translated before comparing."""
    env = dict(os.environ if env is None else env)
    if door != ZYGOTE:
        proc = subprocess.run([*argv_of(door), *args], capture_output=True, timeout=60,
                              cwd=ROOT, env=env,
                              input=None if stdin is None else stdin.encode(),
                              stdin=subprocess.DEVNULL if stdin is None else None)
        return proc.returncode, proc.stdout, proc.stderr
    assert tickwork.use_zygote(env), "this call would not go through the zygote"
    with tempfile.TemporaryFile() as feed, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:
        feed.write(b"" if stdin is None else stdin.encode())
        feed.seek(0)
        child = tickwork.start(args, env=env, cwd=ROOT, stdin=feed, stdout=out, stderr=err)
        assert isinstance(child, Launch)
        assert child.pid != os.getpid()
        code = child.wait(60)
        return code, _read(out), _read(err)


def _read(file: IO[bytes]) -> bytes:
    file.seek(0)
    return file.read()


def test_each_door_gives_the_same_bytes_and_exit_codes(tmp_path: Path) -> None:
    home = tmp_path / "home"  # one path for every door, so the outputs may name it
    new_york = {**os.environ, "TZ": "America/New_York"}
    writes: list[tuple[list[str], str | None]] = [
        (["task", "add", "backup", "--command", "true", "--at", "2031-01-01T00:00:00Z"], None),
        (["task", "add", "broken", "--command", "true", "--every", "5q"], None),  # exit 2
        (["task", "add", "nightly", "--command", "true", "--at", "2031-03-30T01:30:00",
          "--tz", "Europe/Berlin", "--depends-on", "backup"], None),
        (["import", "--crontab", "-", "--dry-run"], CRONTAB),  # reads stdin
        (["task", "list", "--json"], None),  # names created_at: compared within a door only
    ]
    reads: list[tuple[list[str], dict[str, str] | None]] = [
        (["task", "show", "nightly"], new_york),  # local times: TZ is read per process
        (["task", "show", "nightly"], None),
        (["task", "show", "nosuch"], None),
        (["task", "list"], new_york),
        (["run", "list", "--json"], None),
        (["task", "update", "nightly", "--priority", "high"], None),  # exit 2, changes nothing
        (["--version"], None),
        (["task", "add", "--help"], None),
        (["bogus"], None),
    ]
    seen: dict[str, list[Outcome]] = {}
    for door in doors():
        # every call through the zygote and `python -m`; the other doors start the same
        # `main`, so a few calls each show they are the same door
        every = door in (ZYGOTE, "python -m app.cli")
        shutil.rmtree(home, ignore_errors=True)
        outcomes = [through(door, ["--home", str(home), *args], stdin)
                    for args, stdin in (writes if every else writes[:3])]
        if every:
            outcomes[-1] = (outcomes[-1][0], b"", outcomes[-1][2])  # its times differ
        outcomes += [through(door, ["--home", str(home), *args], env=env)
                     for args, env in (reads if every else reads[:3])]
        seen[door] = outcomes
    created = b"created task 1 'backup': Once at 2031-01-01 00:00 (Etc/UTC)\n"
    assert seen[ZYGOTE][0][:2] == (0, created)
    assert seen[ZYGOTE][1][0] == 2 and seen[ZYGOTE][1][2].count(b"\n") == 1
    assert seen[ZYGOTE][5][1] != seen[ZYGOTE][6][1]  # New York and UTC differ
    assert seen[ZYGOTE][-1][0] == 2
    for door, outcomes in seen.items():
        full = seen["python -m app.cli"]
        same = full if len(outcomes) == len(full) else full[:3] + full[len(writes):][:3]
        for i, (one, other) in enumerate(zip(outcomes, same, strict=True)):
            assert one == other, f"{door}, call {i}"


def test_the_zygote_keeps_a_call_s_umask_python_path_and_folder(tmp_path: Path) -> None:
    """What a new interpreter takes from its parent, a zygote child takes from its caller."""
    (tmp_path / "sitehere").mkdir()
    (tmp_path / "sitehere" / "probe_module.py").write_text("X = 1\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path / 'sitehere'}{os.pathsep}{ROOT}"}
    home = tmp_path / "home"
    old = os.umask(0o077)
    try:
        added = [through(door, ["--home", str(home / door.replace(" ", "_")), "task", "add",
                                "py", "--python", "probe_module:X", "--manual"], env=env)
                 for door in ("python -m app.cli", ZYGOTE)]
    finally:
        os.umask(old)
    assert added[0] == added[1] and added[0][0] == 0, added
    modes = {(home / d.replace(" ", "_") / "tickwork.db").stat().st_mode & 0o777
             for d in ("python -m app.cli", ZYGOTE)}
    assert len(modes) == 1


@pytest.mark.parametrize("door", ["python -m app.cli", ZYGOTE])
def test_an_engine_through_either_door_stops_on_sigterm_with_0(door: str, tmp_path: Path) -> None:
    log = tmp_path / "engine.log"
    args = ["--home", str(tmp_path / "home"), "engine", "--grace", "1"]
    with log.open("w") as err:
        if door == ZYGOTE:
            proc: Launch | subprocess.Popen[bytes] = tickwork.start(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        else:
            proc = subprocess.Popen([*argv_of(door), *args], cwd=ROOT, stderr=err,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    from faults.harness import wait_until

    wait_until(lambda: "engine running" in log.read_text(), 30)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert "received SIGTERM: stopping" in log.read_text()
