"""Entries and busy days in words, for tooltips, the selected line and lists: what an entry
is, what Enter does with it, a busy day's counts. Qt-free."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from app.gui.calendar.model import Day, Entry
from app.gui.tasks.chain import after_words
from app.gui.widgets import display
from app.gui.widgets.display import clock

KIND_COLOURS = {"fire": "running", "chain": "queued", "catch_up": "retrying",
                "delayed": "interrupted", "skipped": "skipped"}
KIND_WORDS = {"fire": "planned", "chain": "after other tasks", "catch_up": "catch-up",
              "delayed": "delayed", "skipped": "will be skipped"}


def kind_words(entry: Entry) -> str:
    """What a prediction is: "planned", …, a chain task's named by what it runs after as
    the task table says it ("after Nightly backup": it read "after upstream")."""
    if entry.kind == "chain" and entry.after:
        return after_words(entry.after)
    return KIND_WORDS.get(entry.kind, entry.kind)


def chain_words(day: Day) -> str:
    """A day's chain predictions in a line: after the one upstream (or set of them) they
    all wait for, named, else "after other tasks" (the names: `chain_detail`)."""
    return after_words(next(iter(day.chained))) if len(day.chained) == 1 \
        else KIND_WORDS["chain"]


def chain_detail(day: Day) -> str:
    """Of a day's chain predictions after several tasks, how many after which ("720 after
    Fetch, 720 after Build"), for its tooltip and its words; "" when its line names them."""
    if len(day.chained) < 2:
        return ""
    return ", ".join(f"{n:,} {after_words(ups)}" for ups, n in day.chained.most_common())


def is_prediction(words: str) -> bool:
    """Are these a day's line's words of predictions (a hollow dot), not of runs?"""
    return words in KIND_WORDS.values() or words.startswith("after ")


def counts_said(day: Day) -> str:
    """A day's counts by status and kind in one line, the tasks its chain predictions run
    after named where its line cannot ("1,440 after other tasks (720 after Fetch, …)")."""
    detail = chain_detail(day)
    return ", ".join(f"{n:,} {words}" + (f" ({detail})" if detail and words == KIND_WORDS[
        "chain"] else "") for _key, words, n in summary(day, 99))  # (fewer kinds than that)


def describe(entry: Entry) -> str:
    """One line for a tooltip or a list: what, when, how long."""
    at = display.full_time(entry.start)
    if entry.predicted:
        what = kind_words(entry)
        length = (f", about {display.duration(entry.duration_s)}" if entry.duration_s
                  else "")
        reason = f" — {entry.reason}" if entry.reason else ""
        return f"{entry.task_name}: {what} at {at}{length}{reason}"
    length = f", {display.duration(entry.duration_s)}" if entry.duration_s is not None else ""
    return (f"{entry.task_name}: run {entry.run_id} {display.status_words(entry.status)}, "
            f"{at}{length}")


def grid_words(period: str, counts: str, picked: str) -> str:
    """The grid in words, for a screen reader (its description): the period shown, what it
    holds and what is selected ("December 2026: 1 run, 2 planned; Selected: backup: …")."""
    words = f"{period}: {counts}" if counts else period
    return f"{words}; {picked}" if picked else words


def entry_key(entry: Entry) -> tuple[object, ...]:
    """What stays the same of an entry across reads (its status and length may change)."""
    if entry.run_id is not None:
        return ("run", entry.run_id)
    return (entry.kind, entry.task_id, entry.start)


def opens(entry: Entry) -> str:
    """What double-click or Enter does with an entry."""
    return "open the run" if entry.run_id is not None else "edit the task"


def tooltip(entry: Entry, now: datetime) -> str:
    text = describe(entry) + f"\nDouble-click (or Enter) to {opens(entry)}"
    if entry.run_id is None and entry.one_shot and entry.start > now:
        return text + "; drag to another time to reschedule it."
    return text + "."


