"""What the dependency graph shows, read from the store in one go, and its filters.

`read_rows` runs on a pool thread (a few grouped queries, no per-task reads: 10,000 tasks
take a few tens of milliseconds) and `graph_of` makes the graph of them; `GraphData.subset`
applies the view's filters (one task's upstream and/or downstream closure, whether
unconnected tasks are shown) and `GraphData.laid_out` lays the subset out. Run status
changes afterwards are applied in place by `apply_run` from the engine's events, so a busy
engine never re-reads the graph. Read again after an edit that left it drawn alike
(`drawn_alike`: most edits), only the runs that differ are taken into the graph shown
(`runs_read`): a new graph at each edit was 100,000 objects more for the GUI thread's
collector to walk, kept past its collections, and the old one freed there at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core import dag
from app.core.errors import NotFoundError, TickworkError, ValidationError
from app.core.task import ACTIVE_STATUSES
from app.gui.graph.layout import Layout, layout
from app.service import Service
from app.store import task_queries
from app.store.task_queries import GraphRows

SCOPES = ("all", "upstream", "downstream", "both")
RunState = tuple[str | None, dict[int, str]]  # a task's latest run status, its active runs
NO_RUNS: dict[int, str] = {}  # (compared with, never kept)


@dataclass
class Node:
    id: int
    name: str
    enabled: bool
    kind: str  # schedule kind
    last_status: str | None = None
    active: dict[int, str] = field(default_factory=dict)  # run id -> active status

    @property
    def running(self) -> int:
        return sum(1 for s in self.active.values() if s == "running")

    @property
    def waiting(self) -> int:
        return sum(1 for s in self.active.values() if s != "running")


@dataclass(frozen=True)
class Edge:
    upstream: int
    downstream: int
    kind: str  # wait (depends_on) | trigger (runs after) | fallback (runs when it fails)


@dataclass(frozen=True)
class Filter:
    task_id: int | None = None
    scope: str = "all"
    unconnected: bool = True

    def shape(self) -> tuple[object, ...]:
        """What the drawing depends on: the task named only when its neighbours are shown
        (over the whole graph it is only found)."""
        return self.task_id if self.scope != "all" else None, self.scope, self.unconnected


@dataclass
class GraphData:
    nodes: dict[int, Node]
    edges: list[Edge]

    def drawn_alike(self, rows: GraphRows) -> bool:
        """Whether the graph read again (`rows`) lays out as this one (its tasks' ids, names,
        switches and kinds, and its arrows as a set: a task saved has its rows written anew,
        read in another order — each edit of a task with an arrow laid the whole graph out
        again and drew it anew): then only runs may differ (`runs_read`)."""
        tasks, links = rows[0], rows[1]
        return (len(tasks) == len(self.nodes)
                and all(t == (n.id, n.name, n.enabled, n.kind)
                        for t, n in zip(tasks, self.nodes.values(), strict=True))
                and frozenset(links) == {(e.downstream, e.upstream, e.kind) for e in self.edges})

    def runs_read(self, rows: GraphRows) -> dict[int, RunState]:
        """The tasks whose runs differ in the graph read again (`rows`), drawn alike: their
        latest status and active runs as read (on a pool thread: no new graph is made, so
        none is handed over, kept or freed on the GUI thread for a task edited)."""
        latest = dict(rows[2])
        active: dict[int, dict[int, str]] = {}
        for run_id, task_id, run_status in rows[3]:
            active.setdefault(task_id, {})[run_id] = run_status
        found: dict[int, RunState] = {}
        for i, n in self.nodes.items():
            status, runs = latest.get(i), active.get(i, NO_RUNS)
            if status != n.last_status or runs != n.active:
                found[i] = status, dict(runs)
        return found

    def set_runs(self, states: dict[int, RunState]) -> None:
        """Take these tasks' runs as read (`runs_read`)."""
        for task_id, (status, active) in states.items():
            node = self.nodes.get(task_id)
            if node is not None:
                node.last_status, node.active = status, active

    def ids_by_name(self) -> dict[str, int]:
        """Each task's id by its name (what a name typed in the view means)."""
        return {n.name: n.id for n in self.nodes.values()}

    def upstreams(self) -> dict[int, set[int]]:
        ups: dict[int, set[int]] = {}
        for e in self.edges:
            ups.setdefault(e.downstream, set()).add(e.upstream)
        return ups

    def downstreams(self) -> dict[int, set[int]]:
        downs: dict[int, set[int]] = {}
        for e in self.edges:
            downs.setdefault(e.upstream, set()).add(e.downstream)
        return downs

    def subset(self, flt: Filter) -> tuple[list[int], list[Edge]]:
        """The node ids and edges a filter keeps, nodes in name order."""
        if flt.task_id is not None and flt.task_id in self.nodes and flt.scope != "all":
            keep = {flt.task_id}
            if flt.scope in ("upstream", "both"):
                keep |= dag.closure(self.upstreams(), flt.task_id)
            if flt.scope in ("downstream", "both"):
                keep |= dag.closure(self.downstreams(), flt.task_id)
        else:
            keep = set(self.nodes)
            if not flt.unconnected:
                keep = {e.upstream for e in self.edges} | {e.downstream for e in self.edges}
        ids = sorted(keep, key=lambda i: (self.nodes[i].name.lower(), i))
        edges = [e for e in self.edges if e.upstream in keep and e.downstream in keep]
        return ids, edges

    def laid_out(self, flt: Filter, aspect: float = 1.6) -> tuple[Layout[int], list[Edge]]:
        ids, edges = self.subset(flt)
        return layout(ids, [(e.upstream, e.downstream) for e in edges], aspect), edges

    def apply_run(self, task_id: int, run_id: int, status: str) -> bool:
        """A run entered `status`; whether the node changed."""
        node = self.nodes.get(task_id)
        if node is None:
            return False
        before = (node.last_status, dict(node.active))
        node.last_status = status
        if status in ACTIVE_STATUSES:
            node.active[run_id] = status
        else:
            node.active.pop(run_id, None)
        return before != (node.last_status, node.active)


