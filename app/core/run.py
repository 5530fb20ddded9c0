"""The run value type: one attempt of one fire of a task, as the ledger records it."""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.rules import HELD_TAIL


@dataclass(frozen=True, slots=True)
class Run:
    """One attempt of one fire of a task. (Without a docstring, @dataclass writes one from
    the signature of its 20 fields, through `inspect`, in every process that loads it.)"""

    id: int
    task_id: int
    task_name: str
    status: str
    attempt: int
    scheduled_for: datetime
    trigger: str = "schedule"  # schedule | manual | catch_up | retry | fallback | chain | startup
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    error: str | None = None
    lateness_ms: float | None = None
    reason: str | None = None
    parent_run_id: int | None = None
    cancel_requested: bool = False
    celery_id: str | None = None  # the Celery task id of a run sent to a worker
    checkpoint: Any = None  # the state its action saved last (JSON; secrets as `***`)
    retried_as: int | None = None  # the retry claimed after this failed attempt, if any
    due_at: datetime | None = None  # a retry waiting out its delay starts no earlier than this

    @property
    def shown_status(self) -> str:
        """Its status as the window says it: "retried" for a failed attempt that was retried
        (as the calendar says it), its real end then in its exit code, error and note."""
        return "retried" if self.retried_as is not None else self.status

    @property
    def note(self) -> str | None:
        """Its reason as it reads now (`reason_now`)."""
        return reason_now(self.reason, self.status, self.started_at is not None)

    @property
    def error_label(self) -> str:
        """What its error is called beside it (`error_label`): "Error", or "Why it ended"."""
        return error_label(self.status)

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    def to_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "task_id": self.task_id,
            "task_name": self.task_name,
            "status": self.status,
            "attempt": self.attempt,
            "trigger": self.trigger,
            "scheduled_for": iso(self.scheduled_for),
            "queued_at": iso(self.queued_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "duration_s": self.duration_s,
            "exit_code": self.exit_code,
            "error": self.error,
            "lateness_ms": self.lateness_ms,
            "reason": self.note,
            "parent_run_id": self.parent_run_id,
            "cancel_requested": self.cancel_requested,
            "celery_id": self.celery_id,
            "checkpoint": self.checkpoint,
            "due_at": iso(self.due_at),
        }


UNSENT = "not sent yet: the Celery broker "  # a run on Celery waiting for its broker
# ... why, by what the broker did (app/remote/broker.py): "away" (unreachable: an outage
# that ends by itself); "refused" (it answers but refuses the engine's password) and
# "not_redis" (something else answers at its address): neither ends by itself, and said as
# "unreachable" they read as an outage
_TAILS = {
    "away": " is unreachable: it is sent when the broker is back",
    "refused": " refuses the engine's password: it is sent once the broker lets the engine in",
    "not_redis": " does not answer as Redis does (is that Redis's port?): it is sent once it "
                 "does",
}
UNSENT_TAIL = _TAILS["away"]
_WAS = {_TAILS["away"]: "was unreachable", _TAILS["refused"]: "refused the engine's password",
        _TAILS["not_redis"]: "did not answer as Redis does"}
_WHY = {"away": "unreachable", "refused": "it refused the engine's password",
        "not_redis": "it did not answer as Redis does"}


def broker_away(broker: str, why: str = "away") -> str:
    """The note of a run on Celery that waits for its broker (`broker` without password;
    `why`: "away", "refused" or "not_redis")."""
    return f"{UNSENT}{broker}{_TAILS[why]}"


def broker_waited(broker: str, why: str = "away") -> str:
    """... once it went out (`ledger.replace_note`)."""
    return f"waited for the Celery broker {broker} ({_WHY[why]})"


def broker_never(broker: str, why: str = "away") -> str:
    """... once it was cancelled before it went out."""
    return f"never sent: the Celery broker {broker} {_WAS[_TAILS[why]]}"


UNHEARD = "waiting: no Celery worker listens on queue "  # a run its queue's workers never took
UNHEARD_THEN = "waited: no Celery worker listened on queue "


def unheard(queue: str, since: str) -> str:
    """The note of a run sent to a Celery queue that no worker listens on (`since`: when the
    workers were first asked and none answered for it, local time, "12:00:05"): written once
    while nobody answers, not at each look (app/remote/listeners.py)."""
    return f"{UNHEARD}“{queue}” (since {since})"


def unheard_then(note: str) -> str:
    """... once a worker listens on its queue, or the run left it (started, or ended): "…
    listened on queue “nightly” (from 12:00:05)" (a note of an older engine, "(checked
    12:00:05)", keeps its time as it was)."""
    return re.sub(re.escape(UNHEARD) + r"(“.*?”) \(since ",
                  lambda m: f"{UNHEARD_THEN}{m[1]} (from ", note).replace(UNHEARD, UNHEARD_THEN)


