"""A secret a task prints never reaches the database, `run show --log` or the error text:
a real engine process runs a command and Python callables that show it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.engine.conftest import wait_until

SECRET = "hunter2-Zq9#secret"
# printed in two writes a moment apart, so the engine reads it in two chunks
SPLIT = "printf 'a=%s\\n' \"$MYSECRET\"; printf '%s' \"${MYSECRET%%-*}\"; sleep 0.3; " \
        "printf '%s\\n' \"-${MYSECRET#*-}\"; echo \"err $MYSECRET\" >&2; exit 3"


def _finished(cli: Any, name: str) -> dict[str, Any]:
    def done() -> Any:
        runs = [r for r in cli("run", "list", "--json").json() if r["task_name"] == name]
        return runs and runs[0]["status"] not in ("queued", "waiting", "running", "retrying")
    wait_until(done, 20)
    run: dict[str, Any] = next(r for r in cli("run", "list", "--json").json()
                               if r["task_name"] == name)
    return run


def test_secrets_are_masked_in_output_log_error_and_database(spawn: Any, cli: Any,
                                                             home: Path) -> None:
    assert cli("secret", "set", "token", stdin=SECRET + "\n").code == 0
    for name, action in (("cmd", ["--command", SPLIT, "--shell"]),
                         ("py", ["--python", "tests.support.actions:leak_secret"]),
                         ("pyerr", ["--python", "tests.support.actions:leak_secret_in_error"])):
        added = cli("task", "add", name, *action, "--secret-env", "MYSECRET=token")
        assert added.code == 0, added.err
    engine = spawn()
    engine.wait_for("engine running")
    for name in ("cmd", "py", "pyerr"):
        assert cli("task", "run", name).code == 0
    shown = {}
    for name in ("cmd", "py", "pyerr"):
        run = _finished(cli, name)
        shown[name] = cli("run", "show", str(run["id"]), "--log").out
        detail = cli("run", "show", str(run["id"]), "--json").json()
        assert SECRET not in json.dumps(detail)
    assert engine.stop() == 0
    assert "a=***" in shown["cmd"] and "err ***" in shown["cmd"]
    assert "\n***\n" in shown["cmd"]  # the value split between two reads
    assert "the token is ***" in shown["py"] and "using ***" in shown["py"]
    assert "returned: '***'" in shown["py"]
    assert "rejected token ***" in shown["pyerr"]
    for text in shown.values():
        assert SECRET not in text and "hunter2" not in text
    for path in home.iterdir():  # the database, its WAL, anything the engine wrote
        if path.is_file():
            assert b"hunter2" not in path.read_bytes(), path


ENCODED = 'pass>>w0rd?"é/~ok'  # base64 has + and /, URL and JSON escapes differ


def test_a_secret_printed_encoded_is_masked_in_log_run_list_and_database(
        spawn: Any, cli: Any, home: Path) -> None:
    """A command prints its secret base64-encoded (also inside a basic-auth header, at each
    alignment), percent-encoded and JSON-escaped; a Python action fails with it encoded."""
    import base64
    import sys

    assert cli("secret", "set", "token", stdin=ENCODED + "\n").code == 0
    script = Path(__file__).parent.parent / "support" / "print_secret_forms.py"
    for name, action in (("enc", ["--command", f"{sys.executable} {script}"]),
                         ("encerr", ["--python", "tests.support.actions:leak_secret_encoded"])):
        added = cli("task", "add", name, *action, "--secret-env", "MYSECRET=token")
        assert added.code == 0, added.err
    engine = spawn()
    engine.wait_for("engine running")
    for name in ("enc", "encerr"):
        assert cli("task", "run", name).code == 0
    logs = {name: cli("run", "show", str(_finished(cli, name)["id"]), "--log").out
            for name in ("enc", "encerr")}
    listed = cli("run", "list").out
    listed_json = cli("run", "list", "--json").out
    assert engine.stop() == 0
    printed = logs["enc"].split("-- output\n", 1)[1]
    assert dict(line.split(" ", 1) for line in printed.splitlines()) == {
        "b64": "***", "b64url": "***", "b64bare": "***", "pct": "***", "plus": "***",
        "json": '{"t": "***"}', "json8": '{"t": "***"}', "split": "***", "short": "b2s=",
        # inside longer base64: the digit mixing a neighbour's bits stays
        "basic1": "dTp***s=", "basic2": "bWU6***", "basic3": "eW91On***wo="}
    assert "Basic bWU6***" in logs["encerr"] and "Basic bWU6***" in listed
    forms = [base64.b64encode(ENCODED.encode()).decode(), "cGFzcz4-dzByZD8iw6kvfm9r",
             "pass%3E%3Ew0rd", "\\u00e9/~ok", "pass>>w0rd"]
    for form in forms:
        for text in (*logs.values(), listed, listed_json):
            assert form not in text
    for path in home.iterdir():  # the database, its WAL, anything the engine wrote
        if path.is_file():
            data = path.read_bytes()
            assert not [f for f in forms if f.encode() in data], path


def test_output_cut_to_head_and_tail_never_shows_part_of_a_secret(engine: Any,
                                                                   service: Any) -> None:
    """The head/tail cut of a big output may fall inside a secret: masking comes first."""
    from tests.conftest import command_task

    service.set_secret("token", SECRET)
    # nothing but the secret, once per line, 400,000 characters even masked: any cut is in one
    script = "python3 -c 'import os, sys; sys.stdout.write((os.environ[\"MYSECRET\"] + " \
             "\"\\n\") * 100000)'"
    service.create_task(command_task("loud", action={"kind": "command", "argv": [script],
                                                     "shell": True},
                                     secret_env={"MYSECRET": "token"}))
    engine.start()
    run = service.run_now("loud")
    wait_until(lambda: service.get_run(run.id).status == "succeeded", 30)
    text = "".join(c[2] for c in service.run_output(run.id))
    assert "characters of output omitted" in text
    pieces = {SECRET[i:i + 4] for i in range(len(SECRET) - 3)}
    assert not [p for p in pieces if p in text]


def test_failure_notification_and_live_output_are_masked(engine: Any, service: Any,
                                                         events: Any) -> None:
    from app.engine.events import Notification, RunOutput
    from tests.conftest import command_task

    service.set_secret("token", SECRET)
    service.create_task(command_task("pyerr", action={
        "kind": "python", "target": "tests.support.actions:leak_secret_in_error"},
        secret_env={"MYSECRET": "token"}))
    engine.start()
    service.run_now("pyerr")
    (note,) = wait_until(lambda: events.of(Notification), 10)
    assert "rejected token ***" in note.message and SECRET not in note.message
    live = "".join(e.text for e in events.of(RunOutput))
    assert "rejected token ***" in live and SECRET not in live
