"""Figures for the calendar, dependency graph and metrics views (issue 5).

Prints one JSON object:
    calendar: a month with 10,000 tasks: the read off the GUI thread (ledger + the engine's
        predictions), first (nothing kept yet: `cold`), again (a repaint, a return to the
        month, the minute's refresh: `read`, each at its own now as the view reads, with
        what the view keeps between reads) and after
        an edit of one task; the paint on the GUI thread, the whole round trip in the real
        view (request to painted), and how many days ahead have no prediction (must be 0);
        week and day too. Target: a month with its predictions ≤ 300 ms.
    graph: the layered layout of 2,000 tasks (median and max of runs; crossings), the
        read of a 10,000-task graph, and a repaint at 2,000 nodes fitted and zoomed (a pan
        step costs one repaint). grandalf on the same graph when it is installed, for the
        comparison the layout module's docstring makes. Target: layout < 1 s.
    table: the task table's first rows with 100,000 tasks (window built to rows shown).
        Target: < 1 s.
    metrics: the cost of one 1 s tick (new sample, setData, repaint) with an hour of
        samples, per span. Target: no stall (well under 50 ms).

Usage: QT_QPA_PLATFORM=offscreen python -m benchmarks.views [--quick] [--tasks N]
       [--only calendar,graph,metrics,table]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks._common import environment_info, log  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


# -- data ------------------------------------------------------------------------------------


def make_tasks(store: Any, n: int, now: datetime) -> None:
    """A mix like a busy desktop: daily and weekly crons, hourly jobs, intervals, one-shots,
    and pipelines of dependencies among them. Written in bulk with the columns the service
    writes (validated specs, next fire computed): the service audits one at a time."""
    from app.core.task import TaskSpec
    from app.store import tasks as task_store
    from app.store.models import Dependency, TaskRow

    rnd = random.Random(11)
    rows = []
    with store.write():
        for i in range(n):
            kind = rnd.random()
            if kind < 0.45:
                schedule: dict[str, Any] = {
                    "kind": "cron", "expr": f"{rnd.randrange(60)} {rnd.randrange(24)} * * *"}
            elif kind < 0.65:
                schedule = {"kind": "cron", "expr": f"{rnd.randrange(60)} {rnd.randrange(24)}"
                                                    f" * * {rnd.randrange(7)}"}
            elif kind < 0.80:
                schedule = {"kind": "cron", "expr": f"{rnd.randrange(60)} * * * *"}
            elif kind < 0.92:
                schedule = {"kind": "interval",
                            "seconds": rnd.choice((900, 1800, 3600, 21600))}
            else:
                at = now + timedelta(days=rnd.uniform(0.1, 28))
                schedule = {"kind": "date", "at": at.isoformat()}
            spec = TaskSpec.from_json({"name": f"task {i:05d}", "timezone": "UTC",
                                       "schedule": schedule,
                                       "action": {"kind": "command", "argv": ["true"]}},
                                      now=now)
            values = task_store.row_values(spec, spec.next_fire_time(now, now), now)
            rows.append({**values, "created_at": now - timedelta(days=30)})
        for i in range(0, n, 1000):
            TaskRow.insert_many(rows[i:i + 1000]).execute()
        ids = [r for (r,) in TaskRow.select(TaskRow.id).order_by(TaskRow.id).tuples()]
        edges = []
        for i in range(0, min(n, 3000), 6):  # 500 pipelines of six tasks
            chain = ids[i:i + 6]
            edges += [{"task": b, "upstream": a, "kind": "wait"}
                      for a, b in itertools.pairwise(chain)]
        for i in range(0, len(edges), 1000):
            Dependency.insert_many(edges[i:i + 1000]).execute()


def make_runs(store: Any, now: datetime, days: int, per_day: int) -> int:
    """Past runs of the first tasks, spread over the last days (succeeded, a few failed)."""
    from app.store.models import RunRow, TaskRow

    rnd = random.Random(5)
    ids = [r for (r,) in TaskRow.select(TaskRow.id).limit(2000).tuples()]
    rows = []
    for d in range(1, days + 1):
        for k in range(per_day):
            at = now - timedelta(days=d) + timedelta(seconds=86400 * k / per_day)
            status = "failed" if rnd.random() < 0.03 else "succeeded"
            rows.append({"task": rnd.choice(ids), "scheduled_for": at, "attempt": 1,
                         "status": status, "trigger": "schedule", "queued_at": at,
                         "started_at": at,
                         "finished_at": at + timedelta(seconds=rnd.uniform(1, 90))})
    with store.write():
        for i in range(0, len(rows), 2000):
            RunRow.insert_many(rows[i:i + 2000]).on_conflict_ignore().execute()
    return len(rows)


def random_dag(n: int, seed: int = 3, layers: int = 15) -> set[tuple[int, int]]:
    rnd = random.Random(seed)
    layer = [i * layers // n for i in range(n)]
    edges = set()
    for v in range(n):
        for _ in range(rnd.choice([0, 1, 1, 2])):
            cand = [u for u in range(max(0, v - 400), v) if 0 < layer[v] - layer[u] <= 2]
            if cand:
                edges.add((rnd.choice(cand), v))
    return edges


# -- the views -------------------------------------------------------------------------------


def bench_calendar(app: Any, service: Any, repeat: int) -> dict[str, Any]:
    from app.gui.background import Background
    from app.gui.calendar.data import period_for, read_period
    from app.gui.calendar.days import TimeView
    from app.gui.calendar.month import MonthGrid
    from app.gui.calendar.view import CalendarView

    out: dict[str, Any] = {}
    now = datetime.now().astimezone()
    edited = 0
    for mode in ("month", "week", "day"):
        period = period_for(mode, now.date())
        colds, _ = timed(functools.partial(read_period, service, period, now), 1)
        def again(p: Any = period) -> Any:  # each read at its own now, as the view reads
            return read_period(service, p, datetime.now().astimezone())

        reads, data = timed(again, repeat)
        edits = []
        for name in ("task 09007", "task 00007"):  # a lone task, then one in a pipeline
            edited += 1  # its schedule changes: its days are counted (or played) again
            service.update_task(name, {"schedule": {
                "kind": "cron", "expr": f"{edited} */{edited % 5 + 2} * * *"}})
            edits += timed(functools.partial(read_period, service, period,
                                             datetime.now().astimezone()), 1)[0]
        widget: Any = MonthGrid() if mode == "month" else TimeView()
        widget.resize(1150, 640)
        widget.set_data(data)
        widget.grab()  # first paint lays out; later ones measure the steady state

        def paint(w: Any = widget, d: Any = data) -> None:
            w.set_data(d)
            w.grab()

        paints, _ = timed(paint, repeat)
        past = sum(sum(d.past.values()) for d in data.days.values())
        future = sum(sum(d.future.values()) for d in data.days.values())
        ahead = [d for d in period.dates if d > now.date()]
        out[mode] = {"cold": ms(colds), "read": ms(reads),
                     "after_editing_a_lone_task": ms(edits[:1]),
                     "after_editing_a_task_with_dependencies": ms(edits[1:]),
                     "paint": ms(paints), "runs": past, "predicted": future,
                     "days_ahead": len(ahead),
                     "days_ahead_without_predictions": sum(
                         1 for d in ahead if not data.day(d).future),
                     "dispatcher_played_until": data.predicted_until.isoformat()
                     if data.predicted_until else None}
        log(f"calendar {mode}: cold {out[mode]['cold']} read {out[mode]['read']} after "
            f"edits {edits} paint {out[mode]['paint']}")
    background = Background()
    view = CalendarView(service, background)
    view.resize(1150, 700)
    view.show()
    first_paints: list[float] = []
    round_trips: list[float] = []
    target = period_for("month", now.date())
    for _ in range(repeat):  # a month opened afresh: its past first, then its predictions
        while view.busy:
            app.processEvents()
            time.sleep(0.001)
        view.data = None
        before = view.loads
        started = time.perf_counter()
        view.show_period(target)
        while view.data is None or view.data.period != target:
            app.processEvents()
            time.sleep(0.0005)
        view.month.repaint()
        first_paints.append(time.perf_counter() - started)
        while view.loads == before:
            app.processEvents()
            time.sleep(0.001)
        view.month.repaint()
        round_trips.append(time.perf_counter() - started)
    view.hide()
    background.wait()
    out["month_first_paint_past_runs"] = ms(first_paints)
    out["month_round_trip_with_predictions"] = ms(round_trips)
    log(f"calendar month: first paint {out['month_first_paint_past_runs']}, "
        f"with predictions {out['month_round_trip_with_predictions']}")
    return out


def bench_table(app: Any, repeat: int, tasks: int = 100_000) -> dict[str, Any]:
    """A window opened over `tasks` tasks: from building it to the first rows shown."""
    from app.gui.main_window import MainWindow
    from app.gui.session import Session
    from app.service import Service
    from app.store.database import Store

    home = Path(tempfile.mkdtemp(prefix="tickwork-table-"))
    store = Store.open(home / "home", actor="gui")
    make_tasks(store, tasks, datetime.now(UTC))
    opened: list[float] = []
    for _ in range(repeat):
        service = Service(store, "gui")
        session = Session(store, service, None)
        started = time.perf_counter()
        window = MainWindow(session)
        window.show()
        while window.tasks_model.rowCount() == 0:
            app.processEvents()
            time.sleep(0.0005)
        opened.append(time.perf_counter() - started)
        window.hide()
        session.stop()
        window.deleteLater()
        app.processEvents()
    store.close()
    out = {"tasks": tasks, "first_rows": ms(opened)}
    log(f"table with {tasks:,} tasks: first rows {out['first_rows']}")
    return out


def bench_graph(app: Any, service: Any, repeat: int) -> dict[str, Any]:
    from app.gui.graph.canvas import GraphCanvas
    from app.gui.graph.data import Edge, Filter, GraphData, Node, read_graph
    from app.gui.graph.drawing import build
    from app.gui.graph.layout import layout
    from app.gui.qt import QPointF

    edges = random_dag(2000)
    times, laid = timed(lambda: layout(range(2000), edges), repeat)
    out: dict[str, Any] = {"nodes": 2000, "edges": len(edges), "layout": ms(times),
                           "crossings": laid.crossings}
    log(f"graph layout 2000: {out['layout']}")
    reads, data = timed(lambda: read_graph(service), max(1, repeat // 2))
    out["read_10000_tasks"] = ms(reads)
    lays, _ = timed(lambda: data.laid_out(Filter()), 1)
    out["layout_10000_tasks"] = ms(lays)
    nodes = {i: Node(i, f"task {i:04d}", True, "cron", "succeeded" if i % 7 else "failed")
             for i in range(2000)}
    graph = GraphData(nodes, [Edge(u, d, "wait") for u, d in edges])
    canvas = GraphCanvas()
    canvas.resize(1150, 640)
    canvas.show()
    canvas.set_drawing(graph, build(graph, laid, graph.edges))
    app.processEvents()
    fitted, _ = timed(canvas.repaint, repeat * 2)
    canvas.scale = 1.0
    steps = []
    for k in range(repeat * 4):  # a pan: move, repaint
        canvas.offset = canvas.offset + QPointF(-25, -15 if k % 2 else 15)
        started = time.perf_counter()
        canvas.repaint()
        steps.append(time.perf_counter() - started)
    out["repaint_fitted_2000"] = ms(fitted)
    out["pan_step_zoomed_2000"] = ms(steps)
    try:
        from grandalf.graphs import Edge as GEdge
        from grandalf.graphs import Graph, Vertex
        from grandalf.layouts import SugiyamaLayout

        class View:
            w, h = 180, 40

        def grandalf() -> None:
            vs = [Vertex(i) for i in range(2000)]
            for v in vs:
                v.view = View()
            g = Graph(vs, [GEdge(vs[a], vs[b]) for a, b in edges])
            for comp in g.C:
                sug = SugiyamaLayout(comp)
                sug.init_all()
                sug.draw(2)

        gtimes, _ = timed(grandalf, 1)
        out["grandalf_layout_same_graph"] = ms(gtimes)
    except ImportError:
        out["grandalf_layout_same_graph"] = None
    app.processEvents()
    return out


def bench_metrics(app: Any, service: Any, repeat: int) -> dict[str, Any]:
    from app.engine.events import MetricsSampled
    from app.gui.background import Background
    from app.gui.metrics.data import MetricHistory
    from app.gui.metrics.view import SPANS, MetricsView

    rnd = random.Random(2)
    now = datetime.now(UTC)
    history = MetricHistory()
    for i in range(24 * 3600, 0, -1):
        history.add(now - timedelta(seconds=i), {
            "cpu": 30 + 20 * math.sin(i / 500) + rnd.random() * 5, "memory": 50.0,
            "disk": 60.0, "running": rnd.randrange(5), "queued": rnd.randrange(3),
            "fires_per_min": rnd.randrange(100), "lateness_p99_ms": rnd.random() * 10})
    background = Background()
    view = MetricsView(service, background)
    view.resize(1150, 640)
    view.loaded = True
    view.history = history
    view.show()
    app.processEvents()
    out: dict[str, Any] = {}
    for label, seconds in SPANS:
        view.set_span(seconds)
        view.canvas.viewport().repaint()
        costs = []
        for k in range(repeat * 6):
            at = now + timedelta(seconds=k + 1 + seconds)
            started = time.perf_counter()
            view.on_samples([MetricsSampled(at, "system", {
                "cpu": 40.0, "memory": 50.0, "disk": 60.0, "running": 2, "queued": 1,
                "fires_per_min": 50, "lateness_p99_ms": 4.0}, None)])
            view.redraw(at.timestamp())
            view.canvas.viewport().repaint()
            costs.append(time.perf_counter() - started)
        out[label] = ms(costs)
        log(f"metrics tick {label}: {out[label]}")
    view.hide()
    background.wait()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--only", default="calendar,graph,metrics,table",
                        help="which views, comma-separated")
    args = parser.parse_args()
    only = set(args.only.split(","))
    repeat = 3 if args.quick else 7

    from app.gui.qt import QApplication
    from app.service import Service
    from app.store.database import Store

    app = QApplication.instance() or QApplication([])
    home = Path(tempfile.mkdtemp(prefix="tickwork-views-"))
    store = Store.open(home / "home", actor="gui")
    now = datetime.now(UTC)
    log(f"writing {args.tasks:,} tasks and past runs")
    make_tasks(store, args.tasks, now)
    runs = make_runs(store, now, 14, 5000)
    service = Service(store, "gui")
    results: dict[str, Any] = {"tasks": args.tasks, "past_runs": runs,
                               "environment": environment_info()}
    for name, bench in (("calendar", bench_calendar), ("graph", bench_graph),
                        ("metrics", bench_metrics)):
        if name not in only:
            continue
        try:
            results[name] = bench(app, service, repeat)
        except Exception as exc:  # report and carry on with the other views
            log(f"{name} failed: {type(exc).__name__}: {exc}")
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    store.close()
    try:
        if "table" in only:
            results["table"] = bench_table(app, repeat)
    except Exception as exc:
        log(f"table failed: {type(exc).__name__}: {exc}")
        results["table"] = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
