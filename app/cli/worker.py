"""`tickwork worker [--queue Q] [--broker URL] [--concurrency N] [--key-file FILE]
[--unsigned]`: a Celery worker running the runs of tasks marked `--runs-on celery[:QUEUE]`
(app/remote/worker.py), in the foreground until SIGINT/SIGTERM (Celery's warm shutdown:
running runs finish first; a second signal stops them).

It runs only the jobs signed with a workers' key it has (app/remote/sealing.py): those of
`--key-file`, else its home's (this machine's engine's); with none it does not start, unless
`--unsigned` says the broker is trusted (then it also runs jobs that come unsigned, and
still refuses a job signed with a key it lacks: it could not sign its replies)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import ValidationError
from app.core.placement import DEFAULT_QUEUE, parse_runs_on

if TYPE_CHECKING:
    from app.secrets import Keyring


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
    home = resolve_home(args.home)
    keyring = Keyring(home)  # (on the engine's machine: its home's key)
    if not keys and not args.unsigned:
        keys = home_keys(home, keyring)
    from app.engine.log import log_to_stderr

    log_to_stderr()  # (controls in a record shown escaped: app/engine/log.py)
    for said in filter(None, map(sealing.loose_key_file, args.key_file or [])):
        import logging  # (said, not refused: a container's secrets are often mounted 0444)

        logging.getLogger("tickwork.worker").warning("%s", said)
    from app.remote.serve import main

    return main(url, queues, concurrency, args.name, keys, keyring, args.unsigned)


def home_keys(home: Path, keyring: Keyring) -> dict[str, bytes]:
    """A worker given no key file runs the jobs its home's engine signs (this machine's):
    that home's key, by id (none yet: its engine makes it with its first run on Celery, and
    the worker reads it then). ValidationError naming --key-file when there is no such home
    or its keyring cannot be read: a worker with no key would run any job."""
    from app.remote import sealing

    if not home.is_dir():
        why = f"there is no Tickwork home at {home}"
    else:
        try:
            key = sealing.home_key(keyring, make=False)
        except Exception as exc:  # (no keyring backend, locked: its own words)
            why = f"the keyring of the home {home}: {exc}"
        else:
            return {} if key is None else {sealing.key_id(key): key}
    raise ValidationError("key-file", f"this worker has no workers' key to check that its "
                          f"runs come from an engine ({why}): give it the engine's key "
                          f"({sealing.EXPORT}, then `tickwork worker --key-file FILE`), or "
                          "start it with --unsigned if only trusted users can write to the "
                          "broker")
