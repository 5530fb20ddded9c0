"""What whoever can write to the broker can push in bulk costs a line, not a line each: a
flood of made-up answers to a worker's claim, a worker's claim pushed again and again onto
its engine's list, replies of a run sent unsigned that no worker of this version words so.
Each is dropped (or answered once) and said once, and the real run goes on."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from app.remote import claims, sealing, wire
from app.remote.broker import redis_client
from faults.harness import wait_until
from tests.celery.test_celery_runs import ended, output, shell_task
from tests.celery.test_signed_jobs import command_job, home_key, push_by_hand, waiting

FLOOD = 5_000


def test_a_flood_of_made_up_answers_to_a_claim_is_said_once_and_the_run_still_starts(
        service: Any, broker: str, start_worker: Any, tmp_path: Path) -> None:
    """The test is the engine here: it sends a signed job by hand, reads the worker's
    claim, and answers `go` only after 5,000 answers of someone else's on the claim's list
    (as whoever reads the engine's list could push): each was a line of the worker's log."""
    key = sealing.home_key(service.keyring, make=True)
    assert key is not None
    worker = start_worker()
    reply, celery_id = f"tickwork:replies:{uuid.uuid4().hex}", str(uuid.uuid4())
    ran = tmp_path / "ran"
    job = command_job(ran, reply)
    push_by_hand(broker, celery_id, {**job, "signature": sealing.sign(job, key, celery_id)})
    client = redis_client(broker)
    claim = json.loads(wait_until(lambda: client.blpop([reply], 1), 30)[1])
    assert claim[:2] == [wire.CLAIM, celery_id], claim
    nonce = claim[4]
    theirs = sealing.mark(b"t" * 32, sealing.ANSWERS, [claims.GO, celery_id, nonce])
    made_up = [json.dumps([claims.GO, celery_id, nonce, None if i % 2 else theirs])
               for i in range(FLOOD - 1)] + ["x" * 100_000]  # (one too long to be one)
    client.rpush(claims.answers_at(celery_id, nonce), *made_up)
    claims.answer(client, celery_id, nonce, claims.GO, key)  # the engine's, behind them
    wait_until(ran.exists, 30)
    wait_until(lambda: any(json.loads(r)[0] == "done" for r in client.lrange(reply, 0, -1)),
               30)
    said = [line for line in worker.text().splitlines() if "to its claim" in line]
    assert [line.split(": ", 1)[1] for line in said] == [
        f"run {celery_id}: an answer to its claim not signed by its engine was dropped: "
        "whoever can write to the broker pushed it (said once a claim)",
        f"run {celery_id}: {FLOOD:,} answers to its claim not signed by its engine were "
        "dropped in all"], said


def test_a_claim_of_a_settled_run_pushed_again_is_answered_once_and_said_once(
        engine: Any, service: Any, broker: str, start_worker: Any, caplog: Any) -> None:
    """A worker's claim (here the test's, signed with the home's workers' key as a worker
    that took a copy of the run's job signs it) pushed onto the engine's list 300 times
    after the run ended: the engine answered each `no`, and said each in its log."""
    service.create_task(shell_task("quick", "echo done"))
    run = service.run_now("quick")
    reply = wait_until(lambda: waiting(broker), 15)[0][1]["reply"]
    start_worker()
    run = ended(service, run.id)
    assert run.status == "succeeded"
    key, client = home_key(service), redis_client(broker)

    def claim(nonce: str) -> str:
        body = [wire.CLAIM, run.celery_id, run.id, 1, nonce]
        return wire.encode(body, sealing.mark(key, sealing.REPLIES, [nonce, *body], 1))

    again, last = "a" * 32, "b" * 32  # (the last a claim of another copy, heard after)
    client.rpush(reply, *[claim(again)] * 300, claim(last))
    answers = wait_until(lambda: client.lrange(claims.answers_at(run.celery_id, last), 0, -1),
                         15)
    assert [claims.read(a, run.celery_id, last, key) for a in answers] == [claims.NO]
    answers = client.lrange(claims.answers_at(run.celery_id, again), 0, -1)
    assert [claims.read(a, run.celery_id, again, key) for a in answers] == [claims.NO]
    told = [r.getMessage() for r in caplog.records if "a worker asked to start it" in
            r.getMessage()]
    assert told == [f"run {run.id} ({run.celery_id}): a worker asked to start it, which this "
                    "engine does not wait for (it ended, or this engine never sent it): told "
                    "not to (said once a run)"], told


def test_replies_of_a_run_sent_unsigned_not_in_its_workers_form_are_dropped_said_once(
        engine: Any, service: Any, broker: str, start_worker: Any, tmp_path: Path,
        monkeypatch: Any, caplog: Any) -> None:
    """A run sent unsigned (its engine could not read its key) hears its replies as they
    come, the broker trusted: a short `done` was taken from the runs waited for and then
    failed to be read — a traceback each, and the run stood `running` for good, its real
    end ignored; so did one of the right length whose time was no number. One not in the
    form its worker sends — its fields' number, or what they are — is dropped, said once."""
    (tmp_path / "locked").touch()
    monkeypatch.setenv("TICKWORK_TEST_KEYRING_LOCKED", str(tmp_path / "locked"))
    release = tmp_path / "release"
    service.create_task(shell_task(
        "plain", f"while [ ! -e {release} ]; do sleep 0.05; done; echo real; exit 3"))
    run = service.run_now("plain")
    reply = wait_until(lambda: waiting(broker), 15)[0][1]["reply"]
    start_worker("trusting@test", None, "--unsigned", home=None,
                 env={"TICKWORK_HOME": str(tmp_path / "their-home")})
    celery_id = wait_until(lambda: (r := service.get_run(run.id)).status == "running"
                           and r.celery_id, 30)  # (its `started` heard)
    head = [celery_id, run.id, 1]
    made_up = [["done", *head, "succeeded", 0, None],  # short
               ["out", *head, "stdout"],
               ["done", *head, "succeeded", 0, None, None, None],  # as a worker's before
               ["progress", *head, 0.5, "made up", None, None],  # signed replies; long
               # of the length of its kind, but not what its fields are
               ["done", *head, "succeeded", 0, None, "soon", None, None],  # a time no number
               ["done", *head, "won", 0, None, None, None, None],  # a status no run has
               ["done", *head, "succeeded", "0", None, 1e300, None, None],
               ["started", *head, "elsewhere", "now", None],
               ["progress", *head, "half", "made up", None]]
    redis_client(broker).rpush(reply, *map(json.dumps, made_up))
    wait_until(lambda: not redis_client(broker).llen(reply), 15)
    release.touch()
    done = ended(service, run.id)
    assert (done.status, done.exit_code) == ("failed", 3), done
    assert "real" in output(service, run.id) and "made up" not in output(service, run.id)
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert dropped == [f"run {run.id}: a reply about it that its worker did not send was "
                       "dropped (done, not in its worker's form): whoever can write to the "
                       "broker pushed it (said once a run)"], dropped
    assert "Traceback" not in caplog.text
    assert "another version" not in caplog.text  # (its worker said it started it)
    assert done.reason is None or "not heard" not in done.reason, done.reason


def test_a_flood_of_pushes_that_are_no_replies_is_said_once_and_the_run_still_ends(
        engine: Any, service: Any, broker: str, start_worker: Any, tmp_path: Path,
        caplog: Any) -> None:
    """Whatever is pushed onto the engine's reply list that is no Tickwork reply (not JSON,
    not a list, a reply of no run) was a line of the engine's log each: 5,000 pushed were
    5,000 lines. It is said once, and the run's own replies are heard among them."""
    started = tmp_path / "started"
    service.create_task(shell_task("real", f"touch {started}; sleep 1; echo real; exit 3"))
    run = service.run_now("real")
    reply = wait_until(lambda: waiting(broker), 15)[0][1]["reply"]
    kinds = ["not json", json.dumps({"a": 1}), json.dumps(["done", "c", "no run", 1, "failed",
                                                           None, None, None, None, None])]
    redis_client(broker).rpush(reply, *(kinds[i % 3] for i in range(FLOOD)))
    start_worker()
    wait_until(started.exists, 30)
    done = ended(service, run.id)
    assert (done.status, done.exit_code) == ("failed", 3), done
    assert "real" in output(service, run.id)
    said = [r.getMessage() for r in caplog.records if "not Tickwork's" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("a reply that is not Tickwork's was dropped: "
                                                 ), said
