"""A worker runs only the jobs an engine whose workers' key it has signed
(app/remote/sealing.py): anyone who can write to the broker could make it run any command
before. Jobs are pushed into Redis by hand here, as whoever can write to it would: a
well-formed Celery message for Tickwork's task name; the same message signed with the
home's key runs, so it is the signature that decides."""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path
from typing import Any

from app import __version__
from app.remote import sealing
from faults.harness import wait_until
from tests.celery.test_celery_runs import ended, refused_by_worker, shell_task
from tests.support.tickwork import run as run_tickwork

QUEUE = "tickwork"
NOT_SENT = "not sent by an engine whose key this worker has"
DROPPED_LATE = ("the end of a run this engine does not wait for, which its worker did not "
                "send, was dropped")


def push_by_hand(url: str, celery_id: str, job: dict[str, Any]) -> None:
    """A Celery message (protocol 2, JSON) carrying `job` to Tickwork's task, into the
    queue's list as kombu's Redis transport keeps it."""
    from app.remote.broker import TASK_NAME, redis_client

    body = [[], job, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]
    message = {
        "body": base64.b64encode(json.dumps(body).encode()).decode(),
        "content-encoding": "utf-8", "content-type": "application/json",
        "headers": {"lang": "py", "task": TASK_NAME, "id": celery_id, "root_id": celery_id,
                    "retries": 0, "timelimit": [None, None]},
        "properties": {"correlation_id": celery_id, "delivery_mode": 2, "priority": 0,
                       "delivery_info": {"exchange": "", "routing_key": QUEUE},
                       "body_encoding": "base64", "delivery_tag": str(uuid.uuid4())}}
    redis_client(url).lpush(QUEUE, json.dumps(message))


