"""A restore's audit event and keyring head, put so that a kill at any instant leaves either
the old store, whose trail verifies, or the restored one, whose trail verifies.

Before the rename, with the copy open (`Store.open_file`): `prepare` checks the restored
chain and keys it (`audit_check.check_restored`: a new key is kept beside the current one,
the head is not moved) and appends the `store.restore` event, which names the head the
keyring has then; `mark` leaves a file beside the store saying a copy is being put in place.
After the rename, `anchor` moves the keyring's head to that event and removes the mark.

A kill between the rename and the head's move leaves the restored store under the replaced
store's head. `audit --verify` recognises it (the newest `store.restore` event, chained with
the key no one else holds, names exactly the keyring's head) and moves the head; so does the
home's next open that checks the store (the engine's start, a command that writes), prompted
by the mark. That open also removes what a killed restore left of its copy (`tidy`), when no
restore holds the lock.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from app.core.errors import StoreError
from app.store.audit_key import Head, KeyringUnusable
from app.store.carry import Carried
from app.store.home import DB_NAME, FILE_MODE, RESTORE_COPY, RESTORE_MARK

log = logging.getLogger("tickwork.audit")

PART, MARK = RESTORE_COPY, RESTORE_MARK


def prepare(actor: str, file: Path, kept: Path | None, *, now: datetime,
            carried: Carried | None = None, skipped: list[str] | tuple[str, ...] = (),
            paused: list[str] | tuple[str, ...] = (), trusted: str | None = None
            ) -> Head | None:
    """With a restore's copy open: check and key its trail, and append the `store.restore`
    event (what was kept and carried, whose file it was when another user's — `trusted` —
    and the keyring's head now). The head to anchor once
    the copy is in place (None: the trail is unkeyed). StoreError: nothing was changed."""
    from app.store import audit, audit_check
    from app.store.connection import write_batch

    try:
        audit_check.check_restored()
    except StoreError as exc:
        raise StoreError(f"restore of {file} refused, nothing was changed: {exc}") from None
    keys = audit.chain_keys()
    try:
        replaced = keys.head() if keys.usable() else None
    except KeyringUnusable as exc:
        raise StoreError(f"cannot re-anchor the audit trail: the keyring failed: {exc}") \
            from None
    with write_batch():
        audit.append(actor, "store.restore", str(file),
                     {"replaced_store_kept_as": str(kept) if kept else None,
                      "audit_head": None if replaced is None else {
                          "store": replaced.store, "event": replaced.event,
                          "hash": replaced.hash}},
                     {"restored_from": str(file), **_carried_words(carried),
                      **({"tasks_without_catch_up": list(skipped)} if skipped else {}),
                      **({"tasks_back_paused": list(paused)} if paused else {}),
                      **({"trusted_owner": trusted} if trusted else {})}, now)
    return audit.appended_head()


def _carried_words(carried: Carried | None) -> dict[str, Any]:
    """What the restore kept of the replaced store's runs (app/store/carry.py)."""
    if carried is None:
        return {}
    if carried.unreadable:
        return {"runs_not_carried": carried.unreadable}
    return {"runs_carried_over": carried.added, "runs_updated_since": carried.updated,
            "runs_given_up": carried.given_up, "next_fires_carried_over": carried.next_fires,
            **({"tasks_only_in_the_kept_copy": list(carried.gone)} if carried.gone else {})}


def mark(home: Path) -> None:
    """Say, durably, that a restore is about to put its copy in place."""
    fd = os.open(home / MARK, os.O_CREAT | os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def anchor(home: Path, head: Head | None) -> None:
    """The restored store is in place: the keyring's head moves to its `store.restore`
    event, and the mark goes. A keyring that fails now leaves the mark: the next open (or
    `audit --verify`) moves the head."""
    from app.store import audit_check, audit_key

    if head is not None:
        try:
            audit_check.anchor(audit_key.for_database(str(home / DB_NAME)), head)
        except KeyringUnusable as exc:
            log.warning("the audit head could not be moved to the restored store (%s): the "
                        "next start or `tickwork audit --verify` moves it", exc)
            return
    (home / MARK).unlink(missing_ok=True)


def tidy(home: Path) -> None:
    """With the store open and checked: what a killed restore left, once no restore holds
    the lock (it is taken for the moment, so none can begin meanwhile) — its copy and the
    copy's journal are removed, and the head it did not move is moved (`verify` finishes
    it when the store's trail says so)."""
    from app.store.lock import EngineLock

    lock = EngineLock(home)
    if not lock.try_acquire("tidy"):  # an engine (its start tidied), or a restore: later
        return
    try:
        for suffix in ("", "-journal"):
            Path(str(home / PART) + suffix).unlink(missing_ok=True)
        if (home / MARK).exists():
            from app.store import audit_check

            report = audit_check.verify()
            if report.note:
                log.info("%s", report.note)
            (home / MARK).unlink(missing_ok=True)
    finally:
        lock.release()
