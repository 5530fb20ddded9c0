"""An action that replaces json.dumps in its worker (the interpreter its run shares, as a
library's monkeypatching does) made the worker send an end the engine could not read: the
engine's one reader of every Python worker died of it (a traceback in its log), and from
then on no Python run of that engine ever ended — that one, its timeout passed, and every
one after it stayed `running` or `queued` (a fault hunt). The worker speaks with its own
JSON functions now, and a frame the engine cannot read ends only that worker and its run."""

from __future__ import annotations

import json
from typing import Any

from tests.engine.conftest import wait_until
from tests.engine.test_python_workers import ACTIONS, _run_by_hand


def test_an_action_that_patches_json_in_its_worker_ends_as_it_returned(
        spawn: Any, cli: Any) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    patched = _run_by_hand(cli, "patcher", "patch_json", "succeeded", "--timeout", "5s")
    log = cli("run", "show", "--log", str(patched["id"])).out
    assert "returned: {'patched': 1}" in log
    for _ in range(3):  # the same worker, or another: they run and end
        _run_by_hand(cli, "after", "return_large", "succeeded",
                     "--kwargs", json.dumps({"n": 1}))
        assert cli("task", "delete", "after", "--force").code == 0
    assert engine.stop() == 0
    assert "Traceback" not in engine.text()


def test_an_end_the_engine_cannot_read_ends_that_run_and_worker_only(
        spawn: Any, cli: Any) -> None:
    """Whatever garbles a worker's frames (what its action did to it), the engine's reader
    goes on: the run ends saying so, and the next runs run."""
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "garbler", "--python", f"{ACTIONS}:send_garbage",
               "--manual", "--timeout", "5s").code == 0
    run = cli("task", "run", "garbler", "--json").json()
    ended = wait_until(lambda: (r := cli("run", "show", str(run["id"]), "--json").json())
                       ["status"] not in ("queued", "running") and r, 20)
    assert ended["status"] == "interrupted", ended
    assert ended["error"] == ("the Python worker running it sent a run's end the engine could "
                              "not read (not JSON) and was killed"), ended["error"]
    _run_by_hand(cli, "after", "return_large", "succeeded", "--kwargs", json.dumps({"n": 1}))
    assert engine.stop() == 0
    assert "Traceback" not in engine.text()


def test_an_action_that_patches_json_dumps_keeps_its_checkpoint_whole(
        spawn: Any, cli: Any) -> None:
    """Its checkpoint's text was made with the json.dumps it had just replaced: the engine
    got "not json" for a state. The worker makes it with the channel's own encoder."""
    engine = spawn()
    engine.wait_for("engine running")
    run = _run_by_hand(cli, "keeper", "patch_json_then_checkpoint", "succeeded",
                       "--timeout", "10s")
    shown = cli("run", "show", str(run["id"]), "--json")
    assert shown.code == 0, shown.err
    assert json.loads(shown.out)["checkpoint"] == {"step": 3, "name": "Zoë"}
    assert engine.stop() == 0
    assert "Traceback" not in engine.text()
