"""Putting a backup back in place of the store, for the CLI and the window alike.

Only while no engine holds the store: the restore takes the engine lock itself for its whole
length, so none can start meanwhile. The file is verified first (a Tickwork store this
version can open, integrity ok), the current store is kept as a `restore` backup, and the
restore is audited in the restored store (`store.restore`), then the audit head is re-anchored.
The runs that happened after the backup are carried over from the replaced store
(app/store/carry.py) before the copy takes its place: restoring must not run them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.core.errors import StoreError
from app.store import backup
from app.store.carry import Carried
from app.store.database import Store
from app.store.home import make_private_dir
from app.store.lock import EngineLock


@dataclass(frozen=True, slots=True)
class Restored:
    file: Path
    kept: Path | None  # where the replaced store is kept (None when there was none)
    carried: Carried

    def sentences(self) -> list[str]:
        """What happened, for the CLI's line and the window's message."""
        out = [f"restored {self.file}"]
        if self.kept is not None:
            out.append(f"the store it replaced is kept as {self.kept}")
        c = self.carried
        if c.unreadable:
            out.append(f"its runs could not be read ({c.unreadable}): fires since the "
                       "backup follow each task's catch-up policy")
        elif c.added or c.finished:
            out.append(f"{c.added + c.finished} run{'s' if c.added + c.finished != 1 else ''}"
                       " made since the backup kept in the history, so none runs again")
        return out


def restore_store(home: Path, file: Path, *, actor: str,
                  now: datetime | None = None) -> Restored:
    """Restore `file` into the store under `home` (a new home is made)."""
    backup.verify(file)
    make_private_dir(home)
    lock = EngineLock(home)
    if not lock.try_acquire(f"restore:{file}"):
        pid = (lock.holder() or {}).get("pid")
        raise StoreError(f"an engine{f' (pid {pid})' if pid else ''} holds {home}: stop it "
                         "(or quit the window) before restoring")
    try:
        now = now or datetime.now(UTC)
        kept, carried = backup.restore(home, file, now=now)
        store = Store.open(home, actor=actor, now=now)
        try:
            backup.audit_restore(store, file, kept, actor=actor, now=now, carried=carried)
        finally:
            store.close()
    finally:
        lock.release()
    return Restored(file, kept, carried)
