"""Point 8: when the engine backs up, what rotation keeps, and the backup before a migration.
Dates are injected; the files are real SQLite backups."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import StoreError
from app.store import backup
from app.store.database import Store

DAY = timedelta(days=1)


def day(month: int, d: int, hour: int = 2) -> datetime:
    return datetime(2027, month, d, hour, tzinfo=UTC)


def test_rotation_keeps_seven_days_and_four_weeks() -> None:
    dailies = [day(1, 1) + i * DAY for i in range(60)]  # 2027-01-01 .. 2027-03-01
    kept = sorted(set(dailies) - backup.to_remove(dailies))
    assert kept == [day(2, 14), day(2, 21),  # newest of the two earlier ISO weeks (Sundays)
                    day(2, 23), day(2, 24), day(2, 25), day(2, 26), day(2, 27),
                    day(2, 28),  # also the newest of its week
                    day(3, 1)]  # a Monday: its own week


def test_rotation_counts_days_not_files_and_keeps_gaps() -> None:
    twice = [day(3, 1, 1), day(3, 1, 23)]  # the newest of a day is the one kept
    assert backup.to_remove(twice) == {day(3, 1, 1)}
    sparse = [day(1, 4), day(2, 1), day(3, 1)]  # far apart: each is its week's newest
    assert backup.to_remove(sparse) == set()
    assert backup.to_remove([]) == set()


def test_a_daily_backup_is_due_when_the_newest_is_a_day_old() -> None:
    now = day(3, 1, 12)
    assert backup.daily_due(None, now)
    assert not backup.daily_due(now - timedelta(hours=23, minutes=59), now)
    assert backup.daily_due(now - DAY, now)


def test_daily_backups_over_forty_days_rotate_to_the_rule(home: Path, store: Store) -> None:
    start = day(1, 1)
    made: list[datetime] = []
    for hour in range(0, 40 * 24, 6):  # the engine looks (hourly); here every 6 h
        now = start + timedelta(hours=hour)
        if backup.daily(home, now) is not None:
            made.append(now)
    assert len(made) == 40  # one per day
    left = backup.list_backups(home)
    assert {b.at for b in left} == set(made) - backup.to_remove(made)
    assert len(left) == 9
    folder = home / "backups"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for b in left:
        assert stat.S_IMODE(b.path.stat().st_mode) == 0o600
        con = sqlite3.connect(b.path)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        finally:
            con.close()
    manual = backup.make(home, kind="manual", now=start + 50 * DAY)
    backup.daily(home, start + 60 * DAY)
    assert manual.exists()  # rotation never deletes what a person asked for


def test_a_migration_is_preceded_by_a_backup(home: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    import app.store.database as database
    import app.store.migrations as migrations
    from app.store.models import SCHEMA_VERSION

    Store.open(home).close()
    for module in (database, migrations):
        monkeypatch.setattr(module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match=f"no migration from schema version {SCHEMA_VERSION}"):
        Store.open(home)
    (kept,) = backup.list_backups(home)
    assert kept.kind == "migration"
    assert backup.verify(kept.path) == SCHEMA_VERSION


def test_the_engine_makes_its_daily_backup_at_start(home: Path, cli: Any,
                                                    tmp_path: Path) -> None:
    from tests.engine.conftest import EngineProcess, wait_until

    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    proc = EngineProcess(home, tmp_path / "engine.log")
    try:
        proc.wait_for("daily backup:")
    finally:
        proc.proc.terminate()
        proc.proc.wait(30)
    (made,) = backup.list_backups(home)
    assert made.kind == "daily"
    wait_until(lambda: backup.verify(made.path) >= 1)


def test_the_engines_hourly_look_backs_up_once_a_day(home: Path, store: Store) -> None:
    import threading

    from app.engine.backups import DailyBackups

    clock = [day(3, 1, 9)]
    looks = DailyBackups(home, threading.Event(), lambda: clock[0])
    assert looks.check() is not None  # at start: none yet
    for hour in range(1, 24):
        clock[0] = day(3, 1, 9) + timedelta(hours=hour)
        assert looks.check() is None
    clock[0] = day(3, 2, 9)
    assert looks.check() is not None
    assert [b.kind for b in backup.list_backups(home)] == ["daily", "daily"]


def test_a_daily_backup_that_keeps_failing_is_said_once(home: Path, store: Store,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """DESIGN: a fault is shown once, not at every try. The backups folder is a file: every
    hourly look fails the same way; one warning, then one word once it works again."""
    import threading

    from app.engine.backups import DailyBackups

    (home / "backups").write_text("not a folder")
    clock = [day(3, 1, 9)]
    looks = DailyBackups(home, threading.Event(), lambda: clock[0])
    with caplog.at_level("INFO", logger="tickwork.engine"):
        for hour in range(5):
            clock[0] = day(3, 1, 9) + timedelta(hours=hour)
            assert looks.check() is None
        (home / "backups").unlink()
        assert looks.check() is not None
    said = [r.getMessage() for r in caplog.records if r.name == "tickwork.engine"]
    assert [m.split(":")[0] for m in said] == ["daily backup failed", "daily backups work again",
                                               "daily backup"], said


def test_restore_copies_older_than_a_week_go_but_never_the_newest(home: Path, cli: Any,
                                                                  tmp_path: Path) -> None:
    """Each restore keeps the store it replaces in backups/ (`-restore.db`); they were never
    deleted. A restore (and the engine's daily step) deletes those more than 7 days old,
    never the newest, and no other kind."""
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    kept = tmp_path / "b.db"
    assert cli("backup", str(kept)).code == 0
    folder = home / "backups"
    now = datetime.now(UTC)

    def planted(age: timedelta, kind: str) -> Path:
        path = folder / f"tickwork-{(now - age).strftime('%Y%m%dT%H%M%S.%fZ')}-{kind}.db"
        path.write_bytes(kept.read_bytes())
        return path

    folder.mkdir(mode=0o700)
    old = [planted(timedelta(days=d), "restore") for d in (30, 9)]
    recent = planted(timedelta(days=6), "restore")
    others = [planted(timedelta(days=40), kind) for kind in ("manual", "migration", "damaged")]
    restored = cli("restore", str(kept))
    assert restored.code == 0, restored.err
    made = [b.path for b in backup.list_backups(home)
            if b.kind == "restore" and b.path not in (recent, *old)]
    assert len(made) == 1  # the store this restore replaced
    assert not any(p.exists() for p in old)
    assert recent.exists() and all(p.exists() for p in others)

    # alone, the newest restore copy stays whatever its age
    for p in (recent, *made):
        p.unlink()
    lone = planted(timedelta(days=90), "restore")
    assert backup.rotate(home, now).removed == []
    assert lone.exists()
    assert backup.restore_copies_to_remove([now - timedelta(days=8), now], now) == {
        now - timedelta(days=8)}


def test_a_damaged_daily_backup_is_deleted_and_good_ones_fill_its_place(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """A daily backup cut short (or failing `verify` otherwise) held its day's place in the
    rotation: the engine kept it and deleted a good one, so fewer backups `restore` takes
    were kept than promised; then it was set aside as `damaged` and kept for ever, one more
    file each time, though `restore` never takes it. The engine's daily step deletes it (a
    good daily backup newer than it is kept), says so once in its log, and keeps 7 days of
    good daily backups."""
    from tests.engine.conftest import EngineProcess

    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    good = tmp_path / "good.db"
    assert cli("backup", str(good)).code == 0
    folder = home / "backups"
    folder.mkdir(mode=0o700)
    now = datetime.now(UTC) - timedelta(hours=1)

    def planted(days_ago: int, data: bytes) -> Path:
        at = (now - days_ago * DAY).strftime("%Y%m%dT%H%M%S.%fZ")
        path = folder / f"tickwork-{at}-daily.db"
        path.write_bytes(data)
        path.chmod(0o600)
        return path

    for days_ago in range(2, 9):
        planted(days_ago, good.read_bytes())
    cut = planted(1, good.read_bytes()[:len(good.read_bytes()) // 2])  # cut short
    junk = planted(5, b"not a database")  # (beside that day's good one)
    proc = EngineProcess(home, tmp_path / "engine.log")
    try:
        proc.wait_for(f"{junk} fails its check")
        proc.wait_for(f"{cut} fails its check")
    finally:
        proc.stop()
    assert not cut.exists() and not junk.exists()
    assert [b for b in backup.list_backups(home) if b.kind == "damaged"] == []
    said = [line for line in proc.text().splitlines() if "fails its check" in line]
    assert len(said) == 2 and all("deleted, newer good backups are kept" in line
                                  for line in said), said
    dailies = [b for b in backup.list_backups(home) if b.kind == "daily"]
    for b in dailies:
        backup.verify(b.path)  # every one counted is one `restore` takes
    assert len({b.at.date() for b in dailies}) >= backup.KEEP_DAILY
    assert {b.at for b in dailies} == {b.at for b in dailies} - backup.to_remove(
        [b.at for b in dailies])


def test_a_damaged_daily_backup_with_no_good_one_after_it_is_left(home: Path,
                                                                  store: Store) -> None:
    """The rotation deletes a damaged daily backup only when a good one newer than it is
    kept: the newest daily backup, damaged, is left as it is (and passed over by restore)."""
    assert backup.daily(home, day(3, 1)) is not None
    [made] = backup.list_backups(home)
    newer = made.path.with_name(made.path.name.replace("20270301", "20270302"))
    newer.write_bytes(b"not a database")
    rotation = backup.rotate(home, day(3, 2, 12))
    assert rotation.damaged == [] and newer.exists()
    assert backup.newest(home) == made


def test_a_new_daily_backup_that_fails_its_check_is_removed_and_the_failure_said(
        home: Path) -> None:
    """A new backup that fails `verify` (a copy of a store damaged on disk) is no backup: it
    is removed, and the day's step fails (said once by the engine, tried each hour)."""
    from tests.store.test_damage_and_backups import damage, fill

    fill(home)
    damage(home / "tickwork.db")
    with pytest.raises(StoreError, match="the new backup failed its check, so it was removed"):
        backup.daily(home, day(3, 1))
    assert backup.list_backups(home) == []
