"""Every view opens with 10,000 tasks, and the calendar month and the graph paint fast."""

from __future__ import annotations

from typing import Any


def insert_tasks(service: Any, count: int) -> None:
    """`count` tasks imported in one go, as `tickwork import` or File → Import creates them
    (checked, next fires computed, audited): a mix of daily and hourly crons, intervals and
    one-shots, so the month has predictions."""
    from datetime import UTC, datetime, timedelta

    from app.core.task import TaskSpec

    now = datetime.now(UTC)
    specs = []
    for i in range(count):
        kind = i % 10
        if kind < 5:
            schedule = {"kind": "cron", "expr": f"{i % 60} {i % 24} * * *"}
        elif kind < 7:
            schedule = {"kind": "cron", "expr": f"{i % 60} * * * *"}
        elif kind < 9:
            schedule = {"kind": "interval", "seconds": 3600 * (1 + i % 6)}
        else:
            schedule = {"kind": "date", "at": (now + timedelta(hours=1 + i % 600))
                        .isoformat()}
        specs.append(TaskSpec.from_json({"name": f"task {i:05d}", "timezone": "UTC",
                                         "schedule": schedule,
                                         "action": {"kind": "command", "argv": ["true"]}},
                                        now=now))
    assert service.import_specs(specs, "test", now).created == [s.name for s in specs]


def _chains(store: Any, count: int, length: int) -> int:
    """Dependency chains among the first tasks (the graph has layers to lay out)."""
    from app.store.models import Dependency, TaskRow

    ids = [i for (i,) in TaskRow.select(TaskRow.id).order_by(TaskRow.id)
           .limit(count * length).tuples()]
    rows = [{"task": ids[i + 1], "upstream": ids[i], "kind": "wait"}
            for i in range(len(ids) - 1) if (i + 1) % length]
    with store.write():
        Dependency.insert_many(rows).execute()
    return len(rows)


def test_every_view_opens_with_10000_tasks(home: Any, qtbot: Any) -> None:
    from app.gui.main_window import VIEWS, MainWindow
    from app.gui.session import Session
    from app.service import Service
    from app.store.database import Store

    store = Store.open(home, actor="gui")
    service = Service(store, "gui")
    insert_tasks(service, 10_000)
    edges = _chains(store, 300, 5)
    session = Session(store, service, None)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.resize(1280, 760)
    window.show()
    try:
        ready = {
            "Tasks": lambda: window.tasks_model.total == 10_000,
            "Calendar": lambda: window.calendar_view.loaded,
            "Graph": lambda: window.graph_view.loaded,
            "Runs": lambda: window.runs_model.ever_loaded,
            "Metrics": lambda: window.metrics_view.loaded,
            "Audit": lambda: window.audit_model.ever_loaded,
        }
        for i, name in enumerate(VIEWS):  # how long each takes is in `make bench`
            window.show_view(i)
            qtbot.waitUntil(ready[name], timeout=30_000)
        calendar = window.calendar_view
        data = calendar.data
        assert data is not None and data.period.mode == "month"
        predicted = sum(sum(d.future.values()) for d in data.days.values())
        assert predicted > 10_000
        window.show_view(1)
        calendar.month.set_data(data)
        calendar.month.repaint()

        graph = window.graph_view
        assert len(graph.canvas.rects) == 10_000 and len(graph.canvas.edges) == edges
        window.show_view(2)
        graph.canvas.repaint()
    finally:
        window.hide()
        session.stop()
        store.close()
