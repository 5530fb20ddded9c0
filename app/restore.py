"""Putting a backup back in place of the store, for the CLI and the window alike.

Only while no engine holds the store: the restore takes the engine lock itself for its whole
length, so none can start meanwhile. The file is verified first (a Tickwork store this
version can open, integrity ok), the current store is kept as a `restore` backup, and the
restore is audited in the restored store (`store.restore`), then the audit head is re-anchored.
What happened after the backup is carried over from the replaced store (app/store/carry.py)
before the copy takes its place, and what a killed engine left running is stopped first:
restoring must run nothing twice and give no id twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.core.errors import StoreError
from app.core.nouns import plural
from app.secrets import Keyring
from app.store import backup, secret_refs
from app.store.carry import Carried, skip_missed, task_names
from app.store.database import Store
from app.store.home import DB_NAME, make_private_dir
from app.store.lock import RESTORE, EngineLock, restoring


@dataclass(frozen=True, slots=True)
class Restored:
    file: Path
    kept: Path | None  # where the replaced store is kept (None when there was none)
    carried: Carried
    skipped: tuple[str, ...] = ()  # same tasks retimed since: no catch-up before now
    paused: tuple[str, ...] = ()  # restored tasks deleted since: back paused
    stopped: int = 0  # runs a killed engine had left running, stopped before the restore
    missing: tuple[str, ...] = ()  # secrets its tasks name that this keyring has no value of

    def sentences(self) -> list[str]:
        """What happened, for the CLI's line and the window's message."""
        out = [f"restored {self.file}"]
        if self.kept is not None:
            out.append(f"the store it replaced is kept as {self.kept}")
        c = self.carried
        if self.stopped:
            out.append(f"{plural(self.stopped, 'run')} a killed engine left unfinished: what "
                       "they still ran was stopped first and they were marked interrupted "
                       "(retried by their policy, where this store has them)")
        if c.unreadable:
            out.append(f"its runs could not be read ({c.unreadable}): fires since the "
                       "backup follow each task's catch-up policy")
        elif c.added or c.updated:
            parts = ([f"{plural(c.added, 'run')} made since the backup"] if c.added else []) + \
                ([f"{plural(c.updated, 'run')} it caught unfinished"] if c.updated else [])
            out.append(" and ".join(parts) + " taken as the replaced store has them (a fire "
                       "that ran is not caught up again)")
        if c.given_up:
            out.append(f"{plural(c.given_up, 'run')} the backup caught unfinished, whose end is "
                       "not known here, marked interrupted, not run again")
        if c.gone:
            one = len(c.gone) == 1
            out.append(f"{plural(len(c.gone), 'task')} the backup does not have ("
                       f"{_names(c.gone)}) gone with {'its' if one else 'their'} runs: "
                       f"{'it is' if one else 'they are'} in the kept copy")
        if self.paused:
            out.append(f"{plural(len(self.paused), 'task')} deleted since the backup came back "
                       f"paused ({_names(self.paused)}): resume what should run again")
        if self.skipped:
            out.append(f"{plural(len(self.skipped), 'task')} whose schedule or pause changed "
                       f"since ({_names(self.skipped)}): the backup's is back, without catching "
                       "up fires before now (a one-shot that has run does not run again)")
        if self.missing:
            out.append(f"{plural(len(self.missing), 'secret')} of the restored store "
                       f"({_names(self.missing, quote=False)}) not in this home's keyring: set "
                       "each with `tickwork secret set NAME`, or the runs that use it fail")
        return out


def _names(names: tuple[str, ...], quote: bool = True) -> str:
    shown = [f"“{n}”" if quote else n for n in names[:5]]
    return ", ".join(shown) + ("…" if len(names) > 5 else "")


def restore_store(home: Path, file: Path, *, actor: str,
                  now: datetime | None = None) -> Restored:
    """Restore `file` into the store under `home` (a new home is made)."""
    backup.verify(file)
    make_private_dir(home)
    lock = EngineLock(home)
    if not lock.try_acquire(f"{RESTORE}{file}"):
        holder = lock.holder() or {}
        pid = holder.get("pid")
        if restoring(holder) is not None:
            raise StoreError(f"a restore (pid {pid}) is under way in {home}: let it end first")
        raise StoreError(f"an engine{f' (pid {pid})' if pid else ''} holds {home}: stop it "
                         "(or quit the window) before restoring")
    try:
        now = now or datetime.now(UTC)
        stopped = _stop_leftovers(home, actor, now)
        kept, carried = backup.restore(home, file, now=now)
        store = Store.open(home, actor=actor, now=now)
        try:
            with store.write():
                skip_missed(carried.retimed, now)
            with store.read():
                skipped, paused = task_names(carried.retimed), task_names(carried.absent)
                missing = Keyring(home).missing(secret_refs.names()) or []
            backup.audit_restore(store, file, kept, actor=actor, now=now, carried=carried,
                                 skipped=skipped, paused=paused)
        finally:
            store.close()
    finally:
        lock.release()
    return Restored(file, kept, carried, tuple(skipped), tuple(paused), stopped,
                    tuple(missing))


def _stop_leftovers(home: Path, actor: str, now: datetime) -> int:
    """Stop what a killed engine left running under the store about to be replaced (we hold
    the lock: no engine runs), as the next engine's start would: a run the restored store
    no longer has would never be stopped, and one it has as queued would start beside it.
    How many runs were left unfinished."""
    from app.engine import recovery

    if not (home / DB_NAME).exists():
        return 0
    try:
        store = Store.open(home, actor=actor, now=now)
    except StoreError:  # a damaged store: nothing can be read of it
        return 0
    try:
        return len(recovery.settle_orphans(store, now, f"{RESTORE}{os.getpid()}"))
    finally:
        store.close()
