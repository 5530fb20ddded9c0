"""A large import is one batch: its work grows with the number of tasks, not with its square,
and every task, edge, fallback and audit event lands exactly as it would one by one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.store.models import db
from benchmarks.import_tasks import export_file


def _import_counting(service: Any, path: Path) -> tuple[int, int]:
    """(SQL statements run, SQLite virtual-machine steps / 1000) of one import."""
    statements = 0
    steps = 0

    def on_statement(_sql: str) -> None:
        nonlocal statements
        statements += 1

    def on_progress() -> int:
        nonlocal steps
        steps += 1
        return 0

    con = db.connection()
    con.set_trace_callback(on_statement)
    con.set_progress_handler(on_progress, 1000)
    try:
        service.import_tasks(path, verify=False)
    finally:
        con.set_trace_callback(None)
        con.set_progress_handler(None, 0)
    return statements, steps


def test_import_work_grows_linearly_with_the_number_of_tasks(tmp_path: Path) -> None:
    from app.service import Service
    from app.store.database import Store

    measured = {}
    for n in (1000, 2000):
        path = tmp_path / f"e{n}.json"
        export_file(n, path)
        store = Store.open(tmp_path / f"home{n}")
        try:
            measured[n] = _import_counting(Service(store, "cli"), path)
        finally:
            store.close()
    (_, w1), (s2, w2) = measured[1000], measured[2000]
    # one row statement per task, edge, fallback and audit event, and a few for the batch
    assert s2 <= 4 * 2000 + 50
    # twice the tasks, about twice the work (checking each task against all: four times)
    assert w2 < 2.5 * w1, measured


def test_a_large_import_links_every_task(service: Any, tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    links = export_file(2000, path)
    report = service.import_tasks(path)
    assert len(report.created) == 2000
    tasks = {t.name: t for t in service.list_tasks()}
    assert len(tasks) == 2000
    assert sum(len(t.spec.depends_on) for t in tasks.values()) == links["depends_on"]
    assert sum(len(t.spec.schedule.after) for t in tasks.values()) == links["after"]
    assert sum(t.spec.fallback is not None for t in tasks.values()) == links["fallback"]
    assert tasks["t13"].spec.depends_on == ("t12",) and tasks["t13"].spec.fallback == "t0"
    assert tasks["t15"].spec.schedule.after == ("t14",) and tasks["t15"].next_run_at is None
    assert tasks["t3"].spec.group == "g3" and tasks["t3"].spec.group_limit == 2
    assert tasks["t1"].next_run_at is not None
    assert service.verify_audit().ok
    imported = service.audit_events(limit=3000, search="task.import")
    assert len(imported) == 2000
    assert imported[-1]["after"] == tasks["t0"].spec.to_json()
