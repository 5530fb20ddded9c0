"""Longest first: `make test`'s workers (pytest-xdist, --dist loadgroup) take the tests in
collection order, so the suite is collected in order of recorded duration, longest unit
first (a GUI file's tests are one unit: they share a worker), so that no slow test starts
last and leaves the other workers idle at the end.

The durations are tests/durations.json (seconds of setup + call + teardown per test id, from
a run on a loaded 2-core machine: only their order matters). `pytest --record-durations`
writes it again. A test not in it counts as a median one. Within a unit, and for equal
durations, the collection order stays as it was.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

DURATIONS = Path(__file__).resolve().parent.parent / "durations.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--record-durations", action="store_true",
                     help=f"write each test's duration to {DURATIONS.name} at the end")


def _recorded() -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(DURATIONS.read_text()).items()}
    except (FileNotFoundError, ValueError):
        return {}


def plain_id(nodeid: str) -> str:
    """A test's id without the `@group` pytest-xdist appends under `--dist loadgroup` (the
    file keeps one id per test, however it was run)."""
    head, at, group = nodeid.rpartition("@")
    return head if at and "]" not in group and "::" in head else nodeid


def _unit(item: pytest.Item) -> str:
    group = item.get_closest_marker("xdist_group")
    if group is not None:
        return f"group:{group.args[0] if group.args else group.kwargs.get('name')}"
    return item.nodeid


@pytest.hookimpl(trylast=True)  # after tests/gui/conftest.py has grouped its files
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    recorded = _recorded()
    if not recorded:
        return
    typical = statistics.median(recorded.values())
    units: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        units[_unit(item)].append(item)
    weight = {name: sum(recorded.get(plain_id(i.nodeid), typical) for i in members)
              for name, members in units.items()}
    ordered = sorted(units, key=lambda name: -weight[name])  # stable: ties keep their order
    items[:] = [item for name in ordered for item in units[name]]


class _Recorder:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[plain_id(report.nodeid)] += report.duration

    def pytest_sessionfinish(self) -> None:
        DURATIONS.write_text(json.dumps(
            {k: round(v, 2) for k, v in sorted(self.seconds.items())}, indent=0) + "\n")


def pytest_configure(config: pytest.Config) -> None:
    # the controller (or a run without xdist) hears every report: it writes the file
    if config.getoption("--record-durations") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(), "tickwork-durations")
