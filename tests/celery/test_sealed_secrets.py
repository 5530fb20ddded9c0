"""A run's secrets cross Redis sealed with the home's workers' key (app/remote/sealing.py):
what the broker holds never says them; a worker on the engine's machine opens them with the
key in that home's keyring; a worker of another machine needs the key file
`tickwork secret workers-key FILE` writes, and without it (a worker started `--unsigned`)
the run fails saying so, unrun."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from app.remote import sealing
from tests.celery.test_celery_runs import ended, output, refused_by_worker, shell_task
from tests.support.tickwork import run as run_tickwork

SECRET = "s3cr3t-value"
# (the command names the secret by its digest: the job that carries it is in the broker too)
CHECK = ('[ "$(printf %s "$TOKEN" | sha256sum | cut -c1-16)" = '
         f'"{hashlib.sha256(SECRET.encode()).hexdigest()[:16]}" ] '
         '&& echo "token arrived" || echo "token wrong"')


def everything_in(url: str) -> bytes:
    """Every value the broker holds now (strings, lists, hashes), as one text to search."""
    from app.remote.broker import redis_client

    client = redis_client(url)
    held = []
    for key in client.scan_iter():
        kind = client.type(key)
        if kind == b"string":
            held.append(client.get(key) or b"")
        elif kind == b"list":
            held.extend(client.lrange(key, 0, -1))
        elif kind == b"hash":
            held.extend(v for pair in client.hgetall(key).items() for v in pair)
        held.append(key)
    for value in list(held):  # a Celery message's body is base64: read it as the worker does
        try:
            message = json.loads(value)
            held.append(base64.b64decode(message["body"]))
        except (ValueError, TypeError, KeyError):
            pass
    return b"\n".join(held)


def secret_task(service: Any) -> None:
    service.set_secret("api-token", SECRET)
    service.create_task(shell_task("remote", CHECK, secret_env={"TOKEN": "api-token"}))


def test_a_runs_secrets_wait_in_redis_sealed_and_open_on_the_engines_machine(
        engine: Any, service: Any, broker: str, start_worker: Any) -> None:
    secret_task(service)
    run = service.run_now("remote")  # no worker yet: it waits in the broker
    from faults.harness import wait_until

    held = wait_until(lambda: b"tickwork:secret:" in (text := everything_in(broker))
                      and b"sha256sum" in text and text, 15)  # its secrets, then its job
    at = held.find(b"s3cr3t")
    assert at < 0, held[max(0, at - 600):at + 100]

    start_worker()  # this machine's, its home the engine's: the key is in its keyring
    done = ended(service, run.id)
    assert done.status == "succeeded", done.error
    assert "token arrived" in output(service, run.id)


def test_a_worker_of_another_machine_opens_them_only_with_the_key_file(
        engine: Any, service: Any, start_worker: Any, home: Path, tmp_path: Path) -> None:
    secret_task(service)
    elsewhere = {"TICKWORK_TEST_KEYRING": str(tmp_path / "their-keyring.json"),
                 "TICKWORK_HOME": str(tmp_path / "their-home")}
    # (with no key a worker starts only told the broker is trusted: test_signed_jobs.py)
    keyless = start_worker("far@test", None, "--unsigned", home=None, env=elsewhere)
    refused = ended(service, service.run_now("remote").id)
    kid = sealing.key_id(sealing.home_key(service.keyring, make=False) or b"")
    assert refused.status == "failed"
    # (it runs only jobs that came unsigned: it could not sign its replies about another)
    assert refused.error == refused_by_worker(
        "not run: not sent by an engine whose key this worker has: it is signed with the "
        f"workers' key {kid}, which the worker far@test lacks (it has: none): give it the "
        "engine's key (`tickwork secret workers-key FILE` where the engine runs, then "
        "`tickwork worker --key-file FILE`)")
    assert "Traceback" not in keyless.text()
    from tests.support.processes import stop

    stop(keyless.proc, 15)

    key_file = tmp_path / "workers.key"
    made = run_tickwork(["--home", str(home), "secret", "workers-key", str(key_file)])
    assert made.returncode == 0, made.stderr
    assert f"workers' key {kid} written to {key_file}" in made.stdout
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = run_tickwork(["--home", str(home), "secret", "workers-key", str(key_file)])
    assert (again.returncode, again.stderr.strip()) == (
        2, f"tickwork: error: file: {key_file} exists: name a new file")

    start_worker("far2@test", None, "--key-file", str(key_file), home=None, env=elsewhere)
    run = service.run_now("remote")
    done = ended(service, run.id)
    assert done.status == "succeeded", done.error
    assert "token arrived" in output(service, run.id)


def test_a_sealed_value_opens_for_its_own_run_with_its_own_key_only() -> None:
    key, other = b"k" * 32, b"o" * 32
    sealed = sealing.seal({"TOKEN": SECRET}, key, "run-a")
    assert SECRET not in sealed and sealed.startswith(f"tw1.{sealing.key_id(key)}.")
    keys = {sealing.key_id(key): key}
    assert sealing.open_sealed(sealed, keys, "run-a", "w") == {"TOKEN": SECRET}
    with pytest.raises(sealing.Unsealable, match="moved from another run"):
        sealing.open_sealed(sealed, keys, "run-b", "w")  # moved to another run's key
    head, _, body = sealed.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[20] ^= 1
    flipped = f"{head}.{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(sealing.Unsealable, match="altered"):
        sealing.open_sealed(flipped, keys, "run-a", "w")
    with pytest.raises(sealing.Unsealable, match=f"lacks \\(it has: {sealing.key_id(other)}"):
        sealing.open_sealed(sealed, {sealing.key_id(other): other}, "run-a", "w")


def test_the_worker_refuses_a_key_file_that_holds_no_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n")
    for path, said in ((bad, f"{bad} holds no workers' key"),
                       (tmp_path / "none.key", f"cannot read {tmp_path / 'none.key'}")):
        done = run_tickwork(["worker", "--key-file", str(path)])
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.startswith(f"tickwork: error: key-file: {said}"), done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_a_worker_with_a_key_file_per_home_opens_them_with_the_right_one(
        engine: Any, service: Any, start_worker: Any, home: Path, tmp_path: Path) -> None:
    """`secret workers-key -` writes the key to standard output; a worker given several
    key files (one per engine's home) opens a run with the one its secrets name."""
    secret_task(service)
    printed = run_tickwork(["--home", str(home), "secret", "workers-key", "-"])
    assert printed.returncode == 0, printed.stderr
    assert sealing.parse_key(printed.stdout) == sealing.home_key(service.keyring, make=False)
    ours, theirs = tmp_path / "ours.key", tmp_path / "theirs.key"
    ours.write_text(printed.stdout)
    theirs.write_text(sealing.key_text(b"t" * 32) + "\n")  # another home's
    start_worker("far@test", None, "--key-file", str(theirs), "--key-file", str(ours),
                 home=None, env={"TICKWORK_TEST_KEYRING": str(tmp_path / "their-keyring.json"),
                                 "TICKWORK_HOME": str(tmp_path / "their-home")})
    run = service.run_now("remote")
    done = ended(service, run.id)
    assert done.status == "succeeded", done.error
    assert "token arrived" in output(service, run.id)


def test_a_sealed_value_altered_in_the_broker_fails_its_run_in_words(
        engine: Any, service: Any, broker: str, start_worker: Any) -> None:
    from app.remote.broker import redis_client
    from faults.harness import wait_until

    secret_task(service)
    run = service.run_now("remote")  # no worker yet: its secrets wait in the broker
    client = redis_client(broker)
    key = wait_until(lambda: next(iter(client.scan_iter("tickwork:secret:*")), None), 15)
    head, _, body = (client.get(key) or b"").decode().rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1  # (its tag)
    client.set(key, f"{head}.{base64.urlsafe_b64encode(bytes(raw)).decode()}")
    start_worker()
    done = ended(service, run.id)
    kid = sealing.key_id(sealing.home_key(service.keyring, make=False) or b"")
    assert (done.status, done.error) == (
        "failed", f"not run: its sealed secrets do not open with the workers' key {kid}: "
        "they were altered, or moved from another run")
    assert "token" not in output(service, run.id)
