"""`tickwork engine`'s options and the variables it reads ($TICKWORK_WORKERS, _BROKER,
_LAUNCHERS, _PACE, _CELERY_BEAT): a bad value is one line naming it, exit 2, before the store
is opened (the home is not even made); durations as elsewhere."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork


@pytest.mark.parametrize(("args", "env", "line"), [
    (["--workers", "0"], {}, "workers: must be from 1 to 256: 0"),
    (["--workers", "100000"], {}, "workers: must be from 1 to 256: 100000"),
    (["--workers", "many"], {}, "workers: not a whole number: 'many'"),
    ([], {"TICKWORK_WORKERS": "0"}, "error: TICKWORK_WORKERS: must be from 1 to 256: 0"),
    ([], {"TICKWORK_WORKERS": "abc"}, "error: TICKWORK_WORKERS: not a whole number: 'abc'"),
    (["--grace", "-1"], {}, "grace: must not be negative, got '-1'"),
    (["--grace", "nan"], {}, "grace: not a duration: 'nan'"),
    (["--grace", "inf"], {}, "grace: not a duration: 'inf'"),
    (["--grace", "5 parsecs"], {}, "grace: not a duration"),
    (["--broker", "foo"], {}, "broker: must be a Redis URL (redis://HOST:PORT/DB), got 'foo'"),
    # $TICKWORK_BROKER is --broker's default: refused as it is, not found out by the first
    # run on a worker failing with it
    ([], {"TICKWORK_BROKER": "foo"}, "error: TICKWORK_BROKER: must be a Redis URL "
     "(redis://HOST:PORT/DB), got 'foo'"),
    # read as the others are, not the default taken without a word (a launcher per CPU and one
    # more, pace 1, a heartbeat a second)
    ([], {"TICKWORK_LAUNCHERS": "abc"}, "error: TICKWORK_LAUNCHERS: not a whole number: 'abc'"),
    ([], {"TICKWORK_LAUNCHERS": "0"}, "error: TICKWORK_LAUNCHERS: must be from 1 to 64: 0"),
    ([], {"TICKWORK_LAUNCHERS": "-1"}, "error: TICKWORK_LAUNCHERS: must be from 1 to 64: -1"),
    ([], {"TICKWORK_LAUNCHERS": "99999"},
     "error: TICKWORK_LAUNCHERS: must be from 1 to 64: 99999"),
    ([], {"TICKWORK_PACE": "fast"}, "error: TICKWORK_PACE: not a number: 'fast'"),
    ([], {"TICKWORK_PACE": "0"}, "error: TICKWORK_PACE: must be from 0.01 to 100: 0"),
    ([], {"TICKWORK_CELERY_BEAT": "nan"},
     "error: TICKWORK_CELERY_BEAT: must be from 0.05 to 60: nan"),
    # a newcomer's guess: the line says how to start it (it said "invalid choice: 'start'
    # (choose from 'stop')")
    (["start"], {}, "engine: 'start' is not a word it takes: `tickwork engine` alone starts "
     "the engine (here, until Ctrl+C), `tickwork engine stop` stops it"),
], ids=["workers-0", "workers-huge", "workers-word", "env-0", "env-word", "grace-negative",
        "grace-nan", "grace-inf", "grace-unit", "broker", "env-broker", "launchers-word",
        "launchers-0", "launchers-negative", "launchers-huge", "pace-word", "pace-0",
        "beat-nan", "start"])
def test_a_bad_engine_option_is_one_line_and_exit_2(cli: Any, home: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   args: list[str], env: dict[str, str],
                                                   line: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = cli("engine", *args, timeout=20)
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and line in result.err, result.err
    assert "Traceback" not in result.err and not home.exists()


def test_grace_takes_a_duration_and_workers_a_count(home: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`--grace 5m` as `--every 5m` would read it (it said "invalid float value"); an empty
    $TICKWORK_WORKERS is unset (8), `--workers` wins over it."""
    monkeypatch.setenv("TICKWORK_WORKERS", "")
    log = tmp_path / "engine.log"
    runs = []
    for args in (["--grace", "5m", "--workers", "3"], ["--grace", "0"]):
        with log.open("w") as err:
            proc = tickwork.start(["--home", str(home), "engine", *args], cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=err)
        try:
            wait_until(lambda: "engine running on" in log.read_text(), 20)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(20) == 0
        runs.append(log.read_text())
    assert "engine running: 3 workers" in runs[0] and "engine running: 8 workers" in runs[1]


def test_workers_given_wins_over_a_bad_tickwork_workers(home: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`--workers N` is read in place of $TICKWORK_WORKERS (`--help`: "default:
    $TICKWORK_WORKERS, else 8"), so a bad value there does not stop the engine it does not
    size: it was refused naming the variable, though the option was given."""
    monkeypatch.setenv("TICKWORK_WORKERS", "abc")
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        proc = tickwork.start(["--home", str(home), "engine", "--workers", "3"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: "engine running on" in log.read_text() or proc.poll() is not None,
                   20)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
    assert code == 0 and "engine running: 3 workers" in log.read_text(), log.read_text()


@pytest.mark.parametrize(("name", "value", "line"), [
    ("TICKWORK_WORKERS", "0", "TICKWORK_WORKERS: must be from 1 to 256: 0"),
    ("TICKWORK_BROKER", "foo", "TICKWORK_BROKER: must be a Redis URL (redis://HOST:PORT/DB), "
     "got 'foo'"),
    ("TICKWORK_LAUNCHERS", "abc", "TICKWORK_LAUNCHERS: not a whole number: 'abc'"),
], ids=["workers", "broker", "launchers"])
def test_the_window_refuses_a_bad_engine_variable_before_qt_starts(
        cli: Any, home: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str,
        line: str) -> None:
    """The window's engine reads $TICKWORK_WORKERS, $TICKWORK_BROKER and the others too
    (README: "or TICKWORK_BROKER, which the window's engine reads"): the same line, not a
    traceback."""
    monkeypatch.setenv(name, value)
    result = cli(timeout=20)
    assert result.code == 2 and result.err == f"tickwork: error: {line}\n", result


@pytest.mark.parametrize(("name", "value", "line"), [
    ("TICKWORK_LAUNCHERS", "-1", "TICKWORK_LAUNCHERS: must be from 1 to 64: -1"),
    ("TICKWORK_CELERY_BEAT", "often", "TICKWORK_CELERY_BEAT: not a number: 'often'"),
], ids=["launchers", "beat"])
def test_a_celery_worker_refuses_a_bad_variable_it_reads(
        cli: Any, home: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str,
        line: str) -> None:
    """`tickwork worker` starts its commands in launchers and beats as the engine's client
    does: a bad value is its one line too, before it looks for the broker."""
    monkeypatch.setenv(name, value)
    result = cli("worker", timeout=20)
    assert result.code == 2 and result.err == f"tickwork: error: {line}\n", result
