"""Fallback tasks: run once when the last attempt fails, linked to that failed run."""

from __future__ import annotations

from typing import Any

from app.engine.events import Notification, RunChanged
from tests.conftest import command_task
from tests.engine.conftest import Recorder, finished_runs, soon, wait_until


def fails(name: str, **extra: Any) -> dict[str, Any]:
    return command_task(name, action={"kind": "command", "argv": ["false"]}, **extra)


def test_fallback_follows_the_last_attempt_and_links_to_it(engine: Any, service: Any,
                                                           events: Recorder) -> None:
    engine.start()
    service.create_task(command_task("rescue"))
    service.create_task(fails("main", retries=2, retry_delay=0.1, fallback="rescue"))
    service.run_now("main")
    (fb,) = wait_until(lambda: finished_runs(service, "rescue"), 8)
    attempts = sorted(finished_runs(service, "main"), key=lambda r: r.attempt)
    assert [r.status for r in attempts] == ["failed", "failed", "failed"]
    last = attempts[-1]
    assert fb.trigger == "fallback" and fb.status == "succeeded"
    assert fb.parent_run_id == last.id
    assert fb.reason == f"fallback for main run {last.id} (failed)"
    note = wait_until(lambda: events.of(Notification), 3)[0]
    assert note.kind == "failure" and note.run_id == last.id
    engine.writer.flush()
    assert len(finished_runs(service, "rescue")) == 1  # not once per attempt


def test_a_failed_attempt_says_what_followed_it(engine: Any, service: Any) -> None:
    """Each failed attempt's note names the run that followed it: its retry, and after the
    last its task's fallback (a failed attempt's details did not say what came of it)."""
    engine.start()
    service.create_task(command_task("rescue {db}"))  # (braces: no str.format of the name)
    service.create_task(fails("main", retries=1, retry_delay=0.1, fallback="rescue {db}"))
    service.run_now("main")
    (fb,) = wait_until(lambda: finished_runs(service, "rescue {db}"), 8)
    first, last = sorted(finished_runs(service, "main"), key=lambda r: r.attempt)
    wait_until(lambda: "fell back" in (service.get_run(last.id).reason or ""), 5)
    assert service.get_run(first.id).reason == f"retried as run {last.id}"
    assert service.get_run(last.id).reason == (
        f"retry of run {first.id} (attempt 1 failed: exit code 1), due 0.1 s after it ended, "
        f"the retry delay ± 10 %; fell back to “rescue {{db}}”, run {fb.id}")
    assert service.get_run(first.id).status == "failed"  # its status as it was


def test_fallback_after_a_timeout_but_not_after_success_or_cancel(engine: Any,
                                                                  service: Any) -> None:
    engine.start()
    service.create_task(command_task("rescue"))
    service.create_task(command_task("slow", action={"kind": "command", "argv": ["sleep", "5"]},
                                     timeout=0.3, fallback="rescue"))
    service.create_task(command_task("fine", fallback="rescue"))
    service.create_task(command_task("stopped", action={"kind": "command",
                                                        "argv": ["sleep", "5"]},
                                     fallback="rescue"))
    ok = service.run_now("fine")
    wait_until(lambda: service.get_run(ok.id).status == "succeeded", 5)
    stop = service.run_now("stopped")
    wait_until(lambda: service.get_run(stop.id).status == "running", 5)
    service.cancel_run(stop.id)
    wait_until(lambda: service.get_run(stop.id).status == "cancelled", 5)
    timed = service.run_now("slow")
    (fb,) = wait_until(lambda: finished_runs(service, "rescue"), 8)
    assert service.get_run(timed.id).status == "timed_out"
    assert fb.parent_run_id == timed.id and "(timed_out)" in (fb.reason or "")
    engine.writer.flush()
    assert len(finished_runs(service, "rescue")) == 1


def test_a_run_skipped_for_its_upstream_does_not_call_its_fallback(engine: Any,
                                                                   service: Any) -> None:
    engine.start()
    when = soon(1.0)
    service.create_task(command_task("rescue"))
    service.create_task(fails("up", schedule={"kind": "date", "at": when}))
    service.create_task(command_task("down", depends_on=["up"], fallback="rescue",
                                     schedule={"kind": "date", "at": when}))
    (down,) = wait_until(lambda: finished_runs(service, "down"), 6)
    assert down.status == "skipped"
    engine.writer.flush()
    assert finished_runs(service, "rescue") == []


def test_a_failed_attempt_s_end_is_one_event_carrying_what_followed_it(
        engine: Any, service: Any, events: Recorder) -> None:
    """The end of an attempt that a retry or a fallback follows went out twice: as the end,
    then again with the note naming that run. One event now, carrying the note."""
    engine.start()
    service.create_task(command_task("rescue"))
    service.create_task(fails("main", retries=1, retry_delay=0.1, fallback="rescue"))
    service.run_now("main")
    (fb,) = wait_until(lambda: finished_runs(service, "rescue"), 8)
    first, last = sorted(finished_runs(service, "main"), key=lambda r: r.attempt)
    wait_until(lambda: [e for e in events.of(RunChanged)
                        if e.run_id == last.id and e.status == "failed"], 5)
    engine.writer.flush()
    for run, note in ((first, f"retried as run {last.id}"),
                      (last, f"fell back to “rescue”, run {fb.id}")):
        ends = [e for e in events.of(RunChanged) if e.run_id == run.id and e.status == "failed"]
        assert [e.reason for e in ends] == [note], ends
        assert ends[0].attempt == run.attempt


