"""Backups of the store: made online with SQLite's backup API, rotated, verified, restored.

A backup is one self-contained SQLite file (rollback journal, not WAL), 0600, in `backups/`
(0700) under the home, named `tickwork-<UTC stamp>-<kind>.db`. Kinds: `daily` (the engine,
once a day), `migration` (before a schema migration), `manual` (`tickwork backup`, the
GUI), `restore` (the store as it was just before a restore replaced it). The backup API
copies a consistent snapshot while the engine keeps writing; a file copy of a live WAL
database would not be one.

Rotation of `daily` backups follows restic's `--keep-daily 7 --keep-weekly 4`: keep the
newest backup of each of the 7 most recent UTC days that have one, and the newest of each
of the 4 most recent ISO weeks that have one (a backup may count for both); every other
daily backup is deleted. Only good backups count: a daily one is checked when made (one
that fails `verify` is removed at once, and the day's backup failed) and again at each
rotation, where one that fails now (cut short, damaged on disk since) is deleted once a good
daily backup newer than it is kept: `restore` never takes it (set aside, as it was, it was
kept for ever, one more each time). The engine rotates just after a new backup passed its
check, so it always has one. A `restore` copy is deleted once it is more than 7 days old,
except the newest (the store the latest restore replaced, kept whatever its age): each
restore adds one, and a few restores a day would otherwise pile up copies of the whole
store. `migration`, `manual`, `damaged` (a raw copy of a store SQLite could not read, kept
by `restore`; or a daily one an older Tickwork set aside) and `replaced` backups (the store an
engine had when its file was replaced or deleted under it: app/store/replaced.py) are never
deleted automatically.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.core.errors import StoreError, ValidationError, not_written
from app.store.backend import is_postgres
from app.store.carry import Carried, carry_runs
from app.store.home import (
    BACKUPS_DIR,
    DB_NAME,
    FILE_MODE,
    RESTORE_COPY,
    make_private_dir,
    tighten,
)
from app.store.integrity import (
    DiskFull,
    connect_readonly,
    identify,
    problems,
    unusable,
)
from app.store.models import SCHEMA_VERSION
from app.store.writable import reading_uri

KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_RESTORE_DAYS = 7
DAILY_EVERY = timedelta(days=1)
KINDS = ("daily", "migration", "manual", "restore", "damaged", "replaced")
POSTGRES = ("a PostgreSQL store is backed up and restored with PostgreSQL's own tools (pg_dump,"
            " pg_restore), not by Tickwork")
_NAME = re.compile(r"tickwork-(\d{8}T\d{6}(?:\.\d{6})?Z)-([a-z]+)\.db")
_STAMP = "%Y%m%dT%H%M%S.%fZ"


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    at: datetime
    kind: str


def backups_dir(home: Path) -> Path:
    return home / BACKUPS_DIR


def list_backups(home: Path) -> list[Backup]:
    """The backups under `home`, newest first."""
    folder = backups_dir(home)
    if not folder.is_dir():
        return []
    out: list[Backup] = []
    for path in folder.iterdir():
        match = _NAME.fullmatch(path.name)
        if match is None:
            continue
        stamp = match.group(1)
        fmt = _STAMP if "." in stamp else "%Y%m%dT%H%M%SZ"
        at = datetime.strptime(stamp, fmt).replace(tzinfo=UTC)
        out.append(Backup(path, at, match.group(2)))
    return sorted(out, key=lambda b: b.at, reverse=True)


def newest(home: Path) -> Backup | None:
    """The newest backup `restore` takes: one that fails `verify` (cut short, damaged since
    it was made) is passed over — a damaged store's hint named it, and the `restore` it gave
    was refused while an older sound one was there."""
    for found in list_backups(home):
        if found.kind == "damaged":
            continue
        try:
            verify(found.path)
        except ValidationError:
            continue
        return found
    return None


def restore_hint(home: Path) -> str:
    """What a refusal of a damaged store tells the user to do next."""
    latest = newest(home)
    if latest is None:
        return "no backup exists; `tickwork check` lists the problems"
    return (f"newest backup: {latest.path} ({latest.at:%Y-%m-%d %H:%M} UTC); restore it with "
            f"`tickwork --home {home} restore {latest.path}`")


def make(home: Path, dest: Path | None = None, *, kind: str = "manual",
         now: datetime | None = None, source: Path | None = None) -> Path:
    """Copy the store under `home` (or the store file `source` there) into `dest` (default:
    a new file in `backups/`), online."""
    assert kind in KINDS
    if is_postgres():
        raise StoreError(POSTGRES)
    source = source or home / DB_NAME
    if not source.exists() or source.stat().st_size == 0:
        raise StoreError(f"{source}: there is no store to back up")
    named = dest is not None
    if dest is None:
        dest = new_path(home, kind, now or datetime.now(UTC))
    src = sqlite3.connect(reading_uri(source), uri=True)
    try:
        write_copy(src, dest)
    except (sqlite3.DatabaseError, OSError) as exc:
        failed = unusable(dest, exc)  # a full disk says so (the engine waits for space)
        if isinstance(failed, DiskFull):
            raise DiskFull(f"backup of {source} failed: {failed}") from None
        if named and isinstance(exc, OSError):  # said as an export's: the folder named
            raise not_written(dest.parent, exc, "in ") from None
        raise StoreError(f"backup of {source} failed: {exc}") from None
    finally:
        src.close()
    return dest


def new_path(home: Path, kind: str, now: datetime) -> Path:
    folder = backups_dir(home)
    make_private_dir(folder)
    tighten(folder)
    return folder / f"tickwork-{now.astimezone(UTC).strftime(_STAMP)}-{kind}.db"


def write_copy(src: sqlite3.Connection, dest: Path) -> None:
    """SQLite's backup API into a fresh 0600 file, renamed into place once complete."""
    part = dest.with_name(dest.name + ".part")
    part.unlink(missing_ok=True)
    os.close(os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, FILE_MODE))
    os.chmod(part, FILE_MODE)
    try:
        dst = sqlite3.connect(part)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
        with part.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def daily_due(newest_daily: datetime | None, now: datetime) -> bool:
    """A daily backup is due when none exists or the newest is a day old."""
    return newest_daily is None or now - newest_daily >= DAILY_EVERY


