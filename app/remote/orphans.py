"""Runs a dead engine had sent to Celery workers, stopped before they are retried.

A standby that takes over retries the dead leader's unfinished runs at once (start-up
recovery); a worker running one of them would stop it by itself only once the dead
engine's liveness key expires (`ENGINE_BEATS` beats). `stop_orphans` closes that gap: each
run is given up in Redis (no worker starts it from now on, its secrets go), revoked with
`terminate=True` (the worker running it stops its tree), and waited for until its beat is
gone — so a retry never runs beside the attempt it replaces. Its late `done` goes to the
dead engine's reply list, which nobody reads.

Meant for app/engine/orphans.py's `stop_leftovers` (runs whose row has a `celery_id`).
"""

from __future__ import annotations

import logging
import time

from app.core.nouns import plural
from app.remote import broker, wire

log = logging.getLogger("tickwork.engine")


def stop_orphans(url: str, celery_ids: list[str], timeout: float = 15.0) -> int:
    """Give up and stop these runs on their workers; returns how many a worker had taken.
    Waits until no beat of them is left (at most `timeout` seconds); a broker that is away
    is said once and not waited for (its workers stop their runs by themselves)."""
    if not celery_ids:
        return 0
    try:
        redis = broker.redis_client(url)
        give_up = redis.register_script(wire.GIVE_UP)
        taken = [c for c in celery_ids
                 if give_up(keys=[broker.key(k, c) for k in ("ended", "taken", "secret")],
                            args=[broker.KEEP])]
        if taken:
            app = broker.celery_app(url)
            app.control.revoke(taken, terminate=True)
        deadline = time.monotonic() + timeout
        beating = list(taken)
        while beating and time.monotonic() < deadline:
            pipe = redis.pipeline(transaction=False)
            for celery_id in beating:
                pipe.exists(broker.key("beat", celery_id))
            beating = [c for c, there in zip(beating, pipe.execute(), strict=True) if there]
            if beating:
                time.sleep(0.1)
    except Exception as exc:
        log.warning("cannot stop the runs a dead engine left on Celery workers (%s): their "
                    "workers stop them once that engine's liveness key expires", exc)
        return 0
    if beating:
        log.warning("%s a dead engine left on Celery workers still beat after %gs",
                    plural(len(beating), "run"), timeout)
    elif taken:
        log.warning("stopped %s a dead engine left on Celery workers", plural(len(taken), "run"))
    return len(taken)
