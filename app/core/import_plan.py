"""What an import from another scheduler (a crontab, systemd timers) would create: the planned
tasks, each with where it came from and what did not map, and the preview table of them.

The CLI's `import --dry-run` prints `preview_rows`; a GUI preview shows the same rows. The
planned tasks are task JSON, so the import goes through `TaskSpec.from_json` and the service's
bulk import like any other: a bad field is named by its origin (`line 7: cron: …`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from app.core.errors import ValidationError
from app.core.schedule import Schedule, describe
from app.core.task import TaskSpec

PREVIEW_HEADERS: Final = ("from", "name", "schedule", "time zone", "command", "notes")


@dataclass(frozen=True, slots=True)
class PlannedTask:
    """One task an import would create: `origin` says where it came from ("line 7",
    "backup.timer"), `data` is its task JSON, `notes` what maps differently or not at all."""

    origin: str
    data: dict[str, Any]
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return str(self.data["name"])

    def command(self) -> str:
        action = self.data["action"]
        text = str(action.get("line") or " ".join(action["argv"]))
        stdin = action.get("stdin")
        return text if stdin is None else f"{text}  (stdin: {len(stdin.splitlines())} lines)"

    def schedule_words(self) -> str:
        try:
            schedule = Schedule.from_json(self.data["schedule"])
        except ValidationError:
            return str(self.data["schedule"])
        expr = f"{schedule.expr}: " if schedule.kind == "cron" else ""
        return expr + describe(schedule)


@dataclass(slots=True)
class ImportPlan:
    """Everything an import would create, and what it leaves out (`notes`, each naming its
    origin), from one source (a file, standard input, a folder)."""

    source: str
    tasks: list[PlannedTask] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trusted: str | None = None  # the other user whose file(s) it was read from, on the
    # person's word (`--trust-owner`, the window's question): the import's audit says so

    def label(self, index: int, field_name: str) -> str:
        """How an error names a field of one planned task: `line 7: cron`; the shell program
        as the crontab set it (`line 7: SHELL`, not the store's `shell_program`)."""
        shown = "SHELL" if field_name == "shell_program" else field_name
        return f"{self.tasks[index].origin}: {shown}"

    def specs(self, now: datetime) -> list[TaskSpec]:
        """The planned tasks validated, all or nothing; the first bad one is named by origin."""
        out: list[TaskSpec] = []
        for i, planned in enumerate(self.tasks):
            try:
                out.append(TaskSpec.from_json(planned.data, now=now))
            except ValidationError as exc:
                raise ValidationError(self.label(i, exc.field), exc.reason) from None
        return out

    def preview_rows(self) -> list[tuple[str, ...]]:
        """One row per planned task, under `PREVIEW_HEADERS`."""
        return [(t.origin, t.name, t.schedule_words(), str(t.data.get("timezone", "")),
                 t.command(), "; ".join(t.notes) or "-") for t in self.tasks]
