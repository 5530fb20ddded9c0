"""Commands handed over together (`client.Handing`): each launcher's share in one write at
the end of the batch, through the real launcher processes. A cancel that comes before that
write (the dispatcher's thread may cancel while the runnable still gathers) must follow its
command there — a launcher ignores a cancel for a command it has not heard of, so without
that the command would have run on uncancelled."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import psutil

from app.core.task import Action
from app.engine.attempts import Attempt, Outcome
from app.engine.launcher.client import LAUNCHERS, Handing, launcher_count
from app.engine.lineage import TOKEN_VAR
from tests.engine.conftest import wait_until


class Heard:
    """A sink that keeps what the launchers said about each run."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.output: dict[int, str] = {}
        self.ends: dict[int, Outcome] = {}
        self.all_ended = threading.Event()
        self.expected = 0

    def on_started(self, attempt: Attempt) -> None:
        pass

    def on_output(self, attempt: Attempt, stream: str, text: str) -> None:
        with self.lock:
            self.output[attempt.run_id] = self.output.get(attempt.run_id, "") + text

    def on_checkpoint(self, attempt: Attempt, state: Any) -> None:
        pass

    def on_progress(self, attempt: Attempt, fraction: float | None, message: str) -> None:
        pass

    def on_finished(self, attempt: Attempt, outcome: Outcome) -> None:
        with self.lock:
            self.ends[attempt.run_id] = outcome
            if len(self.ends) == self.expected:
                self.all_ended.set()

    def secret(self, name: str) -> str | None:
        return None


def _attempt(run_id: int, command: str) -> Attempt:
    return Attempt(run_id=run_id, task_id=run_id, task_name=f"t{run_id}",
                   scheduled_for=datetime.now(UTC), attempt=1,
                   action=Action(kind="command", target=command),
                   env={TOKEN_VAR: uuid.uuid4().hex})


def _hand(heard: Heard, attempts: list[Attempt], cancel: frozenset[int] = frozenset()) -> None:
    heard.expected = len(attempts)
    with Handing() as handing:
        for attempt in attempts:
            handing.submit(attempt, ["/bin/sh", "-c", attempt.action.target], {}, heard,
                           lambda outcome, a=attempt: heard.on_finished(a, outcome))
            if attempt.run_id in cancel:  # before the write: it must follow the command
                attempt.cancel("cancelled before it was sent")


def _sleeping(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if mark in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def test_commands_handed_together_each_run_once_on_every_launcher() -> None:
    heard = Heard()
    attempts = [_attempt(n, f"echo run-{n}") for n in range(1, 41)]
    _hand(heard, attempts)
    assert heard.all_ended.wait(30)
    assert {n: o.status for n, o in heard.ends.items()} == {n: "succeeded" for n in range(1, 41)}
    assert all(heard.output[n] == f"run-{n}\n" for n in range(1, 41))
    assert len(LAUNCHERS.live()) == launcher_count()  # more started as they came: all


def test_a_cancel_before_the_write_follows_its_command() -> None:
    heard = Heard()
    mark = "701.5"  # one `sleep` this test alone starts
    attempts = [_attempt(101, f"sleep {mark}"), _attempt(102, "echo after")]
    _hand(heard, attempts, cancel=frozenset({101}))
    assert heard.all_ended.wait(20), "the cancelled command ran on"
    assert heard.ends[101].status == "cancelled"
    assert heard.ends[101].error == "cancelled before it was sent"
    assert heard.ends[102].status == "succeeded"
    assert not _sleeping(f"sleep {mark}")


def test_a_long_batch_is_sent_as_it_goes() -> None:
    """The first commands of a long batch are written before the last are made ready."""
    heard = Heard()
    mark = "702.5"
    heard.expected = Handing.SEND_EVERY + 1
    first = [_attempt(200 + n, "echo early") for n in range(Handing.SEND_EVERY)]
    with Handing() as handing:
        for attempt in first:
            handing.submit(attempt, ["/bin/sh", "-c", attempt.action.target], {}, heard,
                           lambda outcome, a=attempt: heard.on_finished(a, outcome))
        wait_until(lambda: len(heard.ends) == Handing.SEND_EVERY, 20)  # still in the block
        last = _attempt(300, f"sleep {mark}")
        handing.submit(last, ["/bin/sh", "-c", last.action.target], {}, heard,
                       lambda outcome: heard.on_finished(last, outcome))
        last.cancel("cancelled before it was sent")
    assert heard.all_ended.wait(20)
    assert heard.ends[300].status == "cancelled"
    assert not _sleeping(f"sleep {mark}")
