"""`tickwork worker`'s process: the Celery app and its worker, wired to Tickwork's `Worker`
(app/remote/worker.py), which runs each job. Celery's consumer that stops on an error it
gives up on (kombu losing the broker while a message was not acknowledged yet) is started
again while the runs go on; a signal (a warm or cold shutdown) ends it."""

from __future__ import annotations

import contextlib
import functools
import getpass
import logging
import os
import socket
import time
import warnings
from typing import Any

from app.engine.launcher import client as launchers
from app.engine.launcher.pool import launcher_count
from app.remote import broker
from app.remote.contact import hush
from app.remote.worker import Worker
from app.secrets import Keyring

log = logging.getLogger("tickwork.worker")


def host_name(name: str | None) -> str:
    return name or f"tickwork@{socket.gethostname()}"


def gave_up(celery: Any) -> bool:
    """Whether Celery stopped on an error it gave up on, not on a signal (Ctrl-C's warm
    shutdown ends with exit code 1 too; a signal sets Celery's `should_stop` or
    `should_terminate` for good, so Celery started again would stop at once)."""
    from celery.worker import state

    return bool(celery.exitcode) and state.should_stop is None \
        and state.should_terminate is None


def main(url: str, queues: list[str], concurrency: int, name: str | None,
         keys: dict[str, bytes], keyring: Keyring | None, unsigned: bool = False) -> int:
    """Run the worker until a signal (Celery's warm shutdown: running jobs finish first);
    `keys` (by id) and `keyring` (a home's slot) check its runs' jobs were signed by their
    engine and open their sealed secrets; `unsigned`: a job that came unsigned is run too."""
    from celery import signals

    from app.remote import pool

    app = broker.celery_app(url)
    host = host_name(name)
    worker = Worker(url, host, keys, keyring, unsigned=unsigned)
    if unsigned:
        log.warning("--unsigned: this worker also runs jobs that come unsigned: whoever "
                    "can write to the broker can run commands here as %s",
                    getpass.getuser())
    if keys:
        log.info("runs run only when signed with, and their secrets open with, the workers' "
                 "%s %s", "key" if len(keys) == 1 else "keys", ", ".join(sorted(keys)))
    elif not unsigned:
        log.info("runs run only when signed with its home's workers' key, which its engine "
                 "makes with its first run on Celery")
    launchers.LAUNCHERS.stop_orphans = True
    # as an engine keeps them (one per CPU and one more), no more than runs at once
    os.environ.setdefault(launchers.LAUNCHERS_VAR,
                          str(max(1, min(launcher_count({}), concurrency))))

    @app.task(name=broker.TASK_NAME, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
    def run(self: Any, **job: Any) -> None:
        from celery.worker import state

        celery_id = str(self.request.id)
        worker.run(celery_id, job, celery_id in state.revoked,
                   lambda: pool.claimed(celery_id))

    def on_revoked(request: Any = None, **_: Any) -> None:
        if request is not None and getattr(request, "id", None):
            worker.revoke(str(request.id))

    signals.task_revoked.connect(on_revoked, weak=False)
    app.conf.worker_pool = pool.ThreadPool
    hush(worker.contact)
    again = False
    try:
        while True:
            celery = app.Worker(hostname=host, concurrency=concurrency, queues=queues,
                                loglevel="INFO", without_gossip=True, without_mingle=True,
                                optimization="fair", quiet=again)  # its banner once
            celery.pool.gave_up = functools.partial(gave_up, celery)
            losses = worker.contact.losses
            with contextlib.suppress(KeyboardInterrupt):
                celery.start()
            if not gave_up(celery):  # a signal (a warm or cold shutdown): we are done
                break
            # an error Celery gives up on (kombu losing the broker while a message was not
            # acknowledged yet: app/remote/pool.py): the runs go on; Celery starts again
            if worker.contact.losses == losses:  # not the outage already said
                log.warning("the Celery consumer stopped on an error: starting it again")
            if not again:
                from celery.exceptions import SecurityWarning

                warnings.filterwarnings("ignore", category=SecurityWarning)  # said once
                again = True
            time.sleep(1.0)
    finally:
        if worker.pythons is not None:
            worker.pythons.close()
    return 0
