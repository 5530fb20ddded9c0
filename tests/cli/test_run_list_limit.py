"""`run list` shows the newest 50 runs (`--limit N`) and said nothing of the others: 50 rows
read as the whole history. A note on stderr says when older runs were left out; the rows and
`--json` are as they were. Its help says what --task takes and what --limit does."""

from __future__ import annotations

import os
from typing import Any

from tests.support import tickwork

QUEUED = ("tickwork: no engine is running on this store (start one: `tickwork engine`, or the "
          "window): the next engine to start takes up {} shown queued\n")  # (runs.py `_unheld`)


def test_run_list_says_when_its_limit_left_older_runs_out(cli: Any) -> None:
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    for _ in range(3):  # (no engine: each stays queued)
        assert cli("task", "run", "t").code == 0
    cut = cli("run", "list", "--limit", "2")
    assert cut.code == 0
    assert [line.split()[0] for line in cut.out.splitlines()[1:]] == ["3", "2"]
    assert cut.err == ("note: the newest 2 runs only; older ones are left out (--limit N "
                       "shows more)\n" + QUEUED.format("the 2 runs"))
    one = cli("run", "list", "--limit", "1", "--task", "T")  # (any letter case)
    assert one.err == "note: the newest 1 run only; older ones are left out (--limit N " \
                      "shows more)\n" + QUEUED.format("the run")
    whole = cli("run", "list", "--limit", "3")
    assert (len(whole.out.splitlines()), whole.err) == (4, QUEUED.format("the 3 runs"))
    assert cli("run", "list", "--task", "t", "--status", "queued", "--limit", "3").err == \
        QUEUED.format("the 3 runs")
    listed = cli("run", "list", "--limit", "2", "--json")  # (JSON as ever: the rows asked for)
    assert ([r["id"] for r in listed.json()], listed.err) == ([3, 2], "")


def test_run_list_help_says_what_task_and_limit_take() -> None:
    page = tickwork.run(["run", "list", "--help"], env={**os.environ, "COLUMNS": "100"},
                        timeout=60).stdout
    assert "--task TASK      only this task's runs (its name, any letter case, or its id)\n" \
           in page, page
    assert "--limit N        the newest N runs (default 50; a note says when older ones are " \
           "left out)\n" in page, page


def test_audit_says_when_its_limit_left_older_events_out(cli: Any) -> None:
    """`audit` shows the newest 50 events too, and said nothing of the others."""
    for name in ("a", "b", "c"):
        assert cli("task", "add", name, "--command", "true", "--manual").code == 0
    cut = cli("audit", "--limit", "2")
    assert cut.code == 0
    assert [line.split()[-1] for line in cut.out.splitlines()[1:]] == ["c", "b"]
    assert cut.err == ("note: the newest 2 events only; older ones are left out (--limit N "
                       "shows more)\n")
    whole = cli("audit", "--limit", "3", "--search", "task.create")
    assert (len(whole.out.splitlines()), whole.err) == (4, "")
    listed = cli("audit", "--limit", "2", "--json")  # (JSON as ever: the events asked for)
    assert ([e["target"] for e in listed.json()], listed.err) == (["c", "b"], "")
