"""Longest first, waiting beside working: `make test`'s workers (pytest-xdist, --dist
loadgroup) take the tests in collection order, so the suite is collected in an order made
from each unit's recorded duration and CPU (a GUI file's tests are one unit: they share a
worker).

- Longest first, so that no slow test starts last and leaves the other workers idle at the
  end.
- Waiting beside working: six processes share two cores because many tests mostly wait (on
  engines, servers, outages). Longest first alone put every long waiter at the start — the
  shared-store outages, the leader and fault scenarios — and the cores idled at half use
  for 15 s (measured with a per-second CPU trace). So the units are split at the suite's
  mean CPU per second into waiters and workers, each longest first, and the two merged so
  each list is used up at the same pace (by recorded seconds): every stretch of the queue
  holds both.

tests/durations.json holds, per test id, the seconds of setup + call + teardown and the CPU
seconds (tests/support/cpu_use.py) from one run of the suite; `pytest --record-durations`
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


def _recorded() -> dict[str, tuple[float, float | None]]:
    """Each test id's (seconds, CPU seconds); an older file's bare seconds have no CPU."""
    try:
        data = json.loads(DURATIONS.read_text())
        return {str(k): (float(v), None) if isinstance(v, (int, float))
                else (float(v[0]), float(v[1])) for k, v in data.items()}
    except (FileNotFoundError, ValueError, TypeError, IndexError, AttributeError):
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
    typical = statistics.median(seconds for seconds, _ in recorded.values())
    known = [(s, c) for s, c in recorded.values() if c is not None]
    mean_use = sum(c for _, c in known) / max(sum(s for s, _ in known), 1e-9) if known else 0.0
    units: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        units[_unit(item)].append(item)
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for name, members in units.items():
        for item in members:
            took, used = recorded.get(plain_id(item.nodeid), (typical, None))
            seconds[name] = seconds.get(name, 0.0) + took
            cpu[name] = cpu.get(name, 0.0) + (took * mean_use if used is None else used)
    waiters = [n for n in units if cpu[n] < mean_use * seconds[n]]
    workers = [n for n in units if cpu[n] >= mean_use * seconds[n]]
    ordered = merge_at_one_pace(waiters, workers, seconds)
    items[:] = [item for name in ordered for item in units[name]]


def merge_at_one_pace(first: list[str], second: list[str], seconds: dict[str, float]) -> list[str]:
    """Both lists longest first, merged so that each is used up at the same pace: next comes
    the list whose share of its own seconds so far is the smaller (ties: the longer head)."""
    lists = [sorted(first, key=lambda n: -seconds[n]), sorted(second, key=lambda n: -seconds[n])]
    totals = [max(sum(seconds[n] for n in part), 1e-9) for part in lists]
    used = [0.0, 0.0]
    at = [0, 0]
    ordered: list[str] = []
    while at[0] < len(lists[0]) or at[1] < len(lists[1]):
        if at[0] == len(lists[0]):
            pick = 1
        elif at[1] == len(lists[1]):
            pick = 0
        else:
            shares = (used[0] / totals[0], used[1] / totals[1])
            heads = (seconds[lists[0][at[0]]], seconds[lists[1][at[1]]])
            pick = 0 if (shares[0], -heads[0]) <= (shares[1], -heads[1]) else 1
        name = lists[pick][at[pick]]
        ordered.append(name)
        used[pick] += seconds[name]
        at[pick] += 1
    return ordered


class _Recorder:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[plain_id(report.nodeid)] += report.duration
        for key, value in report.user_properties:
            if key == "cpu":
                self.cpu[plain_id(report.nodeid)] += float(value)

    def pytest_sessionfinish(self) -> None:
        lines = [f"{json.dumps(k)}: [{v:.2f}, {self.cpu[k]:.2f}]"
                 for k, v in sorted(self.seconds.items())]  # one test a line: small diffs
        DURATIONS.write_text("{\n" + ",\n".join(lines) + "\n}\n")


def pytest_configure(config: pytest.Config) -> None:
    # the controller (or a run without xdist) hears every report: it writes the file
    if config.getoption("--record-durations") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(), "tickwork-durations")
