"""The environment variables an engine or a Celery worker reads, checked when it starts: a
bad one is refused there in one line naming it (exit 2), before anything is opened, not
found out later by a run, nor taken as its default without a word."""

from __future__ import annotations

from collections.abc import Mapping

from app.core.fields import workers_from
from app.engine.clock import pace_from_env
from app.engine.launcher.pool import launcher_count
from app.remote.broker import beat_seconds, check_variable


def check_worker(environ: Mapping[str, str]) -> None:
    """What a Celery worker (`tickwork worker`) reads: $TICKWORK_LAUNCHERS (its commands
    start in launchers as the engine's do) and $TICKWORK_CELERY_BEAT; ValidationError naming
    the first bad one."""
    launcher_count(environ)
    beat_seconds(environ)


def check_engine(environ: Mapping[str, str], *, workers: bool = True) -> None:
    """What an engine reads (headless or the window's): $TICKWORK_WORKERS (not when
    `workers` is False: `--workers` was given, and wins over it), $TICKWORK_BROKER and
    $TICKWORK_PACE too."""
    if workers:
        workers_from(environ)
    check_variable(environ)
    pace_from_env(environ)
    check_worker(environ)
