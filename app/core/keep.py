"""How long run history is kept: the keep policy of a task and the global default, and the
one rule that says which finished runs may go.

The rule: a finished run is deleted only when it is BOTH older than `days` (it finished more
than `days` days ago) AND not among its task's newest `runs` finished runs. So `runs` is a
floor ("always keep at least the last N") and `days` is a floor too ("keep everything from
the last N days"); whichever keeps more wins. Keep-days 0 means "by count alone", a large
keep-days (36500) means "keep everything". A task's `keep_runs` / `keep_days` left unset
(None) each take the global default's value — separately, so a task may set only one.
Unfinished runs (queued, waiting, running, retrying) are never deleted, whatever their age,
nor a finished attempt whose fire a retry has yet to end (its checkpoint is what the retry
resumes from);
the newest finished run is always kept (`runs` is at least 1: it is the task's "last run"
and what downstream tasks' dependency checks read). Audit events are never pruned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from app.core import fields
from app.core.errors import ValidationError
from app.core.nouns import plural

DEFAULT_KEEP_RUNS: Final = 100
DEFAULT_KEEP_DAYS: Final = 90
MAX_KEEP_RUNS: Final = 1_000_000
MAX_KEEP_DAYS: Final = 36_500  # a hundred years: "keep everything"


@dataclass(frozen=True, slots=True)
class KeepPolicy:
    """Keep the newest `runs` finished runs of a task, and every run of the last `days` days."""

    runs: int = DEFAULT_KEEP_RUNS
    days: int = DEFAULT_KEEP_DAYS

    def for_task(self, runs: int | None, days: int | None) -> KeepPolicy:
        """The policy a task gets: its own values where set, this default's elsewhere."""
        return KeepPolicy(self.runs if runs is None else runs,
                          self.days if days is None else days)

    def cutoff(self, now: datetime) -> datetime:
        """Runs that finished before this instant are old enough to go (if not too new)."""
        return now - timedelta(days=self.days)

    def describe(self) -> str:
        """'90 days, at least the last 100 runs' ('1 day', '1 run' in the singular); with
        no days, 'the last 100 runs, by count alone'."""
        return keep_words(plural(self.days, "day"), plural(self.runs, "run"), self.days)

    def to_json(self) -> dict[str, int]:
        return {"keep_runs": self.runs, "keep_days": self.days}


DEFAULT_POLICY: Final = KeepPolicy()


def keep_words(days_said: str, runs_said: str, days: int) -> str:
    """A keep policy said from its two values' words: `days` 0 keeps by count alone ("0
    days, at least the last 5 runs" read as if nothing were kept by age)."""
    if days == 0:
        return f"the last {runs_said}, by count alone"
    return f"{days_said}, at least the last {runs_said}"


def keep_runs(value: object, name: str = "keep_runs") -> int:
    """A keep-runs value: a whole number from 1 (the newest run is always kept)."""
    return fields.whole_number(value, name, 1, MAX_KEEP_RUNS)


def keep_days(value: object, name: str = "keep_days") -> int:
    """A keep-days value: whole days from 0 (by count alone) to 36500 (keep everything)."""
    return fields.whole_number(value, name, 0, MAX_KEEP_DAYS)


def optional(value: object, name: str) -> int | None:
    """A task's keep field: None (use the default) or a valid number for `name`."""
    if value is None:
        return None
    return keep_runs(value, name) if name == "keep_runs" else keep_days(value, name)


def parse_text(text: str, name: str, *, allow_default: bool) -> int | None:
    """A keep value typed on the command line: a whole number, or `default` (None) for a
    task's field. The error names the option (`keep-runs`)."""
    if allow_default and text.strip().lower() == "default":
        return None
    try:
        value = int(text.strip())
    except ValueError:
        extra = " or 'default'" if allow_default else ""
        raise ValidationError(name, f"must be a whole number{extra}, got {text!r}") from None
    return keep_runs(value, name) if name.endswith("runs") else keep_days(value, name)
