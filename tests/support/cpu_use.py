"""Where the suite's CPU goes. Every test's report carries the CPU seconds it cost (a
`("cpu", seconds)` user property) — the test process's own (every thread), the children it
waited for (`subprocess.run`, engines it stopped) and the zygote's children it started
(tests/support/zygote.py); children a test leaves running, or that something else reaps,
are not counted. tests/support/ordering.py records it beside each test's duration.

`TICKWORK_TEST_CPU=FILE` also appends one JSON line per test with its CPU and wall seconds.
Sum by file with e.g.

    jq -s 'group_by(.file) | map({file: .[0].file, cpu: (map(.cpu) | add)})' FILE
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Iterator

import pytest

from tests.support import zygote

LOG = os.environ.get("TICKWORK_TEST_CPU")
_START = pytest.StashKey[tuple[float, float]]()


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
            + zygote.CHILDREN_CPU[0])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    item.stash[_START] = (_cpu(), time.monotonic())
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    if call.when != "teardown" or _START not in item.stash:
        return
    cpu, wall = item.stash[_START]
    cpu, wall = _cpu() - cpu, time.monotonic() - wall
    outcome.get_result().user_properties.append(("cpu", round(cpu, 3)))
    if LOG:
        line = {"test": item.nodeid, "file": item.nodeid.split("::")[0],
                "cpu": round(cpu, 3), "wall": round(wall, 3)}
        with open(LOG, "a") as out:
            out.write(json.dumps(line) + "\n")
