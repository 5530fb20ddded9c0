"""A `tickwork worker` through faults, for real (a real Redis, real worker processes, the
real engine): a cancel reaching a worker in warm shutdown, a Redis outage said in a few
lines on both sides, a Redis restart that loses its data under runs in flight."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from faults.harness import wait_until
from tests.celery.test_celery_runs import ended, gone, shell_task


def started(pid_file: Path) -> int:
    return int(wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 30))


def test_a_cancel_stops_a_run_on_a_worker_in_warm_shutdown(
        engine: Any, service: Any, start_worker: Any, redis_server: Any,
        tmp_path: Path) -> None:
    from app.remote.broker import redis_client

    worker = start_worker()
    pid_file = tmp_path / "pid"
    service.create_task(shell_task("finishing", f"echo $$ > {pid_file}; sleep 15"))
    run = service.run_now("finishing")
    pid = started(pid_file)
    worker.proc.send_signal(signal.SIGTERM)  # warm shutdown: Celery no longer hears revokes
    redis = redis_client(redis_server.url)
    # the worker's control channel (a pattern subscription) is closed: a revoke is not heard
    wait_until(lambda: "Warm shutdown" in worker.text() and not redis.pubsub_numpat(), 30)
    service.cancel_run(run.id)
    done = ended(service, run.id)
    assert done.status == "cancelled", (done, worker.text()[-2000:])
    wait_until(lambda: gone(pid), 10)
    assert worker.proc.wait(30) == 0  # its warm shutdown ends with its last run
