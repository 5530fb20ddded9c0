"""The broker both sides meet at: its URL (`--broker`, `$TICKWORK_BROKER`, else a local
Redis), the Celery app they share, and the Redis keys of one run.

Celery carries each run's job to a worker (a task message, JSON, acknowledged once the
worker has claimed the run — app/remote/pool.py says why — and fetched only when one of
the worker's threads is free, so a worker holds only what it runs); everything else is
plain Redis beside it, in the same database, under `tickwork:`:

- `tickwork:replies:<engine>` — a list the engine pops: a worker pushes `started`, output
  and `done` there (a reply queue rather than Celery's result backend: the engine hears
  a run start and its output as it comes, with one blocking pop for all its runs, and a
  result never outlives the moment it is read);
- `tickwork:beat:<celery id>` — set by the worker running it every `BEAT` seconds, expiring
  after `3 × BEAT`: a missing beat is a lost worker;
- `tickwork:taken:<celery id>` — set once (SET NX) by the worker that starts it: a copy
  Celery redelivers (after the visibility timeout) is never run twice;
- `tickwork:ended:<celery id>` — set by the engine when it gave up on the run (cancelled,
  or lost): a worker that gets it later drops it, one running it stops it within a beat
  (a revoke it missed);
- `tickwork:secret:<celery id>` — the run's secret environment, sealed with the engine's
  home's workers' key (app/remote/sealing.py), read and deleted in one step by the worker
  that takes the run (deleted by the engine if it gives up first);
- `tickwork:go:<celery id>.<nonce>` — the engine's signed answer to the worker that took the run
  and asks whether to start it (app/remote/claims.py): `go` once per run, else `no`;
- `tickwork:engine:<engine>` — refreshed by the engine every beat while it has runs out,
  expiring after `ENGINE_BEATS` beats: a worker whose engine is gone (killed, its machine
  lost) stops that engine's runs, which the next engine's recovery retries — so a retry
  never runs beside the command it replaces. It is the engine's lease: a worker stops the
  runs when the expiry it last read has passed, not when the key is gone sooner (a Redis
  restart that lost its data), so a live engine has time to set it again.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from app.core.errors import ValidationError
from app.core.placement import DEFAULT_QUEUE
from app.core.variables import number_from

BROKER_VAR: Final = "TICKWORK_BROKER"
DEFAULT_BROKER: Final = "redis://127.0.0.1:6379/0"
TASK_NAME: Final = "tickwork.run"
BEAT_VAR: Final = "TICKWORK_CELERY_BEAT"  # seconds between a worker's heartbeats (tests: less)
ENGINE_BEATS: Final = 10  # beats an engine may miss before its workers stop its runs
KEEP: Final = 86_400  # seconds the taken/ended/secret keys of one run live at most
# seconds before Celery redelivers a message a worker took but never acknowledged (a worker
# killed before it started the run); a copy of a run already started is dropped (`taken`)
VISIBILITY: Final = 300


def broker_url(given: str | None = None) -> str:
    """`given`, else `$TICKWORK_BROKER`, else the local Redis; ValidationError naming
    `broker` when it is not a Redis URL (a scheme, a numeric port and database), never
    showing its password."""
    url = (given or os.environ.get(BROKER_VAR) or DEFAULT_BROKER).strip()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValidationError("broker", f"must be a Redis URL (redis://HOST:PORT/DB), got "
                              f"{shown(url)!r}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = urlsplit(""), -1
    database = parts.path.strip("/") if parts.scheme != "unix" else ""
    if port == -1 or (database and not database.isdecimal()):
        raise ValidationError("broker", "its port and database must be numbers "
                              f"(redis://HOST:PORT/DB), got {shown(url)!r}")
    return url


def check_variable(environ: Mapping[str, str]) -> None:
    """ValidationError naming `$TICKWORK_BROKER` when it is set and not a Redis URL: the
    default of `--broker`, refused when an engine starts as the option is, not first met by
    a run on a worker failing with it."""
    if environ.get(BROKER_VAR):
        try:
            broker_url(environ[BROKER_VAR])
        except ValidationError as exc:
            raise ValidationError(BROKER_VAR, exc.reason) from None


def shown(url: str, text: str | None = None) -> str:
    """`text` (else `url`) with the URL's user and password blanked out: for logs and
    messages (read without urlsplit, which a `/` or `#` in a password misleads)."""
    rest = url.split("//", 1)[-1]
    userinfo = rest.rsplit("@", 1)[0] if "@" in rest else ""
    out = url if text is None else text
    return out.replace(userinfo + "@", "***@") if userinfo else out


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what caused it, as kombu and Celery wrap redis-py's error (at most 20)."""
    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            return
        yield seen
        seen = seen.__cause__ or seen.__context__