def reason_now(reason: str | None, status: str, started: bool) -> str | None:
    """A run's reason as it reads now. The dispatcher notes why it holds a run back ("held
    back: at most 1 run of this task at a time: it starts when one ends"); once the run has
    left the hold that note is stale (`run show` said it of a run that had timed out): a run
    that started "waited: …", one that ended unstarted "was held back: …". A run on Celery
    whose broker was away says so until it is sent or cancelled (the engine rewords it
    then); one the engine's stop ended meanwhile, that the broker was unreachable (or
    refused the engine's password, or did not answer as Redis does). One sent to a queue
    no worker listened on says it in the past once it is no longer waiting."""
    if not reason:
        return reason
    if UNHEARD in reason and status not in ("queued", "waiting"):
        reason = unheard_then(reason)
    if UNSENT in reason and status not in ("queued", "waiting"):
        tails = "|".join(map(re.escape, _WAS))
        reason = re.sub(re.escape(UNSENT) + f"(.*?)({tails})",
                        lambda m: f"the Celery broker {m[1]} {_WAS[m[2]]}", reason)
    if status == "waiting" or "held back: " not in reason:
        return reason
    return reason.replace(HELD_TAIL, "").replace(
        "held back: ", "waited: " if started else "was held back: ")


def stopped_by(exit_code: int | None) -> str | None:
    """How a process that a signal ended is said ("killed by signal SIGTERM", as the run's
    error says it): a negative exit code is the signal's number (Python's subprocess); None
    for an exit code of its own. "Exit code -15" alone was left for a person to decode."""
    if exit_code is None or exit_code >= 0:
        return None
    try:
        name = signal.Signals(-exit_code).name
    except ValueError:
        return f"killed by signal {-exit_code}"
    return f"killed by signal {name}"  # (the engine's own words for it)


def exit_code_text(exit_code: int | None) -> str | None:
    """An exit code as `run show` and the run's details say it: "0", "-15 (killed by
    signal SIGTERM)"; None when there is none."""
    if exit_code is None:
        return None
    how = stopped_by(exit_code)
    return f"{exit_code} ({how})" if how else str(exit_code)


def error_beyond(exit_code: int | None, error: str | None) -> str | None:
    """A run's error when it says more than its exit code does ("exit code 3" or "killed by
    signal SIGTERM" beside that exit code repeats it); None when it does not."""
    if not error or not error.strip():
        return None
    if exit_code is not None and error.strip() in (f"exit code {exit_code}",
                                                   stopped_by(exit_code)):
        return None
    return error


def note_beyond(run: Run) -> str | None:
    """A run's note without the "retried as run N" its Status says already (None: nothing
    more; the two rows said it twice)."""
    note = run.note
    if note is None or run.retried_as is None:
        return note
    said = retried_as(run.retried_as)
    if note == said:
        return None
    return note.removesuffix(f"; {said}")


# why a run a person cancelled ended, whichever ended it: the engine that held it, or the
# command or window that asked when no engine held it (`run show` said "why it ended: -" and
# "note: cancelled by cli" of a run no engine held, "why it ended: cancelled on request" of
# one an engine held); who asked is in the audit trail (`run.cancel`)
CANCELLED = "cancelled on request"
RETURNED = "returned"  # how a Python action that succeeded ended (its value: in its output)


def ending(exit_code: int | None, error: str | None, status: str | None = None) -> str | None:
    """How a run ended, in one line, as the Runs view's "Result / note" and `task run --wait`
    say it: its error's first line ("exit code 3", "killed by signal
    SIGTERM", "timed out after 5 s", "ValueError: no such account"), else its exit code in
    those words; a run that succeeded with no exit code (a Python action's callable) "returned"
    (beside a command's "exit code 0" it said nothing, read as nothing known); None when it
    has neither. (`task run --wait` said "failed" and not why.)"""
    if error and error.strip():
        return error.strip().splitlines()[0]
    if exit_code is None:
        return RETURNED if status == "succeeded" else None
    return stopped_by(exit_code) or f"exit code {exit_code}"


RETRIED_AS = "retried as run "  # what followed an attempt that failed, in its note
FELL_BACK_TO = "fell back to "
# a run given back unstarted (an engine's stop, or its death before a worker had it): said
# so while it waits, and in the past once an engine takes it up — the note stayed on the run
# that ran, still promising "the next start runs it" under its end
NEXT_START = "the next start runs it"
TAKEN_UP = "the next start took it up"


