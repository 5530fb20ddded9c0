"""A Python action whose function takes `context`, given kwargs that name a `context` of their
own: the run's context replaced theirs, unsaid, and the run went on without it (a fault
hunt). Now the run fails in one line naming the keyword, the function is not called, and a
function that takes no `context` still gets the keyword as given. (`task add` refuses such
kwargs where it can read the function: this is a task added with --no-verify, or a module
changed since.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ACTIONS = '''\
def takes_context(context, **kw):
    print("called with", sorted(kw), type(context).__name__)

def takes_keywords(**kw):
    print("called with", kw)
'''


def test_kwargs_giving_context_fail_the_run_when_the_function_takes_one(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "actions"
    folder.mkdir()
    (folder / "ctxmod.py").write_text(ACTIONS)
    engine = spawn()
    engine.wait_for("engine running on")
    for name, func in (("theirs", "takes_context"), ("plain", "takes_keywords")):
        # (refused where it is added, unless --no-verify: tests/cli/test_kwargs_context.py)
        assert cli("task", "add", name, "--python", f"ctxmod:{func}", "--cwd", str(folder),
                   "--kwargs", '{"context": 1, "n": 2}', "--manual", "--no-verify").code == 0
    ran = cli("task", "run", "theirs", "--wait", "30", "--json", timeout=40)
    assert ran.code == 1, ran
    run = ran.json()
    assert (run["status"], run["error"]) == ("failed", (
        "kwargs: 'context' is given, but ctxmod:takes_context takes the run's context under "
        "that name: give that keyword another name"))
    assert "called with" not in cli("run", "show", str(run["id"]), "--log").out
    plain = cli("task", "run", "plain", "--wait", "30", "--json", timeout=40)
    assert plain.json()["status"] == "succeeded", plain
    log = cli("run", "show", str(plain.json()["id"]), "--log").out
    assert "called with {'context': 1, 'n': 2}" in log, log
