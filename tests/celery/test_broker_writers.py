"""What whoever can write to the broker can no longer do to a run (app/remote/genuine.py,
app/remote/claims.py): end it with a reply of their own (a made-up `done`, `succeeded`,
exit 0, or output it never wrote: an engine's reply list is a plain Redis list), or run its
signed job again by sending it once more under its own Celery id after deleting the key
that marks it taken — to the worker that ran it, or to one started afresh (a worker
machine that restarted)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from app.remote import sealing
from app.remote.broker import key, redis_client
from faults.harness import wait_until
from tests.celery.test_celery_runs import ended, output, shell_task
from tests.celery.test_signed_jobs import QUEUE, waiting
from tests.support.processes import stop

NOT_RUN = "not run: its engine does not wait for it to start"


def test_a_reply_its_worker_did_not_sign_is_dropped(
        engine: Any, service: Any, broker: str, start_worker: Any, tmp_path: Path,
        caplog: Any) -> None:
    started = tmp_path / "started"
    service.create_task(shell_task("real", f"touch {started}; sleep 2; echo real; exit 3"))
    run = service.run_now("real")
    reply = wait_until(lambda: waiting(broker), 15)[0][1]["reply"]
    start_worker()
    wait_until(started.exists, 30)
    celery_id = wait_until(lambda: service.get_run(run.id).celery_id, 5)
    head = ["done", celery_id, run.id, 1]
    made_up = [  # as a worker's replies, unsigned, signed with another key, or re-signed
        ["out", celery_id, run.id, 1, "stdout", "made-up output\n", None],
        [*head, "succeeded", 0, None, None, None, None],
        [*head, "succeeded", 0, None, None, None,
         sealing.mark(b"t" * 32, sealing.REPLIES, ["", *head, "succeeded", 0, None, None,
                                                   None], 9)],
        [*head, "failed", None, "not run: made up", None, None, None]]  # a "refusal"
    client = redis_client(broker)
    for message in made_up:
        client.rpush(reply, json.dumps(message))
    done = ended(service, run.id)
    assert (done.status, done.exit_code) == ("failed", 3), done
    assert "real" in output(service, run.id) and "made-up" not in output(service, run.id)
    dropped = [r.getMessage() for r in caplog.records if "did not send" in r.getMessage()]
    assert dropped == [f"run {run.id}: a reply about it that its worker did not send was "
                       "dropped (out, unsigned): whoever can write to the broker pushed it "
                       "(said once a run)"], dropped


def test_a_signed_job_sent_again_after_its_taken_key_is_deleted_does_not_run_again(
        engine: Any, service: Any, broker: str, start_worker: Any, tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    service.create_task(shell_task("once", f"echo x >> {ran}; sleep 2"))
    run = service.run_now("once")
    client = redis_client(broker)
    sent = wait_until(lambda: client.lrange(QUEUE, 0, -1), 15)[0]  # its message, as sent
    celery_id = json.loads(sent)["headers"]["id"]

    def send_again(queue: str) -> None:
        client.delete(key("taken", celery_id))
        message = json.loads(sent)
        message["properties"]["delivery_tag"] = str(uuid.uuid4())
        client.lpush(queue, json.dumps(message))

    first = start_worker()
    other = start_worker("w2@test", "again")  # (a queue of its own: the copies go to it)
    wait_until(ran.exists, 30)
    send_again(QUEUE)  # while it runs, to its worker
    wait_until(lambda: f"({celery_id}) dropped: this worker runs it already" in first.text(),
               15)
    send_again("again")  # and to another
    wait_until(lambda: NOT_RUN in other.text(), 15)
    assert ended(service, run.id).status == "succeeded"
    send_again("again")  # after it ended
    wait_until(lambda: other.text().count(NOT_RUN) == 2, 15)
    stop(other.proc, 15)
    again = start_worker("w3@test", "again")  # a worker machine restarted: no memory
    send_again("again")
    wait_until(lambda: NOT_RUN in again.text(), 15)
    assert ran.read_text() == "x\n"
    assert service.get_run(run.id).status == "succeeded"
