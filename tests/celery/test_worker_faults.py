"""A `tickwork worker` through faults, for real (a real Redis, real worker processes, the
real engine): a cancel reaching a worker in warm shutdown, Ctrl-C, a Redis outage said in a
few lines on both sides, a Redis restart that loses its data under runs in flight, and a
worker taking new runs after a Redis restart while a long run goes on."""

from __future__ import annotations

import logging
import re
import signal
import time
from pathlib import Path
from typing import Any

from faults.harness import wait_until
from tests.celery.conftest import BEAT
from tests.celery.test_celery_runs import ended, engine_with_a_run, gone, shell_task
from tests.support.processes import stop


def started(pid_file: Path) -> int:
    return int(wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 30))


def running(service: Any, tmp_path: Path, name: str, then: str, **extra: Any
            ) -> tuple[Any, int]:
    """A shell task's run on a worker, once its command runs: the run, the command's pid
    (`then` is what the command does after writing it)."""
    pid_file = tmp_path / "pid"
    service.create_task(shell_task(name, f"echo $$ > {pid_file}; {then}", **extra))
    run = service.run_now(name)
    return run, started(pid_file)


def test_a_cancel_stops_a_run_on_a_worker_in_warm_shutdown(
        engine: Any, service: Any, start_worker: Any, redis_server: Any,
        tmp_path: Path) -> None:
    from app.remote.broker import redis_client

    worker = start_worker()
    run, pid = running(service, tmp_path, "finishing", "sleep 15")
    worker.proc.send_signal(signal.SIGTERM)  # warm shutdown: Celery no longer hears revokes
    redis = redis_client(redis_server.url)
    # the worker's control channel (a pattern subscription) is closed: a revoke is not heard
    wait_until(lambda: "Warm shutdown" in worker.text() and not redis.pubsub_numpat(), 30)
    service.cancel_run(run.id)
    done = ended(service, run.id)
    assert done.status == "cancelled", (done, worker.text()[-2000:])
    wait_until(lambda: gone(pid), 10)
    assert worker.proc.wait(30) == 0  # its warm shutdown ends with its last run


STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ")  # a log record's first line
PER_RUN = ("] received", "] succeeded in", ": stopping it: ")  # a line per run or job


def test_a_redis_outage_is_said_once_each_way_by_worker_and_engine(
        engine: Any, service: Any, start_worker: Any, redis_server: Any, tmp_path: Path,
        caplog: Any) -> None:
    worker = start_worker()
    service.create_task(shell_task("after", "echo after"))
    run, pid = running(service, tmp_path, "cut", "sleep 30")
    # the engine knows the server it sends to, so it sees the restart below (said once):
    # without this wait it saw it only when it had asked in time (a flake under load)
    wait_until(lambda: engine.executor._celery.watch.server is not None, 10)
    before = len(worker.text().splitlines())
    redis_server.stop()  # with a run in flight: kombu cannot give its message back
    try:
        wait_until(lambda: gone(pid), 30)  # the worker stopped it: 3 beats without Redis
        time.sleep(3)  # Celery tries to reconnect meanwhile (after 2 s, then 4 s)
    finally:
        redis_server.start()
    assert ended(service, run.id).status == "interrupted"  # said when Redis was back
    wait_until(lambda: "is reachable again" in caplog.text, 30)  # nothing was left to send
    after = service.run_now("after")  # the worker's Celery consumer is back too
    assert ended(service, after.id).status == "succeeded"
    # (the first line says "retrying until it is back": wait for the line of its own)
    wait_until(lambda: f"the broker {redis_server.url} is back" in worker.text(), 30)
    lines = worker.text().splitlines()[before:]
    records = [line for line in lines if STAMP.match(line)
               and not any(p in line for p in PER_RUN)]
    assert len(lines) == len([line for line in lines if STAMP.match(line)]), lines  # no
    # traceback, banner or wrapped retry line
    assert [r.split(": ", 1)[1].split(" (")[0] for r in records] == [
        f"the broker {redis_server.url} is unreachable",
        f"the broker {redis_server.url} is back"], records
    engine_said = [r for r in caplog.records if r.name.startswith(("tickwork.engine", "celery",
                                                                   "kombu"))
                   and r.levelno >= logging.WARNING]
    said = [r.getMessage().split(" (")[0].split(": the runs")[0] for r in engine_said]
    assert said[0] == f"the Celery broker {redis_server.url} is unreachable", engine_said
    assert sorted(said[1:]) == [  # (in the order its two threads see them)
        f"the Celery broker {redis_server.url} is reachable again",
        f"the Celery broker {redis_server.url} restarted"], engine_said
    assert not any(r.exc_info for r in caplog.records)


def test_a_redis_restart_that_loses_its_data_leaves_runs_in_flight_running(
        engine: Any, service: Any, start_worker: Any, redis_server: Any,
        tmp_path: Path) -> None:
    worker = start_worker()
    run, _pid = running(service, tmp_path, "through", "sleep 5; echo through")
    redis_server.stop()  # without persistence: the engine's liveness key goes with it
    redis_server.start()
    done = ended(service, run.id)
    assert done.status == "succeeded", (done, worker.text()[-2000:])
    assert "stopping it" not in worker.text()


