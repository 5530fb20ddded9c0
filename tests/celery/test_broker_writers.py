"""What whoever can write to the broker can no longer do to a run (app/remote/genuine.py,
app/remote/claims.py, app/remote/checkpoints.py): end it with a reply of their own (a
made-up `done`, `succeeded`, exit 0, or output it never wrote: an engine's reply list is a
plain Redis list), or run its signed job again by sending it once more under its own Celery
id after deleting the key that marks it taken — to the worker that ran it, or to one
started afresh (a worker machine that restarted); answer a Python action's `checkpoint()`
before its engine did; fill the audit trail with made-up late results; put words of their
own, as a terminal would act on them, into a run's error. And a worker from before signed
replies, whose replies the engine cannot hear, is said to be one."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.remote import sealing
from app.remote.broker import key, redis_client
from faults.harness import wait_until
from tests.celery.test_celery_runs import ended, output, shell_task
from tests.celery.test_python_runs import python_task
from tests.celery.test_signed_jobs import QUEUE, waiting
from tests.support.processes import stop
from tests.support.tickwork import run as run_tickwork

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
    ran, release = tmp_path / "ran", tmp_path / "release"
    service.create_task(shell_task(  # (until told: a worker started under load took 3 s)
        "once", f"echo x >> {ran}; while [ ! -e {release} ]; do sleep 0.05; done"))
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
    release.touch()
    assert ended(service, run.id).status == "succeeded"
    send_again("again")  # after it ended
    wait_until(lambda: other.text().count(NOT_RUN) == 2, 15)
    stop(other.proc, 15)
    again = start_worker("w3@test", "again")  # a worker machine restarted: no memory
    send_again("again")
    wait_until(lambda: NOT_RUN in again.text(), 15)
    assert ran.read_text() == "x\n"
    assert service.get_run(run.id).status == "succeeded"


def test_a_checkpoint_answer_its_engine_did_not_sign_is_dropped_and_the_real_one_waited_for(
        engine: Any, service: Any, broker: str, start_worker: Any, tmp_path: Path) -> None:
    (tmp_path / "saver.py").write_text(
        "import os, time\n\ndef save(path, context):\n"
        "    open(path + '.started', 'w').close()\n"
        "    while not os.path.exists(path + '.go'):\n        time.sleep(0.02)\n"
        "    try:\n        context.checkpoint({'step': 1})\n"
        "    except Exception as exc:\n        open(path, 'w').write(f'raised: {exc}')\n"
        "    else:\n        open(path, 'w').write('saved')\n")
    said = tmp_path / "said"
    service.create_task(python_task("saver", "saver:save", kwargs={"path": str(said)},
                                    cwd=str(tmp_path)))
    worker = start_worker()
    run = service.run_now("saver")
    wait_until((tmp_path / "said.started").exists, 30)
    celery_id = service.get_run(run.id).celery_id
    made_up = [{"error": "made up"}, {"error": None},  # unsigned, and signed with another key
               {"error": None, "seal": sealing.mark(b"t" * 32, sealing.ACKS,
                                                    [celery_id, "", None], 1)}]
    redis_client(broker).rpush(key("ack", celery_id), *map(json.dumps, made_up))
    (tmp_path / "said.go").touch()  # the action's checkpoint() pops them first
    done = ended(service, run.id)
    assert (done.status, said.read_text()) == ("succeeded", "saved"), (done, said.read_text())
    assert done.checkpoint == {"step": 1}  # (committed before checkpoint() returned)
    assert worker.text().count("an answer to its checkpoint not signed by its engine was "
                               "dropped") == 1, worker.text()  # (once a checkpoint)


def test_made_up_results_of_a_settled_run_are_dropped_not_audited(
        engine: Any, service: Any, broker: str, start_worker: Any, caplog: Any) -> None:
    service.create_task(shell_task("quick", "echo done"))
    run = service.run_now("quick")
    reply = wait_until(lambda: waiting(broker), 15)[0][1]["reply"]
    start_worker()
    run = ended(service, run.id)
    assert run.status == "succeeded"
    head = ["done", run.celery_id, run.id, 1, "failed", 9, "late", None, None]
    made_up = [[*head, None] for _ in range(5)] + [  # unsigned, another key's, no run's
        [*head, sealing.mark(b"t" * 32, sealing.REPLIES, ["", *head], 50)],
        ["done", str(uuid.uuid4()), 77, 1, "failed", 9, "late", None, None, None]]
    client = redis_client(broker)
    client.rpush(reply, *map(json.dumps, made_up))
    dropped = "the end of a run this engine does not wait for, which its worker did not send"
    wait_until(lambda: dropped in caplog.text and not client.llen(reply), 15)
    assert caplog.text.count(dropped) == 1  # said once
    assert [e for e in service.audit_events(limit=50)
            if e["action"] == "run.result_ignored"] == []


def test_a_refusals_words_are_shown_as_the_workers_escaped_and_bounded(
        engine: Any, service: Any, broker: str, home: Path) -> None:
    service.create_task(shell_task("waits", "true"))
    run = service.run_now("waits")  # no worker takes it: a refusal fails it
    reply = wait_until(lambda: waiting(broker), 15)[0][1]["reply"]
    celery_id = wait_until(lambda: service.get_run(run.id).celery_id, 5)
    words = "not run: \x1b]0;owned\x07\x1b[2J\u202edesrever\nfake: line" + "x" * 5000
    redis_client(broker).rpush(reply, json.dumps(
        ["done", celery_id, run.id, 1, "failed", None, words, None, None, None]))
    done = ended(service, run.id)
    assert done.status == "failed"
    shown = run_tickwork(["--home", str(home), "run", "show", str(run.id)], timeout=60)
    assert shown.returncode == 0, shown.stderr
    line = next(x for x in shown.stdout.splitlines() if x.strip().startswith("error:"))
    assert line.strip().startswith("error: refused by a worker, in its words (unsigned): "
                                   "“not run: \\x1b]0;owned\\x07\\x1b[2J\\u202edesrever"
                                   "\\nfake: linexxx"), line
    assert line.endswith("xx…”") and len(line) < 600, len(line)
    assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
    assert not any(x.startswith("fake:") for x in shown.stdout.splitlines())


def test_a_refusal_carries_its_words_alone_and_a_bad_one_drops_no_other_reply(
        engine: Any, service: Any, broker: str) -> None:
    """A pushed refusal of a run no worker took was heard whole: its exit code, its time and
    its checkpoint — the state the run's retry would resume from — and a time that is not
    one ("nan") raised after the run was taken from those waited for, so it stayed
    `running`, and every reply popped with it was lost. Its words alone are heard now."""
    service.create_task(shell_task("a", "true"))
    service.create_task(shell_task("b", "true"))
    runs = [service.run_now("a"), service.run_now("b")]
    reply = wait_until(lambda: waiting(broker), 15)[0][1]["reply"]
    ids = [wait_until(lambda r=r: service.get_run(r.id).celery_id, 5) for r in runs]
    client = redis_client(broker)
    client.rpush(reply, json.dumps(["done", ids[0], runs[0].id, 1, "failed", 0, "not run",
                                    "nan", json.dumps({"step": 99}), None]),
                 json.dumps(["done", ids[1], runs[1].id, 1, "failed", None, "not run",
                             None, None, None]))
    first, second = (ended(service, r.id) for r in runs)
    assert (first.status, first.exit_code, first.checkpoint) == ("failed", None, None), first
    assert first.error.startswith("refused by a worker, in its words (unsigned): “not run”")
    assert second.status == "failed", second


def test_a_copy_s_worker_cannot_take_the_answer_the_run_s_worker_waits_for(
        broker: str) -> None:
    """Every worker that took a copy of a run waited on one list for its engine's answer: a
    copy's worker could pop the `go` meant for the run's worker and drop it (not its claim),
    and the run's worker, never answered, ended it `interrupted`. Each claim is answered on
    a list of its own."""
    from app.remote import claims

    client, workers_key = redis_client(broker), b"k" * 32
    celery_id = str(uuid.uuid4())
    claims.answer(client, celery_id, "nonce-of-the-run", claims.GO, workers_key)
    copy = claims.wait(client, celery_id, "nonce-of-a-copy", workers_key, lambda: False,
                       0.3, 0.1)
    assert copy is None
    assert claims.wait(client, celery_id, "nonce-of-the-run", workers_key, lambda: False,
                       2.0, 0.1) == claims.GO


@pytest.fixture
def before_signed_replies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers started from now on speak as a worker from before signed replies: replies
    without a seal, and a run started without asking its engine (its `sitecustomize`)."""
    machine = tmp_path / "older"
    machine.mkdir()
    (machine / "sitecustomize.py").write_text(
        "import json\nfrom app.remote import claims, wire\n"
        "wire.encode = lambda message, seal=None: json.dumps(message)\n"
        "claims.ask = lambda *args: claims.GO\n")
    paths = [str(machine), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))


