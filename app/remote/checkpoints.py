"""The engine's side of a Celery run's checkpoints: a Python run's state is committed to the
ledger before the worker's `checkpoint()` returns (or raises, with the reason), and a
command's checkpoint file's text, sent with its end, is kept where the engine collects a
local command's."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from typing import Any

from app.engine.attempts import Attempt, Sink
from app.remote import broker

log = logging.getLogger("tickwork.engine")


def commit(sink: Sink, redis: Any, attempt: Attempt, celery_id: str, text: str) -> None:
    """A Python run's checkpoint: into the ledger, then acknowledged to its worker (on a
    thread of its own: the commit waits for the engine's writer)."""
    error: str | None = None
    try:
        sink.on_checkpoint(attempt, json.loads(text))
    except Exception as exc:
        error = str(exc) or type(exc).__name__
    ack = broker.key("ack", celery_id)
    try:
        redis.pipeline(transaction=False).rpush(ack, json.dumps({"error": error})) \
            .expire(ack, 60).execute()
    except Exception as exc:  # the worker's checkpoint() times out and says so
        log.warning("run %d: cannot acknowledge its checkpoint: %s", attempt.run_id, exc)


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
