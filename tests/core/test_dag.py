"""The dependency graph: cycles named in flow order, topological order, levels, ancestors."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import dag


def test_cycle_is_named_in_the_direction_work_flows() -> None:
    graph = {"B": {"A"}, "C": {"B"}, "A": {"C"}}
    cycle = dag.cycle_through(graph, "A")
    assert cycle == ["A", "B", "C", "A"]


def test_self_loop_and_acyclic() -> None:
    assert dag.find_cycle({"A": {"A"}}) == ["A", "A"]
    assert dag.find_cycle({"B": {"A"}, "C": {"A", "B"}}) is None


def test_levels_and_ancestors_of_a_diamond() -> None:
    graph = {"B": ["A"], "C": ["A"], "D": ["B", "C"], "E": ["D", "A"]}
    assert dag.levels(graph) == {"A": 0, "B": 1, "C": 1, "D": 2, "E": 3}
    anc = dag.ancestors(graph)
    assert anc["A"] == frozenset()
    assert anc["D"] == {"A", "B", "C"}
    assert anc["E"] == {"A", "B", "C", "D"}


def test_levels_refuse_a_cycle() -> None:
    import graphlib

    with pytest.raises(graphlib.CycleError):
        dag.levels({"A": ["B"], "B": ["A"]})


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=1, max_value=60))
def test_random_dags_levels_order_every_edge(seed: int, n: int) -> None:
    rng = random.Random(seed)
    graph = {i: {j for j in range(i) if rng.random() < 0.1} for i in range(n)}
    levels = dag.levels(graph)
    order = dag.topological_order(graph)
    anc = dag.ancestors(graph)
    pos = {node: i for i, node in enumerate(order)}
    for node, ups in graph.items():
        for up in ups:
            assert levels[up] < levels[node]
            assert pos[up] < pos[node]
            assert up in anc[node] and anc[up] <= anc[node]
        assert anc[node] == dag.closure({k: list(v) for k, v in graph.items()}, node)
