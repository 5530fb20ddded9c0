"""The storm rule (app/engine/storm.py) on times it is given: no clock, no sleep.

A task failing every second, or 500 tasks failing at once, was a desktop bubble per run:
now the first few of a window get their own, the rest one summary at the window's end,
kept up to date (in place) while the storm goes on; a quiet window ends it. The notifier's
queue is bounded, and what it could not keep is counted, by task."""

from __future__ import annotations

from datetime import UTC, datetime

from app.engine.events import Notification, RunChanged
from app.engine.storm import BUDGET, WINDOW, Inbox, Storm


def failed(task: str, run_id: int, kind: str = "failure") -> Notification:
    words = {"failure": "failed", "success": "succeeded"}
    return Notification(kind, f"{task} {words.get(kind, kind)}", "exit code 1", run_id, 1,
                        task=task)


def test_the_first_few_have_a_bubble_the_rest_one_summary_at_the_window_s_end() -> None:
    storm = Storm()
    admitted = [storm.admit(failed("backup" if i % 5 else "sync", i), now=i * 0.1)
                for i in range(42)]
    assert admitted == [True] * BUDGET + [False] * (42 - BUDGET)
    assert storm.due() == WINDOW
    assert storm.close(now=WINDOW - 0.01) is None  # not yet
    summary = storm.close(now=WINDOW)
    assert summary is not None
    note = summary.note()
    # of 42: 0, 5, 10 … are "sync" (9 of them), 3 of which (0 and the first four backups
    # aside) had a bubble of their own
    assert note.title == "37 more runs failed"
    assert note.message == "backup ×29, sync ×8"
    assert (note.kind, note.run_id, note.task_id) == ("failure", 41, None)  # Open log: newest


def test_a_storm_that_goes_on_updates_one_summary_and_a_quiet_window_ends_it() -> None:
    storm = Storm(budget=2, window=10)
    assert [storm.admit(failed("backup", i), now=i) for i in range(4)] == [
        True, True, False, False]
    first = storm.close(now=10)
    assert first is not None and first.note().title == "2 more runs failed"
    # the storm goes on: no bubble of its own any more, the summary counts from the start
    assert [storm.admit(failed("backup", i), now=10 + i) for i in range(4, 7)] == [False] * 3
    second = storm.close(now=20)
    assert second is not None and second.storm == first.storm  # replaces the first
    assert second.note().title == "5 more runs failed"
    assert storm.close(now=30) is None  # a quiet window: the storm is over
    assert storm.due() is None
    assert storm.admit(failed("backup", 8), now=31)  # its own bubble again
    assert storm.admit(failed("backup", 9), now=32)
    assert not storm.admit(failed("backup", 10), now=33)
    third = storm.close(now=41)
    assert third is not None and third.storm != first.storm  # a new storm: a new bubble
    assert third.note().title == "1 more run failed"


def test_a_summary_of_many_tasks_names_the_most_and_counts_the_others() -> None:
    storm = Storm(budget=0, window=1)
    for i in range(30):
        storm.admit(failed("backup", i), now=0)
    for i in range(200):
        storm.admit(failed(f"job{i:03}", 100 + i), now=0)
    storm.admit(failed("report", 400, kind="success"), now=0)
    summary = storm.close(now=1)
    assert summary is not None
    note = summary.note()
    assert note.title == "231 more runs ended: 230 failed, 1 succeeded"
    assert note.message == ("failed: backup ×30, job000, job001, job002, job003 and 196 more;"
                            " succeeded: report")
    assert note.kind == "failure"


def test_the_engine_stopping_tells_what_was_folded() -> None:
    storm = Storm(budget=1, window=30)
    storm.admit(failed("backup", 1), now=0)
    storm.admit(failed("backup", 2), now=1)
    assert storm.close(now=2) is None
    final = storm.close(now=2, final=True)
    assert final is not None and final.note().title == "1 more run failed"
    assert Storm().close(now=0, final=True) is None  # nothing folded: nothing to say


def test_the_inbox_is_bounded_and_counts_what_it_could_not_keep() -> None:
    inbox = Inbox(bound=3)
    for i in range(10):
        inbox.put(failed("backup" if i < 8 else "sync", i))
    orphan = RunChanged(run_id=99, task_id=1, task_name="old", status="interrupted",
                        at=datetime.now(UTC))
    inbox.put(orphan)  # found at start-up: kept (as many as the last engine ran)
    dropped, newest = inbox.take_dropped()
    assert dropped == {("failed", "backup"): 5, ("failed", "sync"): 2}
    assert newest == 9
    assert inbox.take_dropped()[0] == {}
    kept = [inbox.get(0) for _ in range(4)]
    assert [getattr(k, "run_id", None) for k in kept] == [0, 1, 2, 99]
    assert inbox.get(0) is None
    inbox.close()
    assert inbox.get(None) is None and inbox.closed
    # what was not kept goes into the summary
    storm = Storm(budget=0, window=1)
    for (word, task), count in dropped.items():
        storm.fold(word, task, newest, now=0, count=count)
    summary = storm.close(now=1)
    assert summary is not None and summary.note().message == "backup ×5, sync ×2"
