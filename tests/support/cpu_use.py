"""Where the suite's CPU goes: `TICKWORK_TEST_CPU=FILE` appends one JSON line per test with
the CPU seconds it cost — the test process's own (every thread), the children it waited
for (`subprocess.run`, engines it stopped) and the zygote's children it started
(tests/support/zygote.py) — and its wall seconds. Children a test leaves running, or that
something else reaps, are not counted. Sum by file with e.g.

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


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
            + zygote.CHILDREN_CPU[0])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    if not LOG:
        yield
        return
    cpu, wall = _cpu(), time.monotonic()
    yield
    line = {"test": item.nodeid, "file": item.nodeid.split("::")[0],
            "cpu": round(_cpu() - cpu, 3), "wall": round(time.monotonic() - wall, 3)}
    with open(LOG, "a") as out:
        out.write(json.dumps(line) + "\n")
