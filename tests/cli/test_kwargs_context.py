"""`task add --python mod:func --kwargs '{"context": …}'` where `func` takes the run's
`context`: the run's context replaced the keyword, unsaid (a fault hunt). The function is
read (not run) where the task is added, and such kwargs are refused there in one line naming
them, exit 2, nothing added; a function taking `**kw` and no `context` gets it as given.
tests/engine/test_kwargs_context.py has the run of one added with --no-verify."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_kwargs_giving_the_context_a_function_takes_are_refused_at_add(
        cli: Any, tmp_path: Path) -> None:
    module = tmp_path / "ctxmod.py"
    module.write_text("def takes_context(context, n=1):\n    pass\n\n"
                      "def takes_keywords(**kw):\n    pass\n")
    add = ["--cwd", str(tmp_path), "--kwargs", '{"context": 1}', "--manual"]
    res = cli("task", "add", "theirs", "--python", "ctxmod:takes_context", *add)
    assert (res.code, res.out) == (2, ""), res
    assert res.err == ("tickwork: error: kwargs: takes_context() takes the run's context as "
                       f"'context': give that keyword another name ({module}); --no-verify "
                       "stores it anyway\n"), res.err
    assert cli("task", "add", "plain", "--python", "ctxmod:takes_keywords", *add).code == 0
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["plain"]