def by_concern(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Runs' counts by status in the order they concern a person: failures first, then
    retried attempts, then the rest, each largest first; none of a status is left out. An
    hour of 5 succeeded, 2 retried and 1 failed read “5 succeeded, 2 retried,…” in a narrow
    block, its failure cut off, and was painted green."""
    def rank(status: str) -> int:
        return 0 if status in display.FAILED else 1 if status == "retried" else 2
    return sorted(((s, n) for s, n in counts.items() if n),
                  key=lambda kv: (rank(kv[0]), -kv[1]))


MORE = "more"  # the key of a busy day's last line, when its lines do not all fit


def summary(day: Day, room: int) -> list[tuple[str, str, int]]:
    """At most `room` (colour key, words, count) lines for a busy day: runs by status, then
    predictions, runs failures first (`by_concern`), adding up to the day's count
    (`Day.total`). When they do not all fit, the last line says the rest in its words (key
    `MORE`: “+3 more: 4 succeeded, 1 retried, 1 running”; with room for one line, all of
    them, a failure first), keeping the lines of failures and, on a day with both (today)
    and room for it, of its largest prediction: what is still to come today shows, as every
    later day's does. A failure is never only in the “+N more” (today at 800×560 read “290
    planned”, “+23 more: …” with its failure in the “…”). Lines that did not fit went
    unsaid: a day's “504” over lines making 502. A count of none is no line (“0 planned”
    took the line of a day's retried attempts)."""
    past = [(status, display.status_words(status), n) for status, n in by_concern(day.past)]
    future = [(KIND_COLOURS.get(kind, "running"),
               chain_words(day) if kind == "chain" else KIND_WORDS.get(kind, kind), n)
              for kind, n in sorted(day.future.items(), key=lambda kv: -kv[1]) if n]
    if len(past) + len(future) <= room:
        return past + future
    fits = max(0, room - 1)
    failed = any(key in display.FAILED for key, _words, _n in past)
    kept = (past[:fits - 1] + future[:1] if past and future and fits and not (
        fits == 1 and failed) else (past + future)[:fits])
    rest = [row for row in past + future if row not in kept]
    said = ", ".join(f"{n:,} {words}" for _key, words, n in rest)
    left = sum(n for _key, _words, n in rest)
    return [row for row in past + future if row in kept] + [
        (MORE, f"+{left:,} more: {said}" if kept else said, left)]


def busiest_lines(day: Day, room: int) -> list[str]:
    """At most `room` lines naming who makes a busy day busy: its busiest tasks by predicted
    fires, and the fires of the tasks not named ("+1 by other tasks"), so the lines add up
    to the day's predictions, catch-ups apart (a fourth task's fire went unsaid)."""
    if room <= 0 or not day.busiest:
        return []
    named = day.busiest[:room]
    planned = sum(day.future.values()) - day.future.get("catch_up", 0)  # (not in busiest)
    if len(named) == room and planned > sum(n for _, n in named) and room > 1:
        named = named[:-1]  # the last line says the rest
    rest = planned - sum(n for _, n in named)
    lines = [f"{n:,}× {name}" for name, n in named]
    if rest > 0 and len(lines) < room:
        lines.append(f"+{rest:,} by other tasks")
    return lines


def block_words(when: str, entries: list[Entry], counted: int = 0,
                ran: Counter[str] | None = None) -> str:
    """A block's words in one form, each count with its word, then the time: “60 planned
    17:00–18:00”, “1 failed, 5 succeeded, 32 planned 16:24–17:00” — its runs by status, a
    failure first (`by_concern`), and its predictions (`counted` predictions and the runs
    `ran` known by count only, the rest among `entries`). The current hour said “38
    16:24–17:00: 5 succeeded, …”, its total first with no word to say what it counted."""
    past = Counter(e.status for e in entries if not e.predicted) + (ran or Counter())
    planned = counted + sum(1 for e in entries if e.predicted)
    parts = [f"{n:,} {display.status_words(s)}" for s, n in by_concern(past)]
    parts += [f"{planned:,} planned"] if planned else []
    return f"{', '.join(parts) or 0} {when}"


def aggregate_words(entries: list[Entry]) -> str:
    """A cluster's words, from its first start to its last: “4 planned at 02:00”, “3
    succeeded, 2 planned 02:00–02:40” (entries in time order)."""
    first, last = clock(entries[0].start), clock(entries[-1].start)
    return block_words(f"at {first}" if first == last else f"{first}–{last}", entries)


def hour_words(hour: int, planned: int, entries: list[Entry], begins: str = "",
               ran: Counter[str] | None = None) -> str:
    """A busy hour's words, to the hour's end from its start, or from `begins` (a fire
    just before it counted in): “54 planned 09:00–10:00”, “6 succeeded, 54 planned
    09:37–11:00”."""
    return block_words(f"{begins or f'{hour:02d}:00'}–{(hour + 1) % 24:02d}:00", entries,
                       planned, ran)
