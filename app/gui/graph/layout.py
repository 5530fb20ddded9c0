"""A layered (Sugiyama-style) layout of the dependency graph, upstream on the left.

Why our own and not a library: grandalf (the one maintained-looking Python Sugiyama; last
release 0.8, January 2023) took 0.85 s for 2,000 tasks / 2,450 edges and 2.8 s for 3,700
edges with only two crossing-reduction passes on this machine, over the 1 s budget of the
issue; networkx has no layered layout that reduces crossings (`multipartite_layout` only
stacks given layers); Graphviz `dot` is a native program we cannot ship with a pip install.
This module is the textbook method kept small and linear-ish in the graph's size:

1. connected components, each laid out alone and then packed in rows, tasks without any
   dependency in a grid after them (10,000 unrelated tasks do not become one long column);
2. cycles broken by reversing DFS back edges: the service refuses a cycle of dependencies,
   but a fallback may lead back upstream (`b` falls back to `c`, which `a` waits for, and
   `b` waits for `a`); a reversed edge is laid out forwards and drawn back, from its own
   upstream's left side to its downstream's right side;
3. layers by longest path from the sources, sources then pulled right next to their first
   downstream, so short pipelines do not stretch across the whole width;
4. edges longer than one layer split by dummy nodes;
5. crossing reduction by barycentre sweeps, down and up, keeping the best order seen
   (crossings counted exactly with the Barth–Jünger–Mutzel accumulator tree: `ordering`);
6. vertical placement as a least-squares fit to neighbour positions under minimum gaps,
   solved exactly per layer by isotonic regression (pool-adjacent-violators), so edges
   run as straight as the order allows and nothing overlaps.

Qt-free: the graph view runs it on a pool thread, tests and benchmarks call it directly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from app.gui.graph.ordering import initial_order, reduce_crossings

N = TypeVar("N", bound=Hashable)

NODE_W = 180.0
NODE_H = 40.0
LAYER_GAP = 90.0  # horizontal space between layers, where the edges run
NODE_GAP = 18.0  # vertical space between nodes of one layer
DUMMY_H = 6.0  # a long edge passing through a layer takes this much room
COMPONENT_GAP = 60.0


@dataclass
class Layout(Generic[N]):
    """Top-left positions of the nodes and the polyline of each edge, in scene units."""

    positions: dict[N, tuple[float, float]] = field(default_factory=dict)
    routes: dict[tuple[N, N], list[tuple[float, float]]] = field(default_factory=dict)
    width: float = 0.0
    height: float = 0.0
    crossings: int = 0
    node_w: float = NODE_W
    node_h: float = NODE_H


def layout(nodes: Iterable[N], edges: Iterable[tuple[N, N]],
           aspect: float = 1.6) -> Layout[N]:
    """Lay out `nodes` with `edges` (upstream, downstream); unknown endpoints are ignored.

    `aspect` is the width/height the packed drawing aims at (a window's shape).
    """
    order = list(dict.fromkeys(nodes))
    index = {n: i for i, n in enumerate(order)}
    pairs = sorted({(index[u], index[d]) for u, d in edges
                    if u in index and d in index and u != d})
    result: Layout[N] = Layout()
    blocks: list[tuple[float, float, list[tuple[int, float, float]],
                       list[tuple[int, int, list[tuple[float, float]]]]]] = []
    lonely: list[int] = []
    for members, comp_edges in _components(len(order), pairs):
        if not comp_edges:
            lonely.extend(members)
            continue
        placed = _layered(members, comp_edges)
        result.crossings += placed.crossings
        blocks.append((placed.width, placed.height, placed.nodes, placed.routes))
    _pack(blocks, lonely, aspect, result, order)
    return result


# -- components ----------------------------------------------------------------------------


def _components(n: int, pairs: list[tuple[int, int]]
                ) -> list[tuple[list[int], list[tuple[int, int]]]]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for u, d in pairs:
        ru, rd = find(u), find(d)
        if ru != rd:
            parent[max(ru, rd)] = min(ru, rd)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(find(i), []).append(i)
    comp_edges: dict[int, list[tuple[int, int]]] = {}
    for u, d in pairs:
        comp_edges.setdefault(find(u), []).append((u, d))
    comps = [(m, comp_edges.get(root, [])) for root, m in members.items()]
    comps.sort(key=lambda c: (-len(c[0]), c[0][0]))
    return comps


# -- one component -------------------------------------------------------------------------


@dataclass
class _Placed:
    width: float
    height: float
    nodes: list[tuple[int, float, float]]  # (node, x, y) top-left, relative to the block
    routes: list[tuple[int, int, list[tuple[float, float]]]]
    crossings: int


def _acyclic(members: list[int], edges: list[tuple[int, int]]
             ) -> tuple[list[tuple[int, int]], list[bool]]:
    """Edges with DFS back edges reversed, and for each whether it was."""
    out: dict[int, list[int]] = {m: [] for m in members}
    for u, d in edges:
        out[u].append(d)
    state = dict.fromkeys(members, 0)  # 0 new, 1 on stack, 2 done
    back: set[tuple[int, int]] = set()
    for root in members:
        if state[root]:
            continue
        stack = [(root, iter(out[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state[nxt] == 1:
                back.add((node, nxt))
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(out[nxt])))
    flipped = [(u, d) in back for u, d in edges]
    return [(d, u) if f else (u, d) for (u, d), f in zip(edges, flipped, strict=True)], flipped


def _layers(members: list[int], edges: list[tuple[int, int]]) -> dict[int, int]:
    ups: dict[int, list[int]] = {m: [] for m in members}
    downs: dict[int, list[int]] = {m: [] for m in members}
    for u, d in edges:
        ups[d].append(u)
        downs[u].append(d)
    indegree = {m: len(ups[m]) for m in members}
    ready = [m for m in members if indegree[m] == 0]
    topo: list[int] = []
    while ready:
        node = ready.pop()
        topo.append(node)
        for d in downs[node]:
            indegree[d] -= 1
            if indegree[d] == 0:
                ready.append(d)
    layer = dict.fromkeys(members, 0)
    for node in topo:
        for d in downs[node]:
            if layer[d] < layer[node] + 1:
                layer[d] = layer[node] + 1
    for node in reversed(topo):  # sources sit just before their nearest downstream
        if not ups[node] and downs[node]:
            layer[node] = min(layer[d] for d in downs[node]) - 1
    return layer


def _layered(members: list[int], edges: list[tuple[int, int]]) -> _Placed:
    edges, flipped = _acyclic(members, edges)
    layer_of = _layers(members, edges)
    depth = max(layer_of.values()) + 1
    # nodes of the long-edge chains get ids past every real node
    next_id = max(members) + 1
    layers: list[list[int]] = [[] for _ in range(depth)]
    real = set(members)
    for m in sorted(members, key=lambda m: layer_of[m]):
        layers[layer_of[m]].append(m)
    ups: dict[int, list[int]] = {m: [] for m in members}
    downs: dict[int, list[int]] = {m: [] for m in members}
    chains: list[tuple[int, int, list[int], bool]] = []
    for (u, d), back in zip(edges, flipped, strict=True):
        chain = [u]
        for lay in range(layer_of[u] + 1, layer_of[d]):
            dummy = next_id
            next_id += 1
            layer_of[dummy] = lay
            layers[lay].append(dummy)
            ups[dummy] = []
            downs[dummy] = []
            chain.append(dummy)
        chain.append(d)
        for a, b in itertools.pairwise(chain):
            downs[a].append(b)
            ups[b].append(a)
        chains.append((u, d, chain, back))
    initial_order(layers, downs, ups)
    crossings = reduce_crossings(layers, ups, downs)
    ys = _place(layers, ups, downs, real)
    lx = [lay * (NODE_W + LAYER_GAP) for lay in range(depth)]
    # the block starts at the top edge of its highest box (or long edge's band), not at that
    # box's centre: the first row drew 20 units above the drawing, off-centre when fitted,
    # and a busy top task's badge was cut off at the window's edge
    top = min((ys[n] - (NODE_H if n in real else DUMMY_H) / 2 for n in ys), default=0.0)
    nodes = [(m, lx[layer_of[m]], ys[m] - NODE_H / 2 - top) for m in members]
    routes: list[tuple[int, int, list[tuple[float, float]]]] = []
    for u, d, chain, back in chains:
        points = [(lx[layer_of[u]] + NODE_W, ys[u] - top)]
        for dummy in chain[1:-1]:
            x = lx[layer_of[dummy]]
            points.append((x, ys[dummy] - top))
            points.append((x + NODE_W, ys[dummy] - top))
        points.append((lx[layer_of[d]], ys[d] - top))
        if back:  # a back edge: drawn from its own upstream, right to left
            u, d = d, u
            points.reverse()
        routes.append((u, d, points))
    height = max((ys[n] + (NODE_H if n in real else DUMMY_H) / 2 for n in ys),
                 default=top + NODE_H) - top
    width = depth * NODE_W + (depth - 1) * LAYER_GAP
    return _Placed(width, height, nodes, routes, crossings)


def _isotonic(values: Sequence[float], weights: Sequence[float]) -> list[float]:
    """The non-decreasing sequence closest to `values` in weighted least squares (PAVA)."""
    means: list[float] = []
    sizes: list[float] = []
    counts: list[int] = []
    for v, w in zip(values, weights, strict=True):
        means.append(v)
        sizes.append(w)
        counts.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            w2 = sizes[-2] + sizes[-1]
            m = (means[-2] * sizes[-2] + means[-1] * sizes[-1]) / w2
            c = counts[-2] + counts[-1]
            del means[-1], sizes[-1], counts[-1]
            means[-1], sizes[-1], counts[-1] = m, w2, c
    out: list[float] = []
    for m, c in zip(means, counts, strict=True):
        out.extend([m] * c)
    return out


def _place(layers: list[list[int]], ups: dict[int, list[int]],
           downs: dict[int, list[int]], real: set[int]) -> dict[int, float]:
    """Centre y of every node: close to its neighbours, never overlapping in its layer."""
    y: dict[int, float] = {}
    offsets: list[list[float]] = []
    for lay in layers:
        acc, offs = 0.0, []
        prev_h = None
        for node in lay:
            h = NODE_H if node in real else DUMMY_H
            if prev_h is not None:
                acc += (prev_h + h) / 2 + NODE_GAP
            offs.append(acc)
            prev_h = h
        offsets.append(offs)
        for node, off in zip(lay, offs, strict=True):
            y[node] = off
    weight = {n: (1.0 if n in real else 4.0) for lay in layers for n in lay}

    def fit(i: int, use_ups: bool, use_downs: bool) -> None:
        lay, offs = layers[i], offsets[i]
        wanted: list[float] = []
        for node in lay:
            around = (ups[node] if use_ups else []) + (downs[node] if use_downs else [])
            wanted.append(sum(y[n] for n in around) / len(around) if around else y[node])
        fitted = _isotonic([w - o for w, o in zip(wanted, offs, strict=True)],
                           [weight[n] for n in lay])
        for node, f, o in zip(lay, fitted, offs, strict=True):
            y[node] = f + o

    for _ in range(3):
        for i in range(1, len(layers)):
            fit(i, True, False)
        for i in range(len(layers) - 2, -1, -1):
            fit(i, False, True)
    for i in range(len(layers)):
        fit(i, True, True)
    return y


# -- packing -------------------------------------------------------------------------------


def _pack(blocks: list[tuple[float, float, list[tuple[int, float, float]],
                             list[tuple[int, int, list[tuple[float, float]]]]]],
          lonely: list[int], aspect: float, result: Layout[N], order: list[N]) -> None:
    """Components in rows (largest first), then the unconnected tasks in a grid."""
    area = sum((w + COMPONENT_GAP) * (h + COMPONENT_GAP) for w, h, _, _ in blocks)
    area += len(lonely) * (NODE_W + NODE_GAP) * (NODE_H + NODE_GAP)
    widest = max([w for w, _, _, _ in blocks] + [NODE_W])
    target = max(widest, math.sqrt(area * aspect))
    x = y = row_h = 0.0
    width = 0.0
    for w, h, nodes, routes in blocks:
        if x > 0 and x + w > target:
            x, y, row_h = 0.0, y + row_h + COMPONENT_GAP, 0.0
        for node, nx, ny in nodes:
            result.positions[order[node]] = (x + nx, y + ny)
        for u, d, points in routes:
            result.routes[(order[u], order[d])] = [(x + px, y + py) for px, py in points]
        width = max(width, x + w)
        x += w + COMPONENT_GAP
        row_h = max(row_h, h)
    if blocks:
        y += row_h + COMPONENT_GAP
    height = y - COMPONENT_GAP if blocks else 0.0
    if lonely:
        cols = max(1, int((max(target, width) + NODE_GAP) // (NODE_W + NODE_GAP)))
        for i, node in enumerate(lonely):
            row, col = divmod(i, cols)
            result.positions[order[node]] = (col * (NODE_W + NODE_GAP),
                                             y + row * (NODE_H + NODE_GAP))
        rows = math.ceil(len(lonely) / cols)
        width = max(width, min(cols, len(lonely)) * (NODE_W + NODE_GAP) - NODE_GAP)
        height = y + rows * (NODE_H + NODE_GAP) - NODE_GAP
    result.width = width
    result.height = max(height, 0.0)