def to_remove(dailies: Sequence[datetime], *, keep_daily: int = KEEP_DAILY,
              keep_weekly: int = KEEP_WEEKLY) -> set[datetime]:
    """The rotation rule as a pure function: which daily backups (by time) to delete."""
    keep: set[datetime] = set()
    days: set[Any] = set()
    weeks: set[Any] = set()
    for at in sorted(dailies, reverse=True):
        day = at.astimezone(UTC).date()
        week = day.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(at)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            keep.add(at)
    return set(dailies) - keep


def restore_copies_to_remove(copies: Sequence[datetime], now: datetime, *,
                             keep_days: int = KEEP_RESTORE_DAYS) -> set[datetime]:
    """The rule for `restore` copies (by time): those more than `keep_days` old go, but
    never the newest."""
    newest = max(copies, default=None)
    return {at for at in copies if at != newest and now - at > timedelta(days=keep_days)}


@dataclass(frozen=True, slots=True)
class Damaged:
    """A daily backup that failed `verify` at a rotation and was deleted: why."""

    path: Path
    why: str


@dataclass(frozen=True, slots=True)
class Rotation:
    removed: list[Path]
    damaged: list[Damaged]


def rotate(home: Path, now: datetime | None = None) -> Rotation:
    """Delete the daily backups that fail `verify` and are older than a good one, then the
    good daily backups and the restore copies the rotation rules let go."""
    found = list_backups(home)
    dailies: list[Backup] = []
    damaged: list[Damaged] = []
    for b in found:  # (newest first)
        if b.kind != "daily":
            continue
        try:
            verify(b.path)
        except ValidationError as exc:
            if dailies:  # a good one newer than it is kept
                b.path.unlink(missing_ok=True)
                damaged.append(Damaged(b.path, str(exc).removeprefix(f"{b.path} ")))
            continue
        dailies.append(b)
    removed = _remove(dailies, to_remove([b.at for b in dailies]))
    return Rotation(removed + rotate_restore_copies(home, now or datetime.now(UTC), found),
                    damaged)


def rotate_restore_copies(home: Path, now: datetime,
                          found: Sequence[Backup] | None = None) -> list[Path]:
    """Delete the `restore` copies more than a week old but the newest; what was deleted."""
    copies = [b for b in (list_backups(home) if found is None else found)
              if b.kind == "restore"]
    return _remove(copies, restore_copies_to_remove([b.at for b in copies], now))


def _remove(backups: Sequence[Backup], gone: set[datetime]) -> list[Path]:
    removed = []
    for b in backups:
        if b.at in gone:
            b.path.unlink(missing_ok=True)
            removed.append(b.path)
    return removed


@dataclass(frozen=True, slots=True)
class Daily:
    path: Path
    damaged: list[Damaged]  # older daily backups the rotation found damaged, and deleted


def daily(home: Path, now: datetime) -> Daily | None:
    """The engine's daily step: make a backup if one is due, check it, then rotate (none
    for a PostgreSQL store: the server's backups are its administrator's, with pg_dump).
    StoreError when the new backup fails `verify`: it is removed, it is no backup."""
    if is_postgres():
        return None
    latest = [b.at for b in list_backups(home) if b.kind == "daily"]
    if not daily_due(latest[0] if latest else None, now):
        return None
    path = make(home, kind="daily", now=now)
    try:
        verify(path)
    except ValidationError as exc:
        path.unlink(missing_ok=True)
        raise StoreError(f"the new backup failed its check, so it was removed: {exc}"
                         ) from None
    return Daily(path, rotate(home, now).damaged)