def retried_as(follower: int) -> str:
    """The note of an attempt its retry, run `follower`, followed."""
    return f"{RETRIED_AS}{follower}"


def fell_back_to(fallback: str, follower: int) -> str:
    """The note of a last attempt its task's `fallback` followed, as run `follower`."""
    return f"{FELL_BACK_TO}“{fallback}”, run {follower}"  # (a name may hold braces)


def paused_fallback(name: str) -> str:
    """The note of a last attempt whose fallback, the task `name`, is paused: it is not run
    (as a paused chain task is not), where it ran all the same."""
    return f"fallback “{name}” is paused: not run"


_PAUSED_FALLBACK = re.compile(r"(?:^|; )(fallback “.*?” is paused: not run)(?=$|; )")


def paused_fallback_in(note: str | None) -> str | None:
    """The note among a run's notes (`; ` between them) that says its fallback is paused
    (`paused_fallback`), else None: what came of its end, which `task run --wait` says."""
    found = _PAUSED_FALLBACK.search(note or "")
    return found[1] if found else None


def followed_first(note: str) -> str:
    """A run's notes (`; ` between them) with what followed it first ("fell back to “rescue”,
    run 9; retry of run 5 (attempt 1 failed: …)"): added last, it was cut off behind why the
    run was claimed (`run list`'s NOTE, 60 columns), though it is the news."""
    parts = note.split("; ")
    followed = [p for p in parts if p.startswith((RETRIED_AS, FELL_BACK_TO))]
    return "; ".join(followed + [p for p in parts if p not in followed]) if followed else note


def result_note(exit_code: int | None, error: str | None, note: str | None,
                status: str) -> str:
    """How a run ended (`ending`, of a run now `status`), then its note, what followed the
    run first (`followed_first`): "exit code 2 · retried as run 8", as the Runs view's
    "Result / note" and `run list`'s NOTE both say it ("" when neither has anything). `run
    list` printed the raw error there, every line of a Python action's exception; `run show`
    and the run's details keep the error and the note whole, as stored."""
    return " · ".join(filter(None, (ending(exit_code, error, status),
                                    followed_first(note) if note else None)))


# what ended a run that did not fail (a person's cancel, its timeout, the engine's stop, a
# rule that skipped it): its words were labelled "Error" ("Error: cancelled on request"), a
# fault of the run's in a person's eyes; a failure's keep that label
NOT_FAILED = frozenset({"cancelled", "timed_out", "interrupted", "skipped"})


def error_label(status: str) -> str:
    """What a run's error is called beside it, in the run's details and `run show`: "Error"
    for a failure, "Why it ended" for a run that ended without failing."""
    return "Why it ended" if status in NOT_FAILED else "Error"


# a retry's "scheduled" is the time of the fire it retries, and its lateness is from when the
# retry was due (after its delay), not from that fire: said beside each, in the run's details
# and `run show` ("scheduled 12:00:00, started 12:00:05, late 7 ms" read as a contradiction)
RETRY_FIRE = " (the fire it retries)"
RETRY_LATE = " after its retry was due"


PROGRESS = "progress: "  # how a run's `progress(...)` reads in its output (stream "tickwork")


def progress_line(fraction: float | None, message: str) -> str:
    """The output line a progress report is kept as: 'progress: 40% copying'. A message of
    several lines is one line, its breaks spaces (its later lines read as printed output);
    without a message, the line ends at its percentage ('progress: 100%', no space after)."""
    said = " ".join(message.splitlines())
    pct = "" if fraction is None else f"{fraction * 100:.0f}%"
    return f"{PROGRESS}{pct}{' ' if pct and said else ''}{said}\n"


def progress_words(line: str) -> str | None:
    """A progress line as a window says it ('40 % — copying'); None: not a progress line."""
    if not line.startswith(PROGRESS):
        return None
    text = line[len(PROGRESS):].strip()
    pct, _, rest = text.partition("% ")
    if pct.isdigit():
        return f"{pct} % — {rest}" if rest else f"{pct} %"
    if text.endswith("%") and text[:-1].isdigit():
        return f"{text[:-1]} %"
    return text


def peaks(samples: list[tuple[Any, float, float]]) -> tuple[float, float]:
    """The highest CPU % and resident MiB of a run's samples ((time, CPU %, MiB), some)."""
    return max(s[1] for s in samples), max(s[2] for s in samples)


def peaks_text(samples: list[tuple[Any, float, float]]) -> str:
    """A run's resource samples said as the window and `run show` say them."""
    cpu, memory = peaks(samples)
    return f"peak CPU {cpu:.0f} %, memory {memory:.1f} MiB"
