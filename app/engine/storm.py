"""How many desktop bubbles a storm of notifications gets: a few of their own, then one
summary. The notifier (app/engine/notifier.py) asks; this module only decides, on times it
is given (monotonic seconds), so its tests need no clock and no sleep.

A task failing every second, or 500 tasks failing at the top of the hour (a full disk, a
network outage), was a bubble per run: hundreds, each critical, burying the desktop. Now:

- the first `BUDGET` (5) notes of a window of `WINDOW` (30 s) seconds, opened by the first
  note, get a bubble each, with their own Open log and Retry now: a few failures at once
  are still told one by one, as before;
- the rest of the window is folded into one summary sent when the window ends ("37 more
  runs failed" — "backup ×30, sync ×7"), whose Open log shows the newest of them;
- while the storm goes on (each window has more), no bubble of its own is given: each window
  ends with the summary counted since the storm began, sent in place of the last one
  (`replaces_id`; a server that has closed it shows a new one) — one bubble every 30 s
  at most;
- a window with nothing more ends the storm: the next failure has a bubble of its own again.

Why 5 in 30 s: desktops show a bubble for 5–10 s and stack three to five; five at once is
what a person still reads one by one, and each keeps its Retry now. A 30 s window tells a
burst's summary while the person is still looking, and keeps a task failing every second
to two updates of one bubble a minute instead of 60 bubbles. Every note still reaches the
window's list (app/gui/notifications/panel.py) and the run history: only bubbles are folded.
The window's own balloons (its tray's, where the engine's notifier reaches no notification
server: Windows, macOS, a Linux session without one) are folded by the same rule
(app/gui/notifications/balloons.py).

The notifier's queue is bounded too (`Inbox`, `INBOX` notes): a notification server that
does not answer holds the notifier's thread (up to 5 s a call) while the engine goes on.
A note that finds it full is not kept but counted, by task, and the count goes into the
next summary: never lost without a word.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass

from app.core.nouns import plural, some_of
from app.engine.events import Notification, RunChanged

BUDGET = 5  # bubbles of their own in a window
WINDOW = 30.0  # seconds (scaled by the engine's pace: the tests' is a tenth)
INBOX = 1000  # notes waiting for the notifier's thread, at most

# a note's kind, as the summary says it
WORDS = {"failure": "failed", "success": "succeeded", "rescued": "rescued by a fallback"}

Item = Notification | RunChanged


def word_of(note: Notification) -> str:
    return WORDS.get(note.kind, "failed")


def task_of(note: Notification) -> str:
    return note.task if note.task is not None else note.title


@dataclass(frozen=True)
class Summary:
    """The notes folded since the storm began (`storm` numbers it): count by (word, task)."""

    storm: int
    counts: Counter[tuple[str, str]]
    run_id: int | None  # the newest folded run: the bubble's Open log

    def note(self) -> Notification:
        total = sum(self.counts.values())
        by_word: dict[str, Counter[str]] = {}
        for (word, task), count in self.counts.items():
            by_word.setdefault(word, Counter())[task] += count
        words = [word for word in WORDS.values() if word in by_word]
        if len(words) == 1:
            title = f"{plural(total, 'more run')} {words[0]}"
        else:
            title = (f"{plural(total, 'more run')} ended: "
                     + ", ".join(f"{sum(by_word[w].values()):,} {w}" for w in words))
        parts = []
        for word in words:
            tasks = [f"{task} ×{count:,}" if count > 1 else task
                     for task, count in by_word[word].most_common()]
            named = some_of(tasks, first=5, most=6)
            parts.append(named if len(words) == 1 else f"{word}: {named}")
        kind = "failure" if "failed" in by_word else "success"
        return Notification(kind, title, "; ".join(parts), self.run_id)


class Storm:
    """Which notes get a bubble of their own; the rest, counted, make the summary."""

    def __init__(self, budget: int = BUDGET, window: float = WINDOW) -> None:
        self.budget = budget
        self.window = window
        self._ends: float | None = None  # when the open window ends
        self._shown = 0  # bubbles of their own in this window
        self._storming = False  # a window overflowed and none since was quiet
        self._storm = 0  # the storm's number: its summaries replace each other
        self._counts: Counter[tuple[str, str]] = Counter()  # folded since the storm began
        self._new = 0  # folded since the last summary
        self._run_id: int | None = None

    @property
    def storming(self) -> bool:
        """A window overflowed and none since was quiet."""
        return self._storming

    def due(self) -> float | None:
        """When the open window ends (`close` is then to be called), None for no window."""
        return self._ends

    def admit(self, note: Notification, now: float) -> bool:
        """True: `note` gets its own bubble; False: it is folded into the summary."""
        self._open(now)
        if not self._storming and self._shown < self.budget:
            self._shown += 1
            return True
        self.fold(word_of(note), task_of(note), note.run_id, now)
        return False

    def offer(self, note: Notification, now: float, *, follows_own: bool = False) -> bool:
        """True: `note` is shown on its own: a fault of the store (said once per pause: never
        folded among runs), a fallback's sequel whose failure had a bubble of its own
        (`follows_own`: it takes that one's place), else as `admit` says."""
        return follows_own or note.kind == "store" or self.admit(note, now)

    def fold(self, word: str, task: str, run_id: int | None, now: float,
             count: int = 1) -> None:
        """Count `count` notes into the summary (notes the full queue could not keep too)."""
        self._open(now)
        if not self._new and not self._storming:
            self._storm += 1  # a new storm: a summary of its own, replacing none
        self._counts[(word, task)] += count
        self._new += count
        if run_id is not None:
            self._run_id = run_id

    def close(self, now: float, *, final: bool = False) -> Summary | None:
        """At the window's end (or at the engine's stop, `final`): the summary, if anything
        was folded since the last; a window with nothing more ends the storm."""
        if self._ends is None or (now < self._ends and not final):
            return None
        if self._new:
            summary = Summary(self._storm, Counter(self._counts), self._run_id)
            self._new = 0
            self._storming = True
            self._ends = now + self.window
            return summary
        if not final:
            self._ends = None
            self._storming = False
            self._shown = 0
            self._counts.clear()
        return None

    def _open(self, now: float) -> None:
        if self._ends is None:
            self._ends = now + self.window
            self._shown = 0


class Inbox:
    """The notifier's queue, bounded: what does not fit is counted (`take_dropped`) by the
    thread that puts it (any engine thread; cheap), not kept."""

    def __init__(self, bound: int = INBOX) -> None:
        self.bound = bound
        self.closed = False
        self._items: deque[Item] = deque()
        self._ready = threading.Condition()
        self._dropped: Counter[tuple[str, str]] = Counter()
        self._dropped_run: int | None = None

    def put(self, item: Item) -> None:
        with self._ready:
            if (len(self._items) >= self.bound and isinstance(item, Notification)
                    and item.kind != "store"):  # (a store's fault: said once per pause)
                self._dropped[(word_of(item), task_of(item))] += 1
                self._dropped_run = item.run_id if item.run_id is not None \
                    else self._dropped_run
                return
            # (a run found interrupted at start-up is kept anyway: there are as many as the
            # last engine ran at once, and only the notifier's thread can tell whether its
            # task is to be told)
            self._items.append(item)
            self._ready.notify()

    def close(self) -> None:
        """No more items: `get` returns None once the queue is empty."""
        with self._ready:
            self.closed = True
            self._ready.notify()

    def get(self, timeout: float | None) -> Item | None:
        """The next item, waiting up to `timeout` seconds (None: until one comes or the
        inbox closes); None if none came."""
        with self._ready:
            if not self._items and not self.closed:
                self._ready.wait(timeout)
            return self._items.popleft() if self._items else None

    def take_dropped(self) -> tuple[Counter[tuple[str, str]], int | None]:
        """The notes not kept since the last call, by (word, task); the newest run among
        them."""
        with self._ready:
            dropped, run_id = self._dropped, self._dropped_run
            self._dropped, self._dropped_run = Counter(), None
            return dropped, run_id