def test_a_dead_engine_is_noticed_in_its_lease_though_redis_lost_its_key(
        broker: str, home: Path, service: Any, start_worker: Any, redis_server: Any,
        tmp_path: Path) -> None:
    from app.remote.broker import ENGINE_BEATS

    worker = start_worker()
    engine, pid = engine_with_a_run(home, service, tmp_path)
    try:
        engine.kill()
        engine.wait(10)
        redis_server.stop()  # the dead engine's key is lost before it would have expired
        redis_server.start()
        # the worker stops the run once the lease it last read runs out: ENGINE_BEATS beats
        # at most after the kill (a few beats more on a loaded machine)
        wait_until(lambda: gone(pid), (ENGINE_BEATS + 4) * float(BEAT))
        assert "the engine that sent it stopped answering" in worker.text()
    finally:
        stop(engine, 10)


def test_a_cancel_during_an_outage_is_never_turned_into_a_retry(
        engine: Any, service: Any, start_worker: Any, redis_server: Any,
        tmp_path: Path) -> None:
    """A person cancels a run while the broker is away; the worker stops it by itself (no
    contact for 3 beats) and says `interrupted` once Redis is back. The person's cancel
    decides: the run ends `cancelled`, and no retry comes (it ended `interrupted` and was
    retried)."""
    start_worker()
    run, pid = running(service, tmp_path, "cut", "sleep 30", retries=1, retry_delay=0.1)
    redis_server.stop()
    try:
        service.cancel_run(run.id)  # the revoke cannot go out
        wait_until(lambda: gone(pid), 30)  # the worker stopped it: 3 beats without Redis
    finally:
        redis_server.start()
    done = ended(service, run.id)
    assert done.status == "cancelled", done
    time.sleep(float(BEAT) * 3)  # a retry would have been claimed by now
    assert [r.attempt for r in service.list_runs(task="cut")] == [1]


def test_ctrl_c_stops_a_worker_once_its_run_ended(
        engine: Any, service: Any, start_worker: Any, tmp_path: Path) -> None:
    """Ctrl-C is Celery's warm shutdown, with exit code 1: the run in flight finishes, then
    the worker exits — it once took the exit code for an error and started Celery again,
    every second, for good."""
    worker = start_worker()
    run, _pid = running(service, tmp_path, "last", "sleep 2; echo last")
    worker.proc.send_signal(signal.SIGINT)
    assert ended(service, run.id).status == "succeeded", worker.text()[-2000:]
    assert worker.proc.wait(30) == 0, worker.text()[-2000:]
    assert "starting it again" not in worker.text()


def test_a_worker_takes_new_runs_as_soon_as_redis_is_back_while_a_long_run_goes_on(
        engine: Any, service: Any, start_worker: Any, redis_server: Any,
        tmp_path: Path) -> None:
    """A Redis restart shorter than the fence (3 beats) with a long run in flight: the run
    goes on, and the worker's free thread takes a new run once Redis is back — not when the
    long run ends (Celery stopped on the long run's unacknowledged message, and its stop
    waited for the run: app/remote/pool.py)."""
    from app.remote.broker import redis_client

    worker = start_worker()
    service.create_task(shell_task("next", "echo next"))
    long, pid = running(service, tmp_path, "long", "sleep 30; echo long")
    # claimed, its message was acknowledged: kombu keeps no unacknowledged message to give
    # back when the broker goes, which stopped Celery
    wait_until(lambda: not redis_client(redis_server.url).hlen("unacked"), 10)
    restart_and_run_next(service, worker, redis_server, long, pid)


def test_a_message_not_yet_acknowledged_when_redis_goes_does_not_hold_new_runs(
        engine: Any, service: Any, start_worker: Any, redis_server: Any,
        tmp_path: Path) -> None:
    """A message the worker holds unacknowledged when the broker goes (a run's message in
    the instant before its claim; here a message due later, which Celery holds until then)
    still stops Celery on kombu's error; the worker starts it again at once, its long run
    going on, instead of waiting for that run to end first."""
    from app.remote.broker import TASK_NAME, celery_app

    worker = start_worker()
    service.create_task(shell_task("next", "echo next"))
    long, pid = running(service, tmp_path, "long", "sleep 30; echo long")
    celery_app(redis_server.url).send_task(TASK_NAME, kwargs={}, countdown=600)
    wait_until(lambda: worker.text().count("] received") == 2, 30)
    restart_and_run_next(service, worker, redis_server, long, pid)
    assert worker.proc.poll() is None


def restart_and_run_next(service: Any, worker: Any, redis_server: Any, long: Any,
                         pid: int) -> None:
    """Restart Redis under the run `long`: the task `next` runs to its end while `long` goes
    on (then it is cancelled, and its command is gone)."""
    redis_server.stop()
    redis_server.start()
    back = time.monotonic()
    done = ended(service, service.run_now("next").id, 60)
    print(f"a new run ended {time.monotonic() - back:.2f}s after Redis was back")
    assert done.status == "succeeded", (done, worker.text()[-3000:])
    assert service.get_run(long.id).status == "running", worker.text()[-3000:]
    service.cancel_run(long.id)  # the long run went on all along
    assert ended(service, long.id).status == "cancelled"
    wait_until(lambda: gone(pid), 10)