def verify(file: Path) -> int:
    """Check that `file` is a sound Tickwork store this version can open; its schema version.
    Raises ValidationError (field "file": the person's choice) naming what is wrong."""
    if not file.exists():
        raise ValidationError("file", f"{file}: no such file")
    if not file.is_file():
        raise ValidationError("file", f"{file} is {_not_regular(file)}, not a backup file")
    try:
        version = identify(file)
    except StoreError as exc:  # (said of a home's store: "left it untouched (move it away…")
        raise ValidationError("file", f"not a Tickwork backup: {str(exc).split(';')[0]}"
                              ) from None
    if version is None:
        raise ValidationError("file", f"{file} is an empty database, not a Tickwork backup")
    if version > SCHEMA_VERSION:
        raise ValidationError("file", f"{file} has schema version {version}, newer than "
                              f"this Tickwork understands ({SCHEMA_VERSION})")
    con = connect_readonly(file)
    try:
        found = problems(con, full=True, limit=5)
    finally:
        con.close()
    if found:
        raise ValidationError("file", f"{file} fails the integrity check: {found[0]}")
    return version


def _not_regular(file: Path) -> str:
    """What a file that is not a regular one is, said without opening it (a fifo would
    wait for a writer)."""
    from app.platform.config_files import kind

    return kind(file.stat().st_mode)


def restore(home: Path, file: Path, *, now: datetime | None = None,
            prepare: Callable[[Path, Path | None, Carried], None] | None = None
            ) -> tuple[Path | None, Carried]:
    """Replace the store under `home` with the backup `file` (verified first). The current
    store is kept first as a `restore` backup (a raw `damaged` copy when SQLite cannot read
    it), and the runs it made since the backup are carried into the copy before the copy
    takes the store's place (app/store/carry.py); then `prepare(copy, kept, carried)` writes
    the rest into the copy (app/restore.py: retimed tasks' next fires, the audit event). One
    rename puts it all in place, so a crash leaves either the old store or the restored one
    complete. Up to the rename, a failure (or a stop `prepare` raises) changes nothing and
    leaves no copy. No engine may hold the store: the caller holds the lock. Returns the
    kept copy (None when there was no store) and what was carried."""
    now = now or datetime.now(UTC)
    verify(file)
    source = home / DB_NAME
    kept: Path | None = None
    if source.exists() and source.stat().st_size > 0:
        try:
            kept = make(home, kind="restore", now=now)
        except DiskFull:  # no room to keep it: nothing changes
            raise
        except StoreError:  # SQLite cannot read it: kept byte for byte
            kept = _raw_copy(home, now)
    part = home / RESTORE_COPY
    try:
        for suffix in ("", "-journal", "-wal", "-shm"):  # a killed restore's: a hot journal
            Path(str(part) + suffix).unlink(missing_ok=True)  # would be played into the copy
        src = connect_readonly(file)
        try:
            write_copy(src, part)
        finally:
            src.close()
        try:
            carried = carry_runs(kept, part, now) if kept is not None else Carried()
        except sqlite3.Error as exc:
            raise StoreError(f"restore of {file} failed, the store is as it was: {exc}"
                             ) from None
        if prepare is not None:
            prepare(part, kept, carried)
    except BaseException:
        for path in (part, *([kept, Path(f"{kept}-wal")] if kept else [])):
            for each in (path, Path(f"{path}-journal")):
                each.unlink(missing_ok=True)  # nothing was replaced: no copy of it is kept
        raise
    for suffix in ("-wal", "-shm"):
        Path(str(source) + suffix).unlink(missing_ok=True)
    os.replace(part, source)
    rotate_restore_copies(home, now)
    return kept, carried


def _raw_copy(home: Path, now: datetime) -> Path:
    """A byte copy of a store SQLite cannot read (no engine runs: the caller checked),
    0600 from its first byte; nothing is left of a copy that failed (a full disk)."""
    dest = new_path(home, "damaged", now)
    source = home / DB_NAME
    copies = [(source, dest)]
    wal = Path(str(source) + "-wal")
    if wal.exists():
        copies.append((wal, Path(str(dest) + "-wal")))
    try:
        for src, to in copies:
            with src.open("rb") as fin, os.fdopen(os.open(
                    to, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, FILE_MODE),
                    "wb") as fout:
                shutil.copyfileobj(fin, fout)
                fout.flush()
                os.fsync(fout.fileno())
    except OSError as exc:
        for _, to in copies:
            to.unlink(missing_ok=True)
        failed = unusable(dest, exc)
        raise (failed if isinstance(failed, DiskFull) else StoreError(
            f"the store could not be kept before the restore ({exc}): nothing was changed")
               ) from None
    return dest
