"""`tickwork worker [--queue Q] [--broker URL] [--concurrency N] [--key-file FILE]`: a Celery
worker running the runs of tasks marked `--runs-on celery[:QUEUE]` (app/remote/worker.py), in
the foreground until SIGINT/SIGTERM (Celery's warm shutdown: running runs finish first; a
second signal stops them)."""

from __future__ import annotations

import argparse
import os

from app.core.errors import ValidationError
from app.core.placement import DEFAULT_QUEUE, parse_runs_on


def cmd_worker(args: argparse.Namespace) -> int:
    from app.engine.environment import check_worker
    from app.remote.broker import broker_url

    url = broker_url(args.broker)
    check_worker(os.environ)  # a bad $TICKWORK_LAUNCHERS or $TICKWORK_CELERY_BEAT: exit 2
    queues = []
    for queue in args.queue or [DEFAULT_QUEUE]:
        try:
            parse_runs_on(f"celery:{queue}", "queue")  # the names a task may send to
        except ValidationError as exc:  # (its reason names the queue as a task's field does)
            raise ValidationError("queue", exc.reason.replace(
                f"queue {queue!r}", f"{queue!r} is not a queue name", 1)) from None
        queues.append(queue)
    concurrency = (args.concurrency if args.concurrency is not None
                   else max(4, os.cpu_count() or 1))
    if concurrency < 1 or concurrency > 1000:
        raise ValidationError("concurrency", "must be between 1 and 1000")
    from app.remote import sealing
    from app.secrets import Keyring
    from app.store.home import resolve_home

    keys = {sealing.key_id(k): k for k in map(sealing.read_key_file, args.key_file or [])}
    keyring = Keyring(resolve_home(args.home))  # (on the engine's machine: its home's key)
    from app.engine.log import log_to_stderr

    log_to_stderr()  # (controls in a record shown escaped: app/engine/log.py)
    for said in filter(None, map(sealing.loose_key_file, args.key_file or [])):
        import logging  # (said, not refused: a container's secrets are often mounted 0444)

        logging.getLogger("tickwork.worker").warning("%s", said)
    from app.remote.serve import main

    return main(url, queues, concurrency, args.name, keys, keyring)
