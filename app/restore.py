"""Putting a backup back in place of the store, for the CLI and the window alike.

Only while no engine holds the store: the restore takes the engine lock itself for its whole
length, so none can start meanwhile. The file is verified first (a Tickwork store this
version can open, integrity ok), the current store is kept as a `restore` backup, and the
restore is audited in the restored store (`store.restore`), then the audit head is re-anchored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.core.errors import StoreError
from app.store import backup
from app.store.database import Store
from app.store.home import make_private_dir
from app.store.lock import EngineLock


def restore_store(home: Path, file: Path, *, actor: str,
                  now: datetime | None = None) -> Path | None:
    """Restore `file` into the store under `home` (a new home is made); returns where the
    replaced store is kept (None when there was none)."""
    backup.verify(file)
    make_private_dir(home)
    lock = EngineLock(home)
    if not lock.try_acquire(f"restore:{file}"):
        pid = (lock.holder() or {}).get("pid")
        raise StoreError(f"an engine{f' (pid {pid})' if pid else ''} holds {home}: stop it "
                         "(or quit the window) before restoring")
    try:
        now = now or datetime.now(UTC)
        kept = backup.restore(home, file, now=now)
        store = Store.open(home, actor=actor, now=now)
        try:
            backup.audit_restore(store, file, kept, actor=actor, now=now)
        finally:
            store.close()
    finally:
        lock.release()
    return kept
