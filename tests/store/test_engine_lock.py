"""The local engine lock (`engine.lock` and the home directory beside it): one holder, even
when someone deletes the file under a live engine. flock belongs to an open file, so two
lock objects in one process contend as two engines would."""

from __future__ import annotations

import os
from pathlib import Path

from app.store.lock import EngineLock


def _who(lock: EngineLock) -> tuple[object, object]:
    holder = lock.holder() or {}
    return holder.get("pid"), holder.get("engine")


def test_one_holder_and_who_it_is(tmp_path: Path) -> None:
    first, second = EngineLock(tmp_path), EngineLock(tmp_path)
    assert first.try_acquire("a") and not second.try_acquire("b")
    assert _who(second) == (os.getpid(), "a")
    first.release()
    assert second.holder() is None
    assert second.try_acquire("b")
    second.release()


def test_deleting_the_file_under_its_holder_lets_nobody_else_take_the_lock(
        tmp_path: Path) -> None:
    first, second = EngineLock(tmp_path), EngineLock(tmp_path)
    assert first.try_acquire("a")
    first.path.unlink()  # a tidy-up of the home, a person's `rm`
    assert second.holder() == {"pid": None}  # someone leads: who, its file no longer says
    assert not second.try_acquire("b")
    assert second.holder() == {"pid": None}  # the refused one wrote nothing
    first.release()
    assert second.holder() is None
    assert second.try_acquire("b")
    assert _who(EngineLock(tmp_path)) == (os.getpid(), "b")  # the file made anew, and said
    second.release()


def test_a_file_only_holder_still_counts(tmp_path: Path) -> None:
    """An engine of the previous version locks the file alone; it still holds the store."""
    import fcntl

    fd = os.open(tmp_path / "engine.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b'{"pid": 1}')
        lock = EngineLock(tmp_path)
        assert lock.holder() == {"pid": 1}
        assert not lock.try_acquire("b")
    finally:
        os.close(fd)


def test_the_holder_sees_an_engine_standing_by_until_it_leads_or_goes(tmp_path: Path) -> None:
    holder, waiting = EngineLock(tmp_path), EngineLock(tmp_path)
    assert holder.try_acquire("a") and not holder.standing_by()
    assert not waiting.try_acquire("b")
    waiting.stand_by()
    assert holder.standing_by() and holder.standing_by()  # looking changes nothing
    waiting.release()  # it stopped waiting (its engine stopped)
    assert not holder.standing_by()
    waiting.stand_by()
    holder.release()
    assert waiting.try_acquire("b")  # it leads now: nobody waits any more
    assert not waiting.standing_by()
    waiting.release()
