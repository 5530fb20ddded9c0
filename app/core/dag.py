"""The dependency graph: cycle checks, topological order and levels, on task names or ids.

Graphs are given as mappings node -> its upstreams (the tasks it depends on); nodes that only
appear as upstreams are nodes too.
"""

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


def levels(upstreams: Mapping[N, Iterable[N]]) -> dict[N, int]:
    """Each node's depth: 0 without upstreams, else one more than its deepest upstream.

    Every upstream of a node has a smaller level than the node, so ordering by level puts
    upstream before downstream. The graph must be acyclic (graphlib.CycleError otherwise).
    """
    out: dict[N, int] = {}
    for node in topological_order(upstreams):
        ups = upstreams.get(node, ())
        out[node] = 1 + max((out[u] for u in ups), default=-1)
    return out


def ancestors(upstreams: Mapping[N, Iterable[N]]) -> dict[N, frozenset[N]]:
    """Every node's transitive upstreams (nodes without upstreams map to an empty set)."""
    out: dict[N, frozenset[N]] = {}
    for node in topological_order(upstreams):
        found: set[N] = set()
        for up in upstreams.get(node, ()):
            found.add(up)
            found |= out[up]
        out[node] = frozenset(found)
    return out


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


def successor_cycle(next_of: Mapping[N, N | None], starts: Iterable[N]) -> list[N] | None:
    """A cycle through one of `starts` in a graph where each node has at most one successor
    (a task and its fallback), as a path that starts and ends at that node; None if none.

    Linear in the nodes visited: each is walked once. A cycle that none of `starts` is on
    (an old one in the store) is left to whoever changes one of its nodes.
    """
    wanted = dict.fromkeys(starts)  # a set that keeps the callers' order
    done: set[N] = set()
    for start in wanted:
        path: list[N] = []
        on_path: dict[N, int] = {}
        node: N | None = start
        while node is not None and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = next_of.get(node)
        if node is not None and node in on_path:
            loop = path[on_path[node]:]
            first = next((i for i, n in enumerate(loop) if n in wanted), None)
            if first is not None:
                rotated = loop[first:] + loop[:first]
                return [*rotated, rotated[0]]
        done.update(path)
    return None