def read_rows(service: Service) -> GraphRows:
    """Every task, every dependency edge, each task's latest run status and active runs."""
    with service.store.read():
        return task_queries.graph(ACTIVE_STATUSES)


def read_graph(service: Service) -> GraphData:
    """The graph as the store has it."""
    return graph_of(read_rows(service))


def graph_of(read: GraphRows) -> GraphData:
    """The graph of the rows read (`read_rows`)."""
    rows, links, latest, active = read
    nodes = {i: Node(i, name, enabled, kind) for i, name, enabled, kind in rows}
    edges = [Edge(up, down, kind) for down, up, kind in links]
    for task_id, status in latest:
        if task_id in nodes:
            nodes[task_id].last_status = status
    for run_id, task_id, status in active:
        if task_id in nodes:
            nodes[task_id].active[run_id] = status
    return GraphData(nodes, edges)


def add_dependency(service: Service, upstream: int, downstream: int
                   ) -> tuple[str, tuple[str, str] | None]:
    """Make `downstream` wait for `upstream`, through the service (validated, audited).

    Returns what happened in words, with the two tasks' names when it added the dependency
    (None: it was there); raises CycleError (nothing changed) for a cycle.
    """
    up = service.get_task(upstream)
    down = service.get_task(downstream)
    if up.name in down.spec.depends_on or up.name in down.spec.schedule.after:
        return f"“{down.name}” already depends on “{up.name}”.", None
    service.update_task(down.id, {"depends_on": [*down.spec.depends_on, up.name]})
    return f"“{down.name}” now waits for “{up.name}”.", (up.name, down.name)


class DependencyGone(TickworkError):
    """The arrow a person chose to remove is not in the store any more: its task was
    changed, renamed or deleted meanwhile (by the editor, the CLI, another window)."""


def remove_dependency(service: Service, upstream: int, downstream: int,
                      names: tuple[str, str]) -> str:
    """Make `downstream` no longer wait for (or run after) `upstream`, through the service
    like the editor (validated, audited, seen by the engine). `names` are the two tasks' names
    as the graph showed them, for saying so when the store no longer has that arrow.

    Returns what happened in words; raises DependencyGone, or ValidationError when the arrow
    is all the downstream's schedule (nothing changed either way)."""
    gone = DependencyGone(f"“{names[1]}” no longer waits for “{names[0]}”: it was changed or "
                          "deleted meanwhile. The graph now shows the tasks as they are.")
    try:
        up = service.get_task(upstream)
        down = service.get_task(downstream)
    except NotFoundError:
        raise gone from None
    spec = down.spec
    if up.name in spec.depends_on:
        service.update_task(down.id, {"depends_on": [n for n in spec.depends_on
                                                     if n != up.name]})
        return f"“{down.name}” no longer waits for “{up.name}”."
    if up.name not in spec.schedule.after:
        raise gone
    if spec.schedule.after == (up.name,):
        raise ValidationError("after", f"“{down.name}” runs only after “{up.name}”; give it "
                              "another schedule in the editor first")
    service.update_task(down.id, {"schedule": {
        "kind": "after", "tasks": [n for n in spec.schedule.after if n != up.name]}})
    return f"“{down.name}” no longer runs after “{up.name}”."
