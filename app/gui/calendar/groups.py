"""Tasks whose fires are counted together, and their counts added to a period's days: the
days' totals, the chain tasks' among them by the tasks they run after (a day's “1 after
Nightly backup”), and each day's busiest groups. Qt-free, on a pool thread."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

from app.core.task import Task
from app.engine.fires import FiresFrom

BUSIEST: Final = 3  # tasks named per day


@dataclass(slots=True)
class Group:
    """Lone tasks that fire alike (same schedule key and next fire): counted once."""

    fires: FiresFrom
    tasks: list[Task]


def add_counts(group: Group, counts: list[int], totals: list[int],
               chained: list[Counter[tuple[str, ...]]], top: list[list[tuple[int, int]]],
               ranked: list[Group]) -> None:
    """A group's counts per day into the days' totals (its chain tasks' also in `chained`,
    by their upstreams) and their busiest groups (`top`: fires and index in `ranked`)."""
    many = len(group.tasks)
    after = Counter(task.spec.schedule.after for task in group.tasks
                    if task.spec.schedule.kind == "after")
    index = len(ranked)
    ranked.append(group)
    for i, n in enumerate(counts):
        if n:
            totals[i] += n * many
            chained[i].update({ups: n * k for ups, k in after.items()})
            best = top[i]
            if len(best) < BUSIEST or n > best[-1][0]:
                best.append((n, index))
                best.sort(key=lambda b: -b[0])
                del best[BUSIEST:]
