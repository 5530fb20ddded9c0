"""The order of the tasks within each layer of the graph's layout (`layout`, step 5): a
depth-first walk from the sources to start, so related tasks start close, then barycentre
sweeps, down and up, keeping the order with the fewest crossings seen; crossings are
counted exactly with the Barth–Jünger–Mutzel accumulator tree, O(E log V) a pair of layers.

Layers are lists of node ids (a long edge's dummy nodes included), reordered in place;
`ups` and `downs` give each node's neighbours in the layers before and after. Qt-free.
"""

from __future__ import annotations

import itertools

SWEEPS = 12


def initial_order(layers: list[list[int]], downs: dict[int, list[int]],
                   ups: dict[int, list[int]]) -> None:
    """Order each layer by a depth-first walk from the sources: related nodes start close."""
    rank: dict[int, int] = {}
    counter = 0
    for node in layers[0] + [n for lay in layers[1:] for n in lay if not ups[n]]:
        stack = [node]
        while stack:
            cur = stack.pop()
            if cur in rank:
                continue
            rank[cur] = counter
            counter += 1
            stack.extend(reversed(downs[cur]))
    for lay in layers:
        lay.sort(key=lambda n: rank.get(n, counter))


def _crossings_between(upper: list[int], lower_pos: dict[int, int],
                       downs: dict[int, list[int]], size: int) -> int:
    """Crossings of the edges between two adjacent layers (accumulator tree, O(E log V))."""
    targets: list[int] = []
    for node in upper:
        targets.extend(sorted(lower_pos[d] for d in downs[node]))
    if len(targets) < 2:
        return 0
    first = 1
    while first < size:
        first *= 2
    tree = [0] * (2 * first)
    first -= 1
    total = 0
    for pos in targets:
        i = pos + first
        tree[i] += 1
        while i > 0:
            if i % 2:
                total += tree[i + 1]
            i = (i - 1) // 2
            tree[i] += 1
    return total


def _count(layers: list[list[int]], downs: dict[int, list[int]]) -> int:
    total = 0
    for a, b in itertools.pairwise(layers):
        pos = {n: i for i, n in enumerate(b)}
        total += _crossings_between(a, pos, downs, len(b))
    return total


def reduce_crossings(layers: list[list[int]], ups: dict[int, list[int]],
                     downs: dict[int, list[int]]) -> int:
    """Reorder the layers (in place) for fewer crossings; the crossings left."""
    best = [list(lay) for lay in layers]
    best_count = _count(layers, downs)
    for sweep in range(SWEEPS):
        if best_count == 0:
            break
        down = sweep % 2 == 0
        rng = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for i in rng:
            ref = layers[i - 1] if down else layers[i + 1]
            pos = {n: j for j, n in enumerate(ref)}
            nbrs = ups if down else downs
            keyed = []
            for j, node in enumerate(layers[i]):
                around = nbrs[node]
                bary = sum(pos[n] for n in around) / len(around) if around else float(j)
                keyed.append((bary, j, node))
            keyed.sort()
            layers[i] = [node for _, _, node in keyed]
        count = _count(layers, downs)
        if count < best_count:
            best_count = count
            best = [list(lay) for lay in layers]
    layers[:] = best
    return best_count
