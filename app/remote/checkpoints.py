"""The engine's side of a Celery run's checkpoints: a Python run's state is committed to the
ledger before the worker's `checkpoint()` returns (or raises, with the reason), and a
command's checkpoint file's text, sent with its end, is kept where the engine collects a
local command's.

The engine's answer on `tickwork:ack:<celery id>` is signed with the run's workers' key
(keyed for answers), over the run's Celery id, the nonce of its claim and the error, and
numbered as the `checkpoint` reply it answers: whoever can write to the broker could push
`{"error": null}` there, and `checkpoint()` returned before the state was committed (a
retry then redid the work the action believed saved). The worker drops an answer not
signed for its checkpoint, says so, and waits on for its engine's (`read`). A run sent
unsigned (the broker trusted) is answered unsigned."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from typing import Any, Protocol

from app.engine.attempts import Attempt, Sink
from app.remote import broker, sealing

log = logging.getLogger("tickwork.engine")


class Sent(Protocol):
    """A run this engine sent to Celery (client.py's Remote), as far as its checkpoints go."""

    attempt: Attempt
    celery_id: str
    key: bytes | None  # the workers' key its job was signed with (None: sent unsigned)
    claimed: str | None  # the nonce of the claim told `go`


def commit(sink: Sink, redis: Any, remote: Sent, number: int, text: str) -> None:
    """A Python run's checkpoint (the `number`th reply of its run): into the ledger, then
    acknowledged to its worker (on a thread of its own: the commit waits for the engine's
    writer)."""
    attempt, celery_id = remote.attempt, remote.celery_id
    error: str | None = None
    try:
        sink.on_checkpoint(attempt, json.loads(text))
    except Exception as exc:
        error = str(exc) or type(exc).__name__
    ack = broker.key("ack", celery_id)
    seal = (None if remote.key is None else  # (sent unsigned: the broker is trusted)
            sealing.mark(remote.key, sealing.ACKS, [celery_id, remote.claimed or "", error],
                         number))
    try:
        redis.pipeline(transaction=False).rpush(ack, json.dumps({"error": error, "seal": seal})) \
            .expire(ack, 60).execute()
    except Exception as exc:  # the worker's checkpoint() times out and says so
        log.warning("run %d: cannot acknowledge its checkpoint: %s", attempt.run_id, exc)


def read(text: bytes | str, celery_id: str, key: bytes | None, nonce: str,
         number: int) -> tuple[str | None] | None:
    """The engine's answer to the `number`th reply of the run `celery_id` (its claim's
    `nonce`), a checkpoint: `(error,)`, else None (not its engine's, or not for this one)."""
    try:
        answer = json.loads(text)
        error = answer["error"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None
    if error is not None and not isinstance(error, str):
        return None
    if key is None:  # an unsigned run: the broker is trusted
        return (error,)
    signed = sealing.marked(answer.get("seal"), sealing.ACKS, [celery_id, nonce, error],
                            {sealing.key_id(key): key})
    return (error,) if signed == number else None


def keep(attempt: Attempt, text: Any) -> None:
    """The worker's checkpoint file's text, where the engine collects a command's."""
    path = attempt.checkpoint_file
    if not path:  # none could be made (its run's output says so)
        if isinstance(text, str) and text:
            log.warning("checkpoint of run %d not kept: no checkpoint file", attempt.run_id)
        return
    try:
        if isinstance(text, str) and text:
            with open(path, "w", encoding="utf-8") as fh:  # (whatever the locale)
                fh.write(text)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    except OSError as exc:
        log.warning("checkpoint of run %d: %s", attempt.run_id, exc)