def waiting(url: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The messages waiting in the queue (the newest first), each with its job."""
    from app.remote.broker import redis_client

    found = []
    for raw in redis_client(url).lrange(QUEUE, 0, -1):
        message = json.loads(raw)
        found.append((message, json.loads(base64.b64decode(message["body"]))[1]))
    return found


def command_job(marker: Path, reply: str) -> dict[str, Any]:
    """A job as an engine sends one, its command making `marker`."""
    return {"version": __version__, "run_id": 999, "attempt": 1, "task_name": "planted",
            "scheduled_for": "2026-12-07T00:00:00+00:00",
            "argv": ["/bin/sh", "-c", f"touch {marker}"], "env": {}, "cwd": None,
            "stdin": None, "timeout": None, "reply": reply, "engine": None,
            "secrets": False, "resume": None}


def home_key(service: Any) -> bytes:
    key = sealing.home_key(service.keyring, make=False)
    assert key is not None
    return key


def test_a_job_pushed_into_redis_by_hand_is_not_run(
        engine: Any, service: Any, broker: str, start_worker: Any, tmp_path: Path,
        caplog: Any) -> None:
    service.create_task(shell_task("real", "echo real"))
    real = service.run_now("real")  # (its engine's reply list, read from the broker)
    reply = wait_until(lambda: waiting(broker), 15)[0][1]["reply"]
    key = home_key(service)
    theirs = b"t" * 32  # a key of someone else's
    planted = {name: tmp_path / name for name in ("unsigned", "theirs", "signed")}
    unsigned, signed_by_them = str(uuid.uuid4()), str(uuid.uuid4())
    push_by_hand(broker, unsigned, command_job(planted["unsigned"], reply))
    job = command_job(planted["theirs"], reply)
    push_by_hand(broker, signed_by_them,
                 {**job, "signature": sealing.sign(job, theirs, signed_by_them)})
    odd = str(uuid.uuid4())  # its refusal, heard by the engine, names no run it could have
    push_by_hand(broker, odd, {**command_job(tmp_path / "odd", reply), "run_id": "odd"})

    worker = start_worker()
    assert ended(service, real.id).status == "succeeded"
    wait_until(lambda: worker.text().count(f"refused: {NOT_SENT}") == 3, 30)
    kid = sealing.key_id(key)
    assert (f"run 999 ({unsigned}) refused: {NOT_SENT}: it came without a signature (the "
            f"worker w1@test has the workers' keys: {kid})") in worker.text()
    assert (f"run 999 ({signed_by_them}) refused: {NOT_SENT}: it is signed with the workers' "
            f"key {sealing.key_id(theirs)}, which the worker w1@test lacks (it has: {kid}): "
            "give it the engine's key") in worker.text()
    # its engine heard the refusals, unsigned, as ends of runs it does not wait for: dropped,
    # said once, not audited (whoever pushes jobs by hand could fill the audit trail)
    wait_until(lambda: DROPPED_LATE in caplog.text, 15)

    # the same message by hand, signed with the home's key: the worker takes it (so the
    # message was well-formed, and the signature passed) and asks its engine whether to start
    # it, which never sent it: not run (app/remote/claims.py)
    good = str(uuid.uuid4())
    job = command_job(planted["signed"], reply)
    push_by_hand(broker, good, {**job, "signature": sealing.sign(job, key, good)})
    wait_until(lambda: f"run 999 ({good}) not run: its engine does not wait for it to start"
               in worker.text(), 30)
    assert (f"run 999 ({good}): a worker asked to start it, which this engine does not wait "
            "for (it ended, or this engine never sent it): told not to") in caplog.text
    assert not planted["unsigned"].exists() and not planted["theirs"].exists()
    assert not planted["signed"].exists()
    assert not (tmp_path / "odd").exists()
    # (a reply naming no run was read as the broker gone: "unreachable (ValueError …)")
    assert "unreachable" not in caplog.text
    assert caplog.text.count(DROPPED_LATE) == 1
    assert not [e for e in service.audit_events(limit=50) if e["action"] == "run.result_ignored"]


def test_a_job_altered_in_redis_or_sent_again_as_another_run_is_refused(
        engine: Any, service: Any, broker: str, start_worker: Any, tmp_path: Path) -> None:
    from app.remote.broker import redis_client

    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    service.create_task(shell_task("real", f"touch {mine}"))
    run = service.run_now("real")  # no worker yet: its message waits in the broker
    message, job = wait_until(lambda: waiting(broker), 15)[0]
    again = str(uuid.uuid4())  # the job as it was sent, again, as another run
    push_by_hand(broker, again, job)
    body = json.loads(base64.b64decode(message["body"]))
    body[1]["argv"] = ["/bin/sh", "-c", f"touch {theirs}"]
    message["body"] = base64.b64encode(json.dumps(body).encode()).decode()
    redis_client(broker).lset(QUEUE, -1, json.dumps(message))  # (the oldest: the engine's)

    worker = start_worker()
    done = ended(service, run.id)
    kid = sealing.key_id(home_key(service))
    altered = (f"{NOT_SENT}: it does not match its signature by the workers' key {kid}: it "
               "was altered after its engine sent it, or moved from another run")
    assert (done.status, done.error) == ("failed", refused_by_worker(f"not run: {altered}"))
    wait_until(lambda: f"({again}) refused: {altered}" in worker.text(), 30)
    assert not theirs.exists() and not mine.exists()
    assert "Traceback" not in worker.text()


def test_a_worker_with_no_key_starts_only_when_told_the_broker_is_trusted(
        start_worker: Any, broker: str, home: Path, tmp_path: Path) -> None:
    elsewhere = {"TICKWORK_TEST_KEYRING": str(tmp_path / "their-keyring.json"),
                 "TICKWORK_HOME": str(tmp_path / "their-home")}
    fix = ("give it the engine's key (`tickwork secret workers-key FILE` where the engine "
           "runs, then `tickwork worker --key-file FILE`), or start it with --unsigned if "
           "only trusted users can write to the broker")
    refused = run_tickwork(["worker"], env={**os.environ, **elsewhere}, timeout=60)
    assert (refused.returncode, refused.stdout, refused.stderr) == (2, "", (
        "tickwork: error: key-file: this worker has no workers' key to check that its runs "
        f"come from an engine (there is no Tickwork home at {tmp_path / 'their-home'}): "
        f"{fix}\n"))
    home.mkdir()  # a home here, whose keyring cannot be read
    (tmp_path / "locked").touch()
    locked = run_tickwork(["--home", str(home), "worker"], timeout=60, env={
        **os.environ, "TICKWORK_TEST_KEYRING_LOCKED": str(tmp_path / "locked")})
    assert (locked.returncode, locked.stderr) == (2, (
        "tickwork: error: key-file: this worker has no workers' key to check that its runs "
        f"come from an engine (the keyring of the home {home}: the test keyring is locked): "
        f"{fix}\n"))

    trusting = start_worker("trusting@test", None, "--unsigned", home=None, env=elsewhere)
    assert ("WARNING tickwork.worker: --unsigned: this worker also runs jobs that come "
            "unsigned: whoever can write to the broker can run commands here as "
            ) in trusting.text()
    planted = tmp_path / "planted"
    push_by_hand(broker, str(uuid.uuid4()),
                 command_job(planted, "tickwork:replies:" + "0" * 32))
    wait_until(planted.exists, 30)  # what it was told: it runs what the broker holds


def test_an_engine_that_cannot_read_its_key_sends_runs_unsigned_and_says_so(
        engine: Any, service: Any, start_worker: Any, tmp_path: Path,
        monkeypatch: Any) -> None:
    """No keyring (none usable, or locked): a run with no secrets goes unsigned, which
    only a worker started with --unsigned runs; the run says so where a person looks."""
    service.create_task(shell_task("plain", "echo plain"))
    (tmp_path / "locked").touch()
    monkeypatch.setenv("TICKWORK_TEST_KEYRING_LOCKED", str(tmp_path / "locked"))
    start_worker("trusting@test", None, "--unsigned", home=None,
                 env={"TICKWORK_HOME": str(tmp_path / "their-home")})
    run = service.run_now("plain")
    done = ended(service, run.id)
    assert done.status == "succeeded", done.error
    assert ("sent unsigned (cannot read the workers' key from the keyring: the test keyring "
            "is locked): only a worker started with --unsigned runs it") in (done.reason or "")
