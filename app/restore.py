"""Putting a backup back in place of the store, for the CLI and the window alike.

Only while no engine holds the store: the restore takes the engine lock itself for its whole
length, so none can start meanwhile. The file is verified first (a Tickwork store this
version can open, integrity ok), the current store is kept as a `restore` backup, and what a
killed engine left running is stopped first: restoring must run nothing twice and give no id
twice. Everything goes into the copy before one rename puts it in the store's place: what
happened after the backup, carried over from the replaced store (app/store/carry.py), the
retimed tasks' next fires, and the `store.restore` audit event; the keyring's audit head
then moves to that event (app/store/restore_trail.py). A kill at any instant leaves the old
store or the restored one, complete, each with a trail that verifies.

A file of another user (root aside) is refused before anything is changed unless the person
trusts its owner (`trust_owner`: `--trust-owner`, or the window's question answered): the
tasks of a store planted as /tmp/backup.db would run their owner's commands as them.

SIGINT, SIGTERM and SIGHUP are held while it runs (`HeldSignals`): before the rename the
restore stops at its next step, changing nothing (`Stopped`); from the rename on it
finishes, and says the signal came.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.errors import OthersFile, StoreError
from app.core.nouns import plural
from app.platform.users import others_file
from app.secrets import Keyring
from app.store import audit_check, audit_key, backup, restore_trail, secret_refs
from app.store.carry import Carried, skip_missed, task_names
from app.store.database import Store
from app.store.home import DB_NAME, make_private_dir, stop_command
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
    unchecked: str | None = None  # what of the audit trail could not be checked (no keyring)
    signalled: int | None = None  # a signal held while the store was replaced (then acted on)

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
        if self.unchecked is not None:
            out.append(self.unchecked)
        if self.signalled is not None:
            out.append(f"{signal.Signals(self.signalled).name} came while the store was being "
                       "replaced: the restore was finished first")
        return out


def _names(names: tuple[str, ...], quote: bool = True) -> str:
    shown = [f"“{n}”" if quote else n for n in names[:5]]
    return ", ".join(shown) + ("…" if len(names) > 5 else "")


class Stopped(StoreError):
    """A signal stopped the restore before it replaced the store: nothing was changed."""

    def __init__(self, file: Path, signum: int) -> None:
        super().__init__(f"restore of {file} stopped by {signal.Signals(signum).name} "
                         "before it replaced the store: nothing was changed")
        self.signum = signum


class HeldSignals:
    """SIGINT, SIGTERM and SIGHUP recorded, not acted on, while a restore runs (`received`,
    the first); `check` stops the restore while it can still change nothing. Handlers are
    the main thread's to set: in another thread signals keep their handling."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.received: int | None = None
        self._before: dict[int, Any] = {}

    def __enter__(self) -> HeldSignals:
        if threading.current_thread() is threading.main_thread():
            for name in ("SIGINT", "SIGTERM", "SIGHUP"):
                signum = getattr(signal, name, None)
                if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
                    self._before[signum] = signal.signal(signum, self._on_signal)
        return self

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.received is None:
            self.received = signum

    def check(self) -> None:
        if self.received is not None:
            raise Stopped(self.file, self.received)

    def __exit__(self, *_exc: object) -> None:
        for signum, handler in self._before.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


TEST_STOP = "TICKWORK_TEST_RESTORE_STOP"  # tests only: the restore stops itself (SIGSTOP) at
# this point (`copied`: the copy complete, before the rename; `renamed`: the copy in place,
# before the keyring's head moves), so a test can signal or kill it there, deterministically


def _stop_for_tests(point: str) -> None:
    if os.environ.get(TEST_STOP) == point:
        os.kill(os.getpid(), signal.SIGSTOP)


