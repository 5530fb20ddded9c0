"""What the ledger keeps of runs sent to Celery workers: each run's Celery task id, and the
audit of a result that came for a run already settled (a lost worker's late word)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.store import audit
from app.store.models import RunRow, TaskRow


def record_celery_id(run_id: int, celery_id: str) -> None:
    """The Celery task id a run was sent as (inside the writer's transaction)."""
    RunRow.update(celery_id=celery_id).where(RunRow.id == run_id).execute()


def audit_ignored_result(run_id: int, detail: dict[str, Any], now: datetime) -> None:
    """Audit a worker's result that the engine ignored (inside a write transaction)."""
    row = (RunRow.select(RunRow.id, RunRow.status, TaskRow.name).join(TaskRow)
           .where(RunRow.id == run_id).tuples().first())
    target = f"{row[2]}#{run_id}" if row else f"#{run_id}"
    settled = {"status": row[1]} if row else None
    audit.append("engine", "run.result_ignored", target, settled, detail, now)
