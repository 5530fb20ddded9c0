"""What the dispatcher hands the writer when a task fires, in order. The writer commits in
groups, and a kill -9 may land between two commits: whatever prefix of the writes survived,
no fire may be lost. So a fire's claim is handed over before the task's next fire time (a
next fire committed without its fire's claim would move the task past a fire that never
ran, and no catch-up would see it); a claim committed without the next fire is caught up
as the fire it is, and the ledger's unique key turns the second claim away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.schedule import Schedule
from app.core.task import Action, Task, TaskSpec
from app.engine.simulated import Done, MemoryLedger, SimulatedEngine

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class OrderedLedger(MemoryLedger):
    """The real dispatcher's writes as the writer receives them."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[str, int, str | None]] = []

    def claim(self, row: tuple[Any, ...], done: Done) -> None:
        self.writes.append(("claim", row[0], row[1]))
        super().claim(row, done)

    def next_run(self, task_id: int, next_run_at: str | None) -> None:
        self.writes.append(("next", task_id, next_run_at))


def test_a_fire_is_claimed_before_the_task_moves_past_it() -> None:
    ledger = OrderedLedger()
    tasks = [Task(i, TaskSpec(name=f"t{i}", action=Action(kind="python", target="x:y"),
                              schedule=Schedule(kind="cron", expr="* * * * *")),
                  next_run_at=T0 + timedelta(minutes=1), created_at=T0) for i in (1, 2)]
    sim = SimulatedEngine(tasks, [], start=T0, workers=2, outcome=lambda a: (1.0, "succeeded"),
                          ledger=ledger)
    sim.run(until=T0 + timedelta(minutes=5))
    claims = [(t, f) for (k, t, f) in ledger.writes if k == "claim"]
    moves = [(i, t, f) for i, (k, t, f) in enumerate(ledger.writes) if k == "next" and f]
    assert len(claims) == 10 and len(moves) >= 8, ledger.writes
    for index, task_id, when in moves:  # a move past a fire comes after that fire's claim
        before = {f for (k, t, f) in ledger.writes[:index] if k == "claim" and t == task_id}
        passed = {f for (t, f) in claims if t == task_id and f is not None and f < when}
        assert passed <= before, ledger.writes[:index + 1]
