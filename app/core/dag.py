"""The dependency graph: cycle checks and topological order, on task names or ids."""

from __future__ import annotations

import graphlib
from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def find_cycle(upstreams: Mapping[N, Iterable[N]]) -> list[N] | None:
    """A cycle in the graph (node -> its upstreams), as a path whose first and last node are
    the same, following the direction work flows (upstream → downstream); None if acyclic."""
    try:
        graphlib.TopologicalSorter(upstreams).prepare()
    except graphlib.CycleError as exc:
        # graphlib lists each node followed by its downstream, which is flow order already
        return list(exc.args[1])
    return None


def cycle_through(upstreams: Mapping[N, Iterable[N]], start: N) -> list[N] | None:
    """A cycle, rotated to start (and end) at `start` when it passes through it."""
    cycle = find_cycle(upstreams)
    if cycle is None or start not in cycle[:-1]:
        return cycle
    i = cycle.index(start)
    body = cycle[:-1]
    rotated = body[i:] + body[:i]
    return [*rotated, start]


def topological_order(upstreams: Mapping[N, Iterable[N]]) -> list[N]:
    """Nodes with every upstream before its downstreams (the graph must be acyclic)."""
    return list(graphlib.TopologicalSorter(upstreams).static_order())


def closure(edges: Mapping[N, Iterable[N]], start: N) -> set[N]:
    """Every node reachable from `start` along `edges` (start excluded)."""
    seen: set[N] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    seen.discard(start)
    return seen