REFUSED: Final = ("AuthenticationError", "NOAUTH", "WRONGPASS")  # redis-py's and Redis's words


def refused(exc: BaseException) -> bool:
    """Did the broker refuse this side's password, or ask for one it was not given? Not an
    outage that ends by itself: the URL (or Redis's `requirepass`) must change."""
    return any(type(seen).__name__ in REFUSED or any(w in str(seen) for w in REFUSED[1:])
               for seen in _chain(exc))


def not_redis(exc: BaseException) -> bool:
    """Did something other than Redis answer at the broker's address (redis-py's "Protocol
    Error": a reply that is not Redis's, an SSH or web server's)? Not an outage that ends by
    itself either: the URL's port is likely wrong."""
    return any(type(seen).__name__ == "InvalidResponse" for seen in _chain(exc))


NOT_REDIS_HELP: Final = ("is that Redis's port? (the broker URL: --broker or "
                         "$TICKWORK_BROKER)")
PASSWORD_HELP: Final = ("give Redis's password (its requirepass) in the broker URL "
                        "(--broker or $TICKWORK_BROKER): redis://:PASSWORD@HOST:PORT/DB")


def beat_seconds(environ: Mapping[str, str] = os.environ) -> float:
    """Seconds between heartbeats: `$TICKWORK_CELERY_BEAT` (0.05–60; any other value is
    refused when an engine or a worker starts, app/engine/environment.py), else 1."""
    return number_from(environ, BEAT_VAR, 0.05, 60, 1.0)


def clock_ahead(server_time: tuple[int, int], before: float, after: float) -> float:
    """Seconds the broker's clock (Redis's TIME, read between `before` and `after` on this
    machine's wall clock) is ahead of this machine's. Engine and worker each read it, so the
    times a worker reports travel on the broker's clock and land on the engine's: a worker
    machine whose clock is off does not move its runs' start and end (milliseconds off at
    most: the round trip)."""
    seconds, micros = server_time
    return seconds + micros / 1e6 - (before + after) / 2


def execute_timed(pipe: Any) -> tuple[list[Any], float]:
    """What a pipeline finds, and the broker's clock read in the same trip (`clock_ahead`):
    the engine's beat and a worker's take and beat."""
    pipe.time()
    before = time.time()
    found: list[Any] = pipe.execute()
    return found[:-1], clock_ahead(found[-1], before, time.time())


def is_reply(name: object) -> bool:
    """Whether `name` is an engine's reply list (`key("replies", <32 hex digits>)`): a job
    names it, and a worker pushes nowhere else."""
    return isinstance(name, str) and re.fullmatch("tickwork:replies:[0-9a-f]{32}", name) is not None


def key(kind: str, ident: str) -> str:
    """The Redis key of one run's `kind` (beat, taken, ended, secret) or an engine's replies."""
    return f"tickwork:{kind}:{ident}"


def celery_app(url: str) -> Any:
    """The Celery app of one broker: JSON only, no result backend (replies come back on the
    engine's own list), a message acknowledged late unless the worker claimed its run
    first (it does: app/remote/pool.py), and fetched only for a free thread."""
    from celery import Celery

    app = Celery("tickwork", broker=url, set_as_current=False)
    app.conf.update(
        task_serializer="json", accept_content=["json"], result_serializer="json",
        task_ignore_result=True, task_store_errors_even_if_ignored=False,
        task_acks_late=True, worker_prefetch_multiplier=1, worker_disable_prefetch=True,
        task_default_queue=DEFAULT_QUEUE,
        broker_transport_options={"visibility_timeout": VISIBILITY,
                                  "socket_connect_timeout": 5, "socket_timeout": 10},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker waits for its broker, however long
        worker_hijack_root_logger=False, worker_redirect_stdouts=False,
        worker_enable_remote_control=True, worker_send_task_events=False,
    )
    return app


def redis_client(url: str) -> Any:
    """A Redis client of the broker (thread-safe: a pool of connections)."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10,
                                health_check_interval=30)
