"""What a dead engine left behind: the runs it had claimed and not finished (orphans).

Runs a dead engine had claimed but not finished (`queued`, `waiting`, `running`) become
`interrupted` — except those its log of hand-offs shows no worker ever had (handoffs.py),
which are given back unclaimed and run as they are, and those whose command ended while no
engine ran, its end kept by its launcher (app/engine/launcher/ends.py), which are recorded
as they ended; the engine then retries the interrupted by their task's policy
(at-least-once: an action that was running when the process died may run again, and a
checkpoint lets it resume). Before that, every process such a run left behind is stopped
and gone (`processes`: its group, while the leader's pid still has the recorded start time,
its tree, and whatever carries its token, setsid escapees included), so a retry never runs
beside the attempt it replaces; first the dead engine's launchers and Python workers are
killed (lineage.py), so none starts a command or action it was handed but had not read, and
none keeps an end after the ends are read. The run becomes `interrupted` and its retry is
claimed (`retrying`, due at once) in one commit — the same `ledger.interrupt` a graceful
stop uses (`control.interrupt`) — so a kill between the two cannot lose the retry.

The window between a command's start and the commit of its `running` row (which carries
its process group): a `kill -9` there leaves the row `queued` with no group, but the
process carries the token `<run id>@<engine id>`, both committed with the claim before the
run started, so it is found and stopped all the same.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from app.core.errors import TickworkError
from app.core.nouns import plural
from app.core.policy import should_retry
from app.core.run import NEXT_START, Run
from app.engine import handoffs, lineage, processes
from app.engine.attempts import Sink, resolve_secrets
from app.engine.dispatcher import Dispatcher
from app.engine.executor import KILL_GRACE, Attempt
from app.engine.launcher import ends
from app.engine.launcher.client import outcome
from app.engine.outcomes import cut_off
from app.engine.recorder import checkpoint_path
from app.engine.records import RUNNING, RunRecord
from app.store import cancels, ledger, task_queries
from app.store import runs as run_store
from app.store.database import Store
from app.store.times import utc_text

log = logging.getLogger("tickwork.engine")

INTERRUPTIBLE = ("queued", "waiting", "running")
SECRETS_WAIT = 5.0  # seconds the start waits for the keyring to mask a kept end's checkpoint
DIED = "the engine died (killed, crashed or frozen)"  # not "stopped": no stop was asked

@dataclass(frozen=True, slots=True)
class Orphan:
    """A run a dead engine claimed and never finished, with what it knows of its processes."""

    id: int
    task_id: int
    fire: datetime
    attempt: int
    status: str
    engine: str
    pgid: int | None
    leader_created: float | None
    celery_id: str | None = None  # sent to a Celery worker (app/remote)
    due_at: datetime | None = None  # when it was due (a retry's backoff end), for its lateness


def orphans() -> list[Orphan]:
    """Runs claimed by an engine (now dead: we hold the lock) and not finished."""
    return [Orphan(*row) for row in run_store.claimed_unfinished(INTERRUPTIBLE)]


Ended = tuple[Orphan, ends.End]  # a run whose command ended while no engine ran, and how


def stop_helpers(found: list[Orphan]) -> None:
    """Kill the dead engines' launchers and Python workers and wait until they are gone: one
    that had not yet read the last command handed to it would start it later, beside its
    retry, and a launcher still watching a command would keep its end after it was read."""
    helpers = processes.stop_helpers({pid for o in found
                                      if (pid := lineage.local_pid(o.engine)) is not None})
    if helpers:
        log.warning("killed a dead engine's launchers or Python workers: %s",
                    plural(helpers, "process"))


def stop_leftovers(found: list[Orphan], grace: float = KILL_GRACE) -> None:
    """Stop every process the orphaned runs left running, and wait until they are gone (their
    engines' helpers are gone already: `stop_helpers`)."""
    if not found:
        return
    runs = [processes.RunProcesses(processes.run_token(o.id, o.engine), o.pgid,
                                   o.leader_created) for o in found]
    stopped, _stuck = processes.stop_all(runs, grace)
    if stopped:  # (by the runs that left them: not those held back or queued)
        log.warning("stopped %s left running by %s of a dead engine",
                    plural(stopped, "process"), plural(sum(1 for r in runs if r.seen), "run"))
    remote = [o.celery_id for o in found if o.celery_id]
    if remote:  # on Celery workers: stopped there before the retry is claimed
        from app.remote.broker import broker_url
        from app.remote.orphans import stop_orphans

        try:
            url = broker_url()
        except TickworkError as exc:
            log.warning("cannot stop a dead engine's runs on Celery workers: %s", exc)
        else:
            stop_orphans(url, remote)


def interrupt_orphans(found: list[Orphan], now: datetime, engine_id: str,
                      settled: list[Orphan] | None = None) -> list[Run]:
    """Mark the orphans interrupted and claim each one's retry, else its fallback, by its
    task's policy (in the caller's transaction); return them as they were (for the events).
    Those that get no retry are added to `settled`."""
    ids = [o.id for o in found]
    policies = task_queries.policies_of({o.task_id for o in found})
    out = run_store.by_ids_unordered(ids)
    for o in found:
        name, retries, fallback = policies.get(o.task_id, ("", 0, None))
        follows = cut_off(o.id, name, o.task_id, o.fire, o.attempt, retries, fallback, engine_id)
        ledger.interrupt(o.id, now, f"{DIED} while this run was {o.status}", **follows)
        if "retry" not in follows and settled is not None:
            settled.append(o)
    return out


def never_handed(home: Path, found: list[Orphan]) -> list[Orphan]:
    """The orphans no worker ever had, by their engines' logs of hand-offs (handoffs.py):
    queued or held back, not in a whole log of their engine."""
    logs: dict[str, set[int] | None] = {}
    out = []
    for o in found:
        if o.status not in ("queued", "waiting"):
            continue
        if o.engine not in logs:
            logs[o.engine] = handoffs.handed(home, o.engine)
        handed = logs[o.engine]
        if handed is not None and o.id not in handed:
            out.append(o)
    return out


def settle_orphans(store: Store, now: datetime, engine_id: str, *, logs: bool = False,
                   ended: list[Ended] | None = None) -> list[Run]:
    """Stop what a dead engine left running and mark its runs interrupted, claiming their
    retries for `engine_id` (an engine's start, or a restore: the next engine takes those
    over); the runs as they were. With `logs` (an engine's start), the runs the dead
    engines' logs show were never handed to a worker are given back unclaimed instead: the
    start adopts them and runs them as they are, whatever their retries. Given `ended` (an
    engine's start), the runs whose command ended while no engine ran, its end kept by its
    launcher, go there instead, to be recorded as they ended (`record_ended`); without it (a
    restore) they are left as they are, for the next start."""
    with store.read():
        found = orphans()
    if found:
        stop_helpers(found)  # (first: none writes an end after it is read)
    kept = kept_ends(store.home, found)
    kept_ids = {o.id for o, _ in kept}
    if ended is not None:
        ended.extend(kept)
        ends.sweep(store.home, kept_ids)
    # (a restore leaves them unfinished, their ends kept: the next start records them — a
    # retry claimed here ran a command that had succeeded again once the restore gave up)
    found = [o for o in found if o.id not in kept_ids]
    unstarted = never_handed(store.home, found) if logs else []
    stop_leftovers(found)
    settled: list[Orphan] = []
    with store.write():
        for o in unstarted:
            ledger.release(o.id, "the engine died before it started (no worker had it): "
                           f"{NEXT_START}")
        given = {o.id for o in unstarted}
        interrupted = interrupt_orphans([o for o in found if o.id not in given], now,
                                        engine_id, settled)
        cancels.take_over_retries(engine_id)
    handoffs.forget(store.home, {o.engine for o in found} - {engine_id})  # not its own
    for o in settled:  # a command's checkpoint file outlives its fire only for a retry
        checkpoint_path(store.home, o.task_id, o.fire).unlink(missing_ok=True)
    return interrupted


def kept_ends(home: Path, found: list[Orphan]) -> list[Ended]:
    """The orphans whose command's end its launcher kept (ends.py), each with that end."""
    return [(o, end) for o in found if o.celery_id is None
            and (end := ends.read(home, o.id, processes.run_token(o.id, o.engine)))]


def record_ended(store: Store, d: Dispatcher, ended: list[Ended], sink: Sink) -> None:
    """On the dispatcher at start-up: record each run whose command ended while no engine
    ran as it ended — its output the dead engine never heard after what it stored, then its
    end through the dispatcher's own `finished`, so its retry, fallback, notification and
    chains follow as for any end. Its file goes once that is committed."""
    if not ended:
        return
    with store.read():
        seqs = run_store.last_seqs([o.id for o, _ in ended])
    home = store.home
    silent: list[bool] = []  # the keyring did not answer one of them: the others ask no more
    for o, end in ended:
        task = d.tasks.get(o.task_id)
        if task is None:  # deleted meanwhile, its runs with it
            ends.remove(home, o.id)
            continue
        attempt = Attempt(run_id=o.id, task_id=task.id, task_name=task.name,
                          scheduled_for=o.fire, attempt=o.attempt, action=task.spec.action,
                          timeout=task.spec.timeout, secret_env=dict(task.spec.secret_env),
                          due_at=o.due_at)
        ending = outcome(attempt, end.how, end.code, end.error, end.at)
        checkpoint = checkpoint_path(home, task.id, o.fire)
        if checkpoint.exists():  # recorded and kept for its retry, or removed, as ever —
            if _secrets_read(attempt, sink, silent):  # its secrets masked in the copy recorded
                attempt.checkpoint_file = str(checkpoint)
            elif not should_retry(ending.status, o.attempt, task.spec.retries):
                checkpoint.unlink(missing_ok=True)  # (else its retry reads it: not recorded)
        at = utc_text(datetime.fromtimestamp(end.at, UTC))  # (its output, told at its end)
        rows = [(o.id, seqs.get(o.id, -1) + 1 + i, stream, text, at)
                for i, (stream, text) in enumerate(end.output)]
        if rows:  # (in the end's batch or one before it)
            d.writer.submit(lambda rows=rows: ledger.output_many(rows))  # type: ignore[misc]
        d.runs[o.id] = RunRecord(o.id, task, o.fire, o.attempt, RUNNING, running=attempt)
        if o.status != "running" and end.started is not None:  # its start was never heard
            attempt.started_at = datetime.fromtimestamp(end.started, UTC)
            sink.on_started(attempt)
        d.finished(attempt, ending)
        d.writer.submit(lambda: None, partial(_recorded, home, o.id))


def _secrets_read(attempt: Attempt, sink: Sink, silent: list[bool]) -> bool:
    """The attempt's secrets read from the keyring, to be masked in what is recorded of it
    (True when it has none); False when the keyring did not give them within SECRETS_WAIT
    seconds (locked, its prompt unanswered: the engine's start waits no longer), or did not
    for another run of this start (`silent`: one wait, not one a run)."""
    if not attempt.secret_env:
        return True
    if silent:
        return False
    read: list[bool] = []

    def ask() -> None:
        try:
            resolve_secrets(attempt, sink)
            read.append(True)
        except LookupError:
            read.append(False)
    asking = threading.Thread(target=ask, name="tickwork-keyring-ended", daemon=True)
    asking.start()
    asking.join(SECRETS_WAIT)
    if not read:
        silent.append(True)
    if not read or not read[0]:
        log.warning("run %d: its checkpoint is not recorded (the keyring did not give its "
                    "secrets to mask it)", attempt.run_id)
        return False
    return True


def _recorded(home: Path, run_id: int, _result: object, error: BaseException | None) -> None:
    """A run's end committed (its batch, or one after it): its file goes."""
    if error is None:
        ends.remove(home, run_id)


HOW = {"succeeded": "exit", "failed": "exit", "timed_out": "timeout"}  # an end a file tells


def leave_ends(home: Path, engine_id: str, finals: list[tuple[int, str, str, int | None,
                                                               str | None]],
               output: list[tuple[int, int, str, str, str]], starts: list[tuple[Any, ...]]
               ) -> None:
    """The writer's `left` at its stop, the store still failing (its server away): each run
    whose end it could not write is left as a launcher leaves one (ends.py), with the output
    and start it could not write either, so the next start of this home records the run as
    it ended — it was recorded `interrupted` and ran again. An end a file cannot tell (a
    cancel, a stop, a failure with no exit code) is not left: that run is retried by policy."""
    started: dict[int, str] = {row[0]: row[1] for row in starts}  # (run id, started_at, …)
    told_by_run: dict[int, list[list[str]]] = {}  # each run's chunks in order (sorted once)
    for rid, _seq, stream, text, _at in sorted(output):
        told_by_run.setdefault(rid, []).append([stream, text])
    for run_id, status, finished_at, code, error in finals:
        if status not in HOW or code is None:
            continue
        at = datetime.fromisoformat(finished_at).timestamp()
        begun = datetime.fromisoformat(started[run_id]).timestamp() if run_id in started \
            else None
        told = told_by_run.get(run_id, [])
        try:
            ends.write(ends.file_of(str(home / ends.FOLDER), run_id),
                       processes.run_token(run_id, engine_id), HOW[status], code, error, at,
                       told, begun)
        except OSError as exc:
            log.error("run %d: its end could not be kept for the next start either (%s): it "
                      "is interrupted and retried then", run_id, exc)
            continue
        log.warning("run %d: its end is kept in %s: the next start records it", run_id,
                    home / ends.FOLDER)