UNHEARD = ("not heard: the Celery worker w1@test runs another version of Tickwork, from "
           "before its replies were signed: install the same version on both")


def test_a_worker_from_before_signed_replies_is_said_to_be_of_another_version(
        engine: Any, service: Any, before_signed_replies: None, start_worker: Any,
        tmp_path: Path, caplog: Any) -> None:
    """Said in the engine's log, and on the run while it runs there unheard (it said
    nothing where a person looks until its worker stopped beating for it)."""
    ran, release = tmp_path / "ran", tmp_path / "release"
    start_worker()
    service.create_task(shell_task(
        "elsewhere", f"touch {ran}; while [ ! -e {release} ]; do sleep 0.05; done"))
    run = service.run_now("elsewhere")
    wait_until(ran.exists, 30)  # (it runs there: its engine cannot hear it)
    assert wait_until(lambda: service.get_run(run.id).reason, 15) == UNHEARD
    release.touch()
    done = ended(service, run.id)
    assert (done.status, done.error) == ("interrupted", UNHEARD)
    said = [r.getMessage() for r in caplog.records if "another version" in r.getMessage()]
    assert said == [f"run {done.id}: its Celery worker w1@test runs another version of "
                    "Tickwork, one from before signed replies: its replies are not heard; "
                    "install the same version on both"], said


def test_a_run_sent_unsigned_to_a_worker_from_before_signed_replies_ends_saying_so(
        engine: Any, service: Any, before_signed_replies: None, start_worker: Any,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    """Sent unsigned (its engine could not read its key), to such a worker started
    `--unsigned`: each of its replies, one field short, was a traceback in the engine's log,
    and its `done` took the run from those waited for before failing, so it stood `running`
    for good. It is heard as a run on such a worker now: named, and ended when it goes."""
    (tmp_path / "locked").touch()
    monkeypatch.setenv("TICKWORK_TEST_KEYRING_LOCKED", str(tmp_path / "locked"))
    start_worker("w1@test", None, "--unsigned", home=None,
                 env={"TICKWORK_HOME": str(tmp_path / "their-home")})
    ran = tmp_path / "ran"
    service.create_task(shell_task("elsewhere", f"echo out; touch {ran}"))
    done = ended(service, service.run_now("elsewhere").id)
    assert ran.exists()
    assert (done.status, done.error) == ("interrupted", UNHEARD)
    assert UNHEARD in (done.reason or ""), done.reason
    assert caplog.text.count("runs another version of Tickwork") == 1, caplog.text
    assert "Traceback" not in caplog.text