def restore_store(home: Path, file: Path, *, actor: str, trust_owner: bool = False,
                  now: datetime | None = None) -> Restored:
    """Restore `file` into the store under `home` (a new home is made); a file of another
    user only with `trust_owner` (OthersFile)."""
    trusted = None
    if not trust_owner:
        refuse_others(file)
    else:
        with contextlib.suppress(OSError):  # (its audit says whose it was)
            trusted = others_file(file.stat())
    backup.verify(file)
    _keyring_answers(home, file)
    make_private_dir(home)
    lock = EngineLock(home)
    if not lock.try_acquire(f"{RESTORE}{file}"):
        holder = lock.holder() or {}
        pid = holder.get("pid")
        if restoring(holder) is not None:
            raise StoreError(f"a restore (pid {pid}) is under way in {home}: let it end first")
        raise StoreError(f"an engine{f' (pid {pid})' if pid else ''} holds {home}: stop it "
                         f"({stop_command(home)}, or quit its window) before restoring")
    try:
        with HeldSignals(file) as held:
            return _restore(home, file, actor, now or datetime.now(UTC), held, trusted)
    finally:
        lock.release()


def refuse_others(file: Path) -> None:
    """OthersFile when `file` is another user's (root aside), before it is read; a file that
    cannot be looked at is left to `backup.verify` to name."""
    try:
        owner = others_file(file.stat())
    except OSError:
        return
    if owner is not None:
        raise OthersFile(file, owner, "restored")


def _keyring_answers(home: Path, file: Path) -> None:
    """StoreError, before anything is changed, when a keyring is there but cannot be read
    (locked, its prompt dismissed). The restore keys the restored trail there and moves the
    trail's head to its `store.restore` event; going on without it would put the data back
    under a trail that no longer verifies against the keyring, and a restore is undone only
    by another. It failed late, with the keyring's warning twice and "cannot re-anchor the
    audit trail". Without any keyring the trail is unkeyed, as ever: nothing to refuse."""
    keys = audit_key.ChainKeys(home)
    if not keys.usable():
        return
    try:
        keys.read_key()
    except audit_key.KeyringUnusable as exc:
        raise StoreError(f"restore of {file} refused, nothing was changed: the keyring that "
                         f"holds the audit trail's key cannot be read ({exc}): unlock it, "
                         "then restore again") from None


def _restore(home: Path, file: Path, actor: str, now: datetime, held: HeldSignals,
             trusted: str | None) -> Restored:
    stopped = _stop_leftovers(home, actor, now)
    said: dict[str, Any] = {}

    def prepare(copy: Path, kept: Path | None, carried: Carried) -> None:
        """The copy complete with the runs carried: the rest written into it."""
        held.check()
        store = Store.open_file(home, copy)
        try:
            with store.write():
                skip_missed(carried.retimed, now)
            with store.read():
                said["skipped"] = task_names(carried.retimed)
                said["paused"] = task_names(carried.absent)
                said["missing"] = Keyring(home).missing(secret_refs.names()) or []
                said["unchecked"] = audit_check.without_key()
            said["head"] = restore_trail.prepare(
                actor, file, kept, now=now, carried=carried, skipped=said["skipped"],
                paused=said["paused"], trusted=trusted)
        finally:
            store.close()
        _stop_for_tests("copied")
        held.check()  # the last moment a signal changes nothing
        restore_trail.mark(home)

    held.check()
    kept, carried = backup.restore(home, file, now=now, prepare=prepare)
    _stop_for_tests("renamed")
    restore_trail.anchor(home, said["head"])
    return Restored(file, kept, carried, tuple(said["skipped"]), tuple(said["paused"]),
                    stopped, tuple(said["missing"]), said["unchecked"], held.received)


def _stop_leftovers(home: Path, actor: str, now: datetime) -> int:
    """Stop what a killed engine left running under the store about to be replaced (we hold
    the lock: no engine runs), as the next engine's start would: a run the restored store
    no longer has would never be stopped, and one it has as queued would start beside it.
    How many runs were left unfinished."""
    from app.engine import orphans

    if not (home / DB_NAME).exists():
        return 0
    try:
        store = Store.open(home, actor=actor, now=now)
    except StoreError:  # a damaged store: nothing can be read of it
        return 0
    try:
        return len(orphans.settle_orphans(store, now, f"{RESTORE}{os.getpid()}"))
    finally:
        store.close()