def test_the_fallback_s_end_is_told_after_the_failure_it_followed(
        engine: Any, service: Any, events: Recorder) -> None:
    """The failure's notification said nothing of the fallback that then ran: its end is
    told after it ("main failed; its fallback “rescue” succeeded"), in place of the
    fallback's own (one bubble for it), also when the fallback needed a retry."""
    engine.start()
    service.create_task(command_task("rescue", notify="always"))
    service.create_task(fails("main", fallback="rescue"))
    flaky = service.store.home / "flaky-once"
    service.create_task(command_task(
        "rescue-twice", retries=1, retry_delay=0.1,
        action={"kind": "command", "argv": ["sh", "-c", f"test -e {flaky} || "
                                            f"{{ touch {flaky}; exit 1; }}"]}))
    service.create_task(fails("other", fallback="rescue-twice"))
    service.create_task(command_task("gives-up", action={"kind": "command",
                                                         "argv": ["false"]}))
    service.create_task(fails("hopeless", fallback="gives-up"))
    main = service.run_now("main")
    (fb,) = wait_until(lambda: finished_runs(service, "rescue"), 8)
    told = wait_until(lambda: events.of(Notification)[1:], 5)
    engine.writer.flush()
    first, second = events.of(Notification)
    assert (first.kind, first.title, first.run_id) == ("failure", "main failed", main.id)
    assert (second.kind, second.title) == ("rescued",
                                           "main failed; its fallback “rescue” succeeded")
    assert second.message == f"run {fb.id} of “rescue”, after run {main.id} of “main”"
    # about the failed run (Open log shows it, Retry now runs its task), in its entry's place
    assert (second.run_id, second.task_id, second.replaces) == (main.id, main.task_id, main.id)
    assert told == [second]

    other = service.run_now("other")
    wait_until(lambda: [r for r in finished_runs(service, "rescue-twice")
                        if r.status == "succeeded"], 8)
    wait_until(lambda: len(events.of(Notification)) == 4, 5)
    assert [n.title for n in events.of(Notification)[2:]] == [
        "other failed", "other failed; its fallback “rescue-twice” succeeded"]
    assert flaky.exists() and events.of(Notification)[2].run_id == other.id

    hopeless = service.run_now("hopeless")
    (gave_up,) = wait_until(lambda: finished_runs(service, "gives-up"), 8)
    wait_until(lambda: len(events.of(Notification)) == 6, 5)
    fail, sequel = events.of(Notification)[4:]
    assert (fail.title, fail.run_id) == ("hopeless failed", hopeless.id)
    assert (sequel.kind, sequel.title, sequel.run_id) == (
        "failure", "hopeless failed; its fallback “gives-up” failed too", hopeless.id)
    assert sequel.message == (f"run {gave_up.id} of “gives-up”, after run {hopeless.id} of "
                              "“hopeless”")
    engine.writer.flush()
    assert len(events.of(Notification)) == 6  # not the fallback's own "gives-up failed" too


def test_a_fallback_renamed_or_changed_while_the_run_ran_is_the_one_that_runs(
        engine: Any, service: Any) -> None:
    """The fallback was looked up by the name the failed run's copy of its task gave it:
    renamed while the run ran, no fallback ran, without a word; changed to another task,
    the old one ran (a fault hunt). The fallback the task has when its run fails runs."""
    engine.start()
    go = service.store.home / "go"
    waits = {"kind": "command", "argv": ["sh", "-c", f"until [ -e {go} ]; do sleep 0.05; "
                                         "done; exit 1"]}
    service.create_task(command_task("rescue"))
    service.create_task(command_task("other rescue"))
    service.create_task(command_task("main", action=waits, fallback="rescue"))
    service.create_task(command_task("second", action=waits, fallback="rescue"))
    main, second = service.run_now("main"), service.run_now("second")
    wait_until(lambda: all(service.get_run(r.id).status == "running" for r in (main, second)),
               10)
    service.update_task("rescue", {"name": "renamed rescue"})
    service.update_task("second", {"fallback": "other rescue"})
    go.touch()
    (renamed,) = wait_until(lambda: finished_runs(service, "renamed rescue"), 10)
    (other,) = wait_until(lambda: finished_runs(service, "other rescue"), 10)
    assert (renamed.parent_run_id, other.parent_run_id) == (main.id, second.id)
    wait_until(lambda: "fell back" in (service.get_run(main.id).reason or ""), 5)
    assert service.get_run(main.id).reason == f"fell back to “renamed rescue”, run {renamed.id}"


def test_a_fallback_cancelled_before_it_started_is_forgotten(
        engine: Any, service: Any, events: Recorder) -> None:
    """A fallback of a told failure is held for its sequel until it ends; one cancelled
    while it waited for its turn (its group full) never reached its end, and was held for
    the engine's life (a fault hunt). It is let go, and no sequel is told for it."""
    engine.start()
    service.create_task(command_task("hog", group="pool", group_limit=1,
                                     action={"kind": "command", "argv": ["sleep", "30"]}))
    service.create_task(command_task("rescue", group="pool", group_limit=1))
    service.create_task(fails("main", fallback="rescue"))
    hog = service.run_now("hog")
    wait_until(lambda: service.get_run(hog.id).status == "running", 8)
    service.run_now("main")
    rescue = wait_until(lambda: [r for r in service.list_runs(task="rescue")
                                 if r.status == "waiting"], 8)[0]  # (held: "pool" is full)
    assert engine.dispatcher.follows.rescues  # held for its sequel while it waits
    service.cancel_run(rescue.id)
    wait_until(lambda: service.get_run(rescue.id).status == "cancelled", 8)
    engine.writer.flush()
    assert not engine.dispatcher.follows.rescues
    assert [n.title for n in events.of(Notification)] == ["main failed"]
    service.cancel_run(hog.id)
