"""A `tickwork worker`'s Python runs: each callable runs in a Python worker process of the
engine's own kind (app/engine/pyworkers: a fresh interpreter, its own process group), so a
timeout or a cancel kills it for real and a crash ends only its run (`interrupted`).

`PythonRuns` is the sink of this worker's `PythonWorkers`: what a run says (output, its
traceback, `returned: …`, log lines) goes to the engine's reply list through the run's
`Replies`, masked; its end reaches the waiting Celery thread. The run's context is served
here too: `progress()` goes to the engine as a `progress` reply, and `checkpoint()` as a
`checkpoint` reply that the engine commits to its store and acknowledges on the run's
`tickwork:ack:<celery id>` list — so `checkpoint()` returns, as it does locally, only once
the state is in the ledger, and raises CheckpointError when the engine did not say so in
`ACK_WAIT` seconds. An answer there not signed for this checkpoint by its engine (pushed by
whoever can write to the broker: app/remote/checkpoints.py) is dropped, said in the log,
and the engine's own waited for.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Final, Protocol

from app.core.masking import Masker
from app.engine.attempts import Attempt, CheckpointError, Outcome
from app.engine.pyworkers.context import secret_free
from app.engine.pyworkers.pool import PythonWorkers, Served
from app.remote import broker, checkpoints
from app.remote.genuine import Pen

log = logging.getLogger("tickwork.worker")
ACK_WAIT: Final = 30.0  # seconds a checkpoint waits for the engine's word


class Replies(Protocol):
    """A run's way to the engine (app/remote/worker.py): `push` gives the reply's number."""

    pen: Pen  # how its replies are signed

    def push(self, kind: str, *rest: Any) -> int: ...


class Followed:
    """One Python run on this worker: its replies, its secrets, and who waits for its end."""

    def __init__(self, replies: Replies, celery_id: str, secrets: dict[str, str],
                 ended: Callable[[Outcome], None]) -> None:
        self.replies = replies
        self.celery_id = celery_id
        self.secrets = secrets
        self.ended = ended
        self.masker = Masker(tuple(secrets.values())) if secrets else None

    def mask(self, text: str) -> str:
        return self.masker.mask(text) if self.masker is not None else text


class Context:
    """The engine's half of a run's context, as far as this worker goes (`Served`)."""

    def __init__(self, runs: PythonRuns, run: Followed) -> None:
        self.runs = runs
        self.run = run

    def checkpoint(self, state: Any) -> None:
        """Sent to the engine; returns once it committed it (CheckpointError otherwise)."""
        celery_id, pen = self.run.celery_id, self.run.replies.pen
        ack = broker.key("ack", celery_id)
        number = self.run.replies.push("checkpoint", secret_free(state, self.run.masker))
        deadline, said = time.monotonic() + ACK_WAIT, False
        while (left := deadline - time.monotonic()) > 0:
            try:
                word = self.runs.redis.blpop([ack], timeout=max(0.05, left))
            except Exception as exc:
                raise CheckpointError(f"no word from the engine about the checkpoint: "
                                      f"{exc}") from None
            if word is None:
                break
            answer = checkpoints.read(word[1], celery_id, pen.key, pen.nonce, number)
            if answer is None:  # (not its engine's: the real answer still comes)
                if not said:  # (once a checkpoint: a flood of them does not fill the log)
                    said = True
                    log.warning("run %s: an answer to its checkpoint not signed by its "
                                "engine was dropped: whoever can write to the broker pushed "
                                "it", celery_id)
                continue
            if answer[0]:
                raise CheckpointError(answer[0])
            return
        raise CheckpointError(f"the engine did not commit the checkpoint within "
                              f"{ACK_WAIT:g} s")

    def progress(self, fraction: float | None = None, message: str = "") -> None:
        self.run.replies.push("progress", fraction, self.run.mask(message))

    def log(self, text: str) -> None:
        self.run.replies.push("out", "stdout", self.run.mask(
            text if text.endswith("\n") else text + "\n"))


class PythonRuns:
    """The Python runs of one `tickwork worker` (its worker processes start on first use)."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self.lock = threading.Lock()
        self.runs: dict[int, Followed] = {}  # id(attempt) -> its run
        self.workers = PythonWorkers(self, self._serve)

    def start(self, attempt: Attempt, replies: Replies, celery_id: str,
              secrets: dict[str, str], ended: Callable[[Outcome], None]) -> None:
        """Hand the attempt to a worker process; `ended` hears how it ended."""
        attempt.secret_env = {name: f"{id(attempt)}:{name}" for name in secrets}
        with self.lock:
            self.runs[id(attempt)] = Followed(replies, celery_id, secrets, ended)
        try:
            self.workers.hand(attempt)
        except BaseException:
            with self.lock:
                self.runs.pop(id(attempt), None)
            raise

    def close(self) -> None:
        self.workers.close()

    def _run(self, attempt: Attempt) -> Followed:
        with self.lock:
            return self.runs[id(attempt)]

    def _serve(self, attempt: Attempt, sink: Any) -> Served:
        return Context(self, self._run(attempt))

    # -- the sink of this worker's PythonWorkers ---------------------------------------------

    def on_started(self, attempt: Attempt) -> None:  # said by app/remote/worker.py
        pass

    def on_output(self, attempt: Attempt, stream: str, text: str) -> None:
        run = self._run(attempt)
        run.replies.push("out", stream, run.mask(text))

    def on_checkpoint(self, attempt: Attempt, state: Any) -> None:  # through `Context`
        raise NotImplementedError

    def on_progress(self, attempt: Attempt, fraction: float | None, message: str) -> None:
        self._run(attempt).replies.push("progress", fraction, message)

    def on_finished(self, attempt: Attempt, outcome: Outcome) -> None:
        with self.lock:
            run = self.runs.pop(id(attempt))
        if outcome.error and run.masker is not None:
            outcome = replace(outcome, error=run.mask(outcome.error))
        run.ended(outcome)

    def secret(self, name: str) -> str | None:
        """A secret the engine sent with a run: `<id of its attempt>:<environment variable>`."""
        ident, _sep, variable = name.partition(":")
        with self.lock:
            run = self.runs.get(int(ident))
        return None if run is None else run.secrets.get(variable)
