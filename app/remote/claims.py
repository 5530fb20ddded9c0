"""A run starts on a worker only once its engine says so, once: a job's signature proves who
sent it, not that it runs once — whoever can write to the broker can send a signed job
again under its own Celery id after deleting the key that marks it taken
(`tickwork:taken:<celery id>`), and a worker would run it again.

So a worker that took a signed run asks its engine first — a `claim` reply carrying a
nonce of the worker's own — and starts it only on the engine's `go`, signed with the same
workers' key over the run's Celery id and that nonce, on `tickwork:go:<celery id>.<nonce>`. The
engine says `go` to the first claim of a run it waits for and `no` to any other (a run
already claimed, started or ended, or not its own), and the copy is dropped without
running. What decides is the engine's memory of its runs, not the worker's: another worker,
or a worker machine that restarted, changes nothing; an engine that restarted reads a new
reply list and recovers the runs its predecessor left (`interrupted`), so nobody answers a
claim of an old job and its worker, finding that engine's lease ended, does not start it.

A worker that has no answer within its engine's lease (`ENGINE_BEATS` beats) does not
start the run (it ends `interrupted`), nor one stopped while it waits (a cancel, a lost
broker), which ends as its stop says. An unsigned job (an engine that could not read its
key, run by a worker started `--unsigned`) is not asked about: the broker is trusted then.
"""

from __future__ import annotations

import json
import logging
import secrets as random
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

from app.core.nouns import plural
from app.remote import broker, sealing
from app.remote.wire import CLAIM

log = logging.getLogger("tickwork.worker")

GO: Final = "go"
NO: Final = "no"
KEEP: Final = 60  # seconds an answer waits for its worker at most
ANSWER_MAX: Final = 1_000  # characters of an answer at most (the engine's are ~150)
POPPED: Final = 500  # answers read in one trip at most


def answers_at(celery_id: str, nonce: str) -> str:
    """The list the answer to one claim goes on: the claim's own, so that a copy's worker
    waiting for the same run cannot take (and drop) the answer its first worker waits for."""
    return broker.key("go", f"{celery_id}.{nonce}")


def answer(redis: Any, celery_id: str, nonce: str, verdict: str, key: bytes) -> None:
    """The engine's answer to a worker's claim of the run `celery_id`."""
    fields = [verdict, celery_id, nonce]
    where = answers_at(celery_id, nonce)
    text = json.dumps([*fields, sealing.mark(key, sealing.ANSWERS, fields)])
    redis.pipeline(transaction=False).rpush(where, text).expire(where, KEEP).execute()


def read(text: bytes | str, celery_id: str, nonce: str, key: bytes) -> str | None:
    """`go` or `no` when `text` is the engine's answer to this claim, else None (a text
    longer than any answer is not read)."""
    if len(text) > ANSWER_MAX:
        return None
    try:
        *fields, seal = json.loads(text)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if (len(fields) != 3 or fields[1:] != [celery_id, nonce] or fields[0] not in (GO, NO)
            or sealing.marked(seal, sealing.ANSWERS, fields,
                              {sealing.key_id(key): key}) is None):
        return None
    return str(fields[0])


class Pen(Protocol):
    """How a worker signs a run's replies (app/remote/genuine.py's `Pen`)."""

    key: bytes | None
    nonce: str


def ask(redis: Any, celery_id: str, pen: Pen, push: Callable[..., object],
        stopped: Callable[[], bool], beat: float) -> str | None:
    """A worker's claim of a run it took, signed with its `pen` (whose nonce it sets) and
    sent by `push`: the engine's answer, or None (`wait`) within its lease."""
    pen.nonce = random.token_hex(16)
    push(CLAIM, pen.nonce)
    return wait(redis, celery_id, pen.nonce, pen.key or b"", stopped,
                broker.ENGINE_BEATS * beat, beat)


def wait(redis: Any, celery_id: str, nonce: str, key: bytes, stopped: Callable[[], bool],
         within: float, beat: float) -> str | None:
    """The engine's answer to the claim `nonce` of the run `celery_id` (`go`, `no`); None
    when `stopped()` first, or no answer came in `within` seconds. An answer not signed for
    this claim is dropped: said at the first, and how many in all once the wait ends (a
    flood of them, pushed by whoever can write to the broker, was a line each), read
    `POPPED` a trip."""
    deadline = time.monotonic() + within
    where = answers_at(celery_id, nonce)
    dropped = 0
    try:
        while not stopped():
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                popped = _popped(redis, where, max(0.05, min(beat, left, 5.0)))
            except Exception:  # the broker is away: the worker's beat says it, and stops
                time.sleep(min(beat, max(left, 0.0)))  # its runs
                continue
            for text in popped:
                verdict = read(text, celery_id, nonce, key)
                if verdict is not None:
                    return verdict
                dropped += 1
                if dropped == 1:
                    log.warning("run %s: an answer to its claim not signed by its engine was "
                                "dropped: whoever can write to the broker pushed it (said "
                                "once a claim)", celery_id)
        return None
    finally:
        if dropped > 1:
            log.warning("run %s: %s to its claim not signed by its engine were dropped in "
                        "all", celery_id, plural(dropped, "answer"))


def _popped(redis: Any, where: str, timeout: float) -> list[bytes]:
    """The answers waiting on `where`, at most `POPPED`, the first waited for `timeout`
    seconds (none: an empty list)."""
    first = redis.blpop([where], timeout=timeout)
    if first is None:
        return []
    try:
        more = redis.lpop(where, POPPED - 1) or []
    except Exception:  # (the broker went meanwhile: the first is not lost with them)
        more = []
    return [first[1], *more]
