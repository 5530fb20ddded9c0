"""The Service's export and import: every task to a file, and tasks created from one (or from
a plan, as a crontab's) all or nothing, checked and audited as any import.

The window's import brings the values of the secrets its tasks use that this home lacks
(`secrets`): it stored them first, each on its own, then imported, and took them back out
when the import was refused — a value whose store failed midway, or whose removal failed,
stayed in the keyring, unused. The import is now checked whole first, so one refused
writes nothing to the keyring; then the values go there (`keyring_first`, outside the
store's lock), then the tasks and the secrets' names in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app import export_text, preflight, transfer
from app.core import group_limits, references
from app.core.schedule import parse_timezone
from app.core.schedule.validation import ended
from app.core.task import TaskSpec
from app.service_secrets import SecretOperations
from app.store import task_rows, tasks

NONE: Mapping[str, str] = MappingProxyType({})  # (no new secrets)
EXPORT_PAGE = 500  # tasks an export holds at once (app/export_text.py says why)


def _pages(last_id: int, written: list[int]) -> Iterator[list[dict[str, Any]]]:
    """Every task up to `last_id` as JSON, a range of ids at a time, in id order; the count of
    each page goes to `written`."""
    for start in range(1, last_id + 1, EXPORT_PAGE):
        page = [t.to_json() for t in tasks.page(0, -1, sort="id",
                                                 ids=range(start, start + EXPORT_PAGE))]
        written.append(len(page))
        yield page


class TransferOperations(SecretOperations):
    def _insert_all(self, specs: list[TaskSpec], now: datetime, action: str, values: Any,
                    label: references.Label = references.plain) -> list[int]:
        raise NotImplementedError  # (the Service's)

    def _created(self, ids: frozenset[int]) -> None:
        raise NotImplementedError  # (the Service's: said to its listeners)

    def engine_path(self) -> preflight.EnginePath | None:
        """The PATH a task's program is looked for on when it sets none (`preflight`)."""
        return preflight.engine_path(self.store.home, self.store.url)

    def export_tasks(self, path: Path, now: datetime | None = None) -> tuple[int, int]:
        """Write every task to `path` (0600, atomically: it holds env values); how many, and
        how many this version cannot read were left out (each named in the log)."""
        now = now or datetime.now(UTC)
        written: list[int] = []  # tasks per page
        with self.store.read():  # one snapshot, read and written a page at a time
            where = transfer.write_export(path, export_text.chunks(
                _pages(task_rows.last_id(), written), now), self.store.home)
            unread = tasks.count() - sum(written)
        with self.store.write():
            self._audit("tasks.export", where, None, {"tasks": sum(written)}, now)
        return sum(written), unread

    def import_tasks(self, path: Path, now: datetime | None = None, *, verify: bool = True,
                     skip_existing: bool = False, secrets: Mapping[str, str] = NONE,
                     leave_out: Collection[str] = (), trust_owner: bool = False
                     ) -> transfer.ImportReport:
        """Create every task in an export file, all or nothing (`transfer.read_specs`): names
        are the identity, and one that exists already refuses the whole import — unless
        `skip_existing`, which leaves those as they are here and imports the others.
        `leave_out`: the names of tasks not to import (the window's: those it would refuse,
        the person having said so); an error still names a field by its place in the file.
        A file of another user (root aside) only with `trust_owner` (`transfer.OthersFile`)."""
        specs = transfer.read_specs(path, verify=False, trust_owner=trust_owner)
        places = [i for i, spec in enumerate(specs) if spec.name not in leave_out]

        def label(index: int, field_name: str) -> str:
            return transfer.label(places[index], field_name)
        specs = [specs[i] for i in places]
        if verify:
            transfer.verify_all(specs, label, self.engine_path())
        return self.import_specs(specs, transfer.named(path, "input"), now, label,
                                 skip_existing=skip_existing, secrets=secrets,
                                 trusted=transfer.trusted_owner(path) if trust_owner else None)

    def import_specs(self, specs: list[TaskSpec], source: str, now: datetime | None = None,
                     label: references.Label = transfer.label, *, dry_run: bool = False,
                     skip_existing: bool = False, secrets: Mapping[str, str] = NONE,
                     trusted: str | None = None) -> transfer.ImportReport:
        """Create these tasks from `source`, all or nothing, checked and audited as any import
        (`label` names a field in an error); `dry_run` checks them and creates nothing;
        `skip_existing` leaves out those whose names this home has (letter case aside). A
        group the home's tasks are in keeps its limit (`group_limits`), said in `notes`.
        `secrets`: values of secrets they use, stored only if they are imported. `trusted`:
        the other user whose file it is, imported on the person's word (its audit says so)."""
        now = now or datetime.now(UTC)
        values = {**self.secret_values(s for spec in specs for s in spec.secret_env.values()
                                       if s not in secrets), **secrets}
        if dry_run or secrets:  # with new secrets, checked first: nothing kept if refused
            with self.store.read():
                checked, notes, kept = _settled(specs, label, skip_existing, now)
                self._checked([(spec, None) for spec in checked], values, label, secrets)
            if dry_run:
                return transfer.ImportReport(notes=notes, kept=kept)
            # a task made here meanwhile is left as it is: its secret is not kept, unused
            used = {s for spec in checked for s in spec.secret_env.values()}
            secrets = {name: value for name, value in secrets.items() if name in used}
            self.new_secrets(secrets)
        with self.keyring_first(secrets), self.store.write():
            specs, notes, kept = _settled(specs, label, skip_existing, now)
            self.record_secrets(secrets, now)
            created = self._insert_all(specs, now, "task.import", values, label)
            report = transfer.ImportReport([spec.name for spec in specs], notes, kept)
            said = asdict(report) | ({"trusted_owner": trusted} if trusted else {})
            self._audit("tasks.import", source, None, said, now)
        self._created(frozenset(created))
        return report


def _settled(specs: list[TaskSpec], label: references.Label, skip_existing: bool,
             now: datetime) -> tuple[list[TaskSpec], list[str], list[str]]:
    """In the store's transaction: the tasks to import (`skip_existing`: less those this home
    has by name), each group this home's tasks are in keeping its limit; the notes that say
    so, and name each task whose end is past (imported, not refused: an export of a home
    with one must import; it was imported enabled, never to fire, and nothing said so); the
    names left as they are here."""
    kept = references.already_here(specs, tasks.names_by_id().values()) if skip_existing else []
    skipped = set(kept)
    specs = [spec for spec in specs if spec.name not in skipped]
    specs, notes = group_limits.settle(
        specs, tasks.groups_in_use({s.group for s in specs if s.group}), label)
    for spec in specs:
        when = ended(spec.schedule, parse_timezone(spec.timezone), spec.end_at, now)
        if when is not None:
            notes.append(f"task {spec.name!r} ends {when}, in the past: it never fires "
                         "until its end is cleared or moved")
    return specs, notes, kept
