"""The task table opens with 100,000 tasks showing one page, and pages as you scroll (how
long the first rows take is measured in `make bench`, benchmarks/views.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.gui.qt import QModelIndex


def insert_tasks(store: Any, count: int, now: datetime | None = None) -> None:
    """Rows with the columns `Service.create_task` writes, in bulk (the service validates and
    audits one task at a time: far too slow for 100k). Peewee builds the statement and
    converts one row; the rest go through `executemany` in one transaction."""
    from app.store.models import TaskRow, db, utc_text

    now = now or datetime.now(UTC)
    template = {
        "name": "", "description": "", "enabled": True, "tags": ["bulk"],
        "action": {"kind": "command", "argv": ["echo", "x"], "shell": False, "cwd": None},
        "action_text": "", "schedule": {"kind": "interval", "seconds": 60},
        "schedule_kind": "interval", "timezone": "UTC", "start_at": None, "end_at": None,
        "priority": 0, "retries": 0, "retry_delay": 10.0, "backoff": "fixed",
        "timeout": None, "max_instances": 1, "overlap": "skip", "group": None,
        "catch_up": "once", "env": {}, "secret_env": {},
        "notify": {"on_failure": True, "on_success": False}, "dependency_timeout": None,
        "next_run_at": now, "created_at": now, "updated_at": now,
    }
    sql, params = TaskRow.insert(**template).sql()
    columns = [c.strip('" ') for c in sql[sql.index("(") + 1:sql.index(")")].split(",")]
    at = {name: columns.index(name) for name in ("name", "tags", "action", "action_text",
                                                 "schedule", "priority", "next_run_at")}
    next_runs = {s: utc_text(now + timedelta(days=365, seconds=s))  # 3,600 distinct
                 for s in range(60, 60 + min(count, 3600))}
    rows = []
    for i in range(count):
        seconds = 60 + i % 3600
        row = list(params)
        row[at["name"]] = f"task {i:06d}"
        row[at["tags"]] = f'["bulk","group{i % 10}"]'
        row[at["action"]] = (f'{{"argv":["echo","{i}"],"cwd":null,"kind":"command",'
                             f'"shell":false}}')
        row[at["action_text"]] = f"echo {i}"
        row[at["schedule"]] = f'{{"kind":"interval","seconds":{seconds}}}'
        row[at["priority"]] = i % 7
        row[at["next_run_at"]] = next_runs[seconds]
        rows.append(row)
    with store.write():
        for i in range(0, count, 10_000):
            db.connection().executemany(sql, rows[i:i + 10_000])


def test_table_opens_with_100k_tasks_one_page_at_a_time(home: Any, qtbot: Any) -> None:
    from app.gui.main_window import MainWindow
    from app.gui.session import Session
    from app.service import Service
    from app.store.database import Store

    store = Store.open(home, actor="gui")
    insert_tasks(store, 100_000)
    service = Service(store, "gui")
    session = Session(store, service, None)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    model = window.tasks_model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=5000)
    try:
        assert model.total == 100_000
        assert window.tasks_view.count.text() == "100,000 tasks"
        assert model.rowCount() <= model.page_size  # one page read, not 100,000 rows
        # scrolling to the end of what is loaded fetches the next page, off the GUI thread
        table = window.tasks_view.table
        for _ in range(3):
            before = model.rowCount()
            table.scrollToBottom()
            qtbot.waitUntil(lambda b=before: model.rowCount() > b, timeout=5000)
        assert model.rowCount() >= 4 * model.page_size
        assert model.canFetchMore(QModelIndex())
        names = [r.task.name for r in model.rows]
        assert names == sorted(names) and len(set(names)) == len(names)
        window.tasks_view.search.setText("task 09999")
        qtbot.waitUntil(lambda: model.total == 10, timeout=5000)
    finally:
        window.hide()
        session.stop()
        store.close()
