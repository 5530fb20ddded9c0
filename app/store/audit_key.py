"""The audit chain's key and head in the OS keyring, where someone who can only write the
database cannot reach them.

Two reserved entries in the data home's keyring slot (app/secrets.py), each a small JSON:

- `audit-key`: {"store": S, "key": hex, "from": K, "previous": [...]} — the HMAC key of
  store S (a random id also kept in the store's meta table), and K, the first event chained
  with it (older events of a store made by an earlier Tickwork are chained with plain
  SHA-256); `previous` keeps the keys of earlier stores at the same home (a store deleted
  and made anew), so a backup of one can still be verified and restored;
- `audit-head`: {"store": S, "event": N, "hash": H} — the newest event known to be committed.

The key is read from the keyring once per process and cached (the engine appends without
touching the keyring). The head is written at most once a second (`HEAD_INTERVAL`): a head
that comes sooner is written by a timer at the end of that second, and whatever is still
unwritten when the store closes or the process exits is written then. So the keyring head
lags the store by at most about a second, or after a crash (which the scheme allows: it may
lag, never lead). A keyring that cannot be used is never an error here: every function
answers None or False and the audit trail goes on unkeyed, which `audit --verify` reports.
"""

from __future__ import annotations

import atexit
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.secrets import Keyring

log = logging.getLogger("tickwork.audit")

KEY_ENTRY = "audit-key"
HEAD_ENTRY = "audit-head"
HEAD_INTERVAL = 1.0  # seconds between two writes of the head to the keyring
REREAD_AFTER = 60.0  # seconds before a missing or other store's key is looked up again
MAX_PREVIOUS = 16  # keys of earlier stores at the same home kept for their backups


@dataclass(frozen=True, slots=True)
class ChainKey:
    store: str
    key: bytes
    keyed_from: int
    # the events before `keyed_from` came in a backup of another data home, keyed with a key
    # this keyring never held: only their links are checked (see audit_check.check_restored)
    adopted: bool = False


@dataclass(frozen=True, slots=True)
class Head:
    store: str
    event: int
    hash: str


def _key_json(key: ChainKey) -> dict[str, Any]:
    return {"store": key.store, "key": key.key.hex(), "from": key.keyed_from,
            "adopted": key.adopted}


class KeyringUnusable(Exception):
    """The keyring cannot be used now (no accepted backend, locked, or it failed)."""


_UNREAD = object()


class ChainKeys:
    """The keyring side of one store's audit chain (one per database path, cached)."""

    def __init__(self, home: Path, legacy: Path | None = None) -> None:
        self.keyring = Keyring(home)
        # where an earlier Tickwork kept a shared store's keys (backend.audit_slot): read
        # there, and copied here, while this slot has none
        self._legacy = Keyring(legacy) if legacy is not None else None
        self._keys: Any = _UNREAD  # (current key, every kept key by store)
        self._read_at = 0.0
        self._head: Any = _UNREAD  # the newest head this process read or wrote
        self._unwritten: Head | None = None
        self._written_at = -HEAD_INTERVAL
        self._timer: threading.Timer | None = None
        self.no_keying = False  # this process decided not to key an unkeyed store
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def _get(self, entry: str) -> dict[str, Any] | None:
        try:
            text = self.keyring.get_reserved(entry)
            if not text and self._legacy is not None and entry == KEY_ENTRY:  # (its head:
                text = self._legacy.get_reserved(entry)  # maybe another store's of the server)
                if text:
                    self.keyring.set_reserved(entry, text)
        except Exception as exc:
            raise KeyringUnusable(str(exc)) from None
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _set(self, entry: str, data: dict[str, Any]) -> None:
        try:
            self.keyring.set_reserved(entry, json.dumps(data, sort_keys=True))
        except Exception as exc:
            raise KeyringUnusable(str(exc)) from None

    def key(self, store: str | None = None) -> ChainKey | None:
        """The key of `store` (current or previous), or the current key; None when the
        keyring has none; KeyringUnusable when it cannot be read. Cached: a store the cache
        does not know is looked up again (another process may have keyed it since) at most
        once a minute."""
        with self._lock:
            known = self._keys
            stale = known is _UNREAD or (
                store is not None and store not in known[1]
                and time.monotonic() - self._read_at > REREAD_AFTER)
            if stale:
                self._read_at = time.monotonic()
                self._keys = (None, {})  # a failed read is cached as a miss too
                self._keys = self._read_keys()
            current, by_store = self._keys
            found: ChainKey | None = by_store.get(store) if store is not None else current
            return found

    def _read_keys(self) -> tuple[ChainKey | None, dict[str, ChainKey]]:
        data = self._get(KEY_ENTRY) or {}
        keys: list[ChainKey] = []
        for item in [data, *(data.get("previous") or [])]:
            try:
                keys.append(ChainKey(str(item["store"]), bytes.fromhex(item["key"]),
                                     int(item["from"]), item.get("adopted") is True))
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        current = keys[0] if keys and keys[0].store == data.get("store") else None
        return current, {k.store: k for k in reversed(keys)}

    def _write_keys(self, current: ChainKey, others: list[ChainKey]) -> None:
        previous = [k for k in others if k.store != current.store][:MAX_PREVIOUS]
        self._set(KEY_ENTRY, {**_key_json(current),
                              "previous": [_key_json(k) for k in previous]})
        self._keys = (current, {k.store: k for k in [*previous, current]})
        self._read_at = time.monotonic()

    def read_key(self, store: str | None = None) -> ChainKey | None:
        """Like `key`, read from the keyring now."""
        with self._lock:
            self._keys = _UNREAD
        return self.key(store)

    def warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.warning("%s", message)

    def key_or_none(self, store: str | None = None) -> ChainKey | None:
        try:
            return self.key(store)
        except KeyringUnusable as exc:
            self.warn_once(f"the audit key cannot be read from the keyring: {exc}")
            return None

    def create(self, keyed_from: int, head_event: int, head_hash: str, *,
               adopted: bool = False) -> ChainKey:
        """A new key for a store whose events from `keyed_from` on are chained with it; the
        head starts at the newest event already committed. The keys of earlier stores at
        this home are kept (the newest few), so a backup of one can still be verified and
        restored. KeyringUnusable on failure."""
        chain = ChainKey(secrets.token_hex(16), secrets.token_bytes(32), keyed_from, adopted)
        with self._lock:
            current, by_store = self._read_keys()
            self._write_keys(chain, _newest_first(current, by_store))
        self.set_head(Head(chain.store, head_event, head_hash))
        return chain

    def add(self, keyed_from: int, *, adopted: bool = False) -> ChainKey:
        """A new key for a store about to take the place of this home's (a restore's copy),
        kept beside the current key, which stays current, as the head stays, until
        `make_current`: the store in place verifies until the copy has replaced it.
        KeyringUnusable on failure."""
        chain = ChainKey(secrets.token_hex(16), secrets.token_bytes(32), keyed_from, adopted)
        with self._lock:
            current, by_store = self._read_keys()
            if current is None:  # (no store's key is current: nothing to keep current)
                self._write_keys(chain, _newest_first(None, by_store))
            else:
                self._write_keys(current, [chain, *_newest_first(None, by_store)])
        return chain

    def keep(self, chain: ChainKey) -> ChainKey | None:
        """Keep another home's key of a store (`audit --import-key`: a shared store's key is
        made in the keyring of the home that made the store) as the current key, the keys of
        other stores kept as `create` keeps them, and a head of another store replaced by
        an empty one of this store (the next commit moves it on). When the keyring already
        holds a key for its store, that key is returned: made current if it is this one,
        left as it is (nothing kept) if it is another. KeyringUnusable on failure."""
        with self._lock:
            current, by_store = self._read_keys()
            held = by_store.get(chain.store)
            if held is not None and held.key != chain.key:
                return held
            if held is None or held is not current:
                self._write_keys(held or chain, _newest_first(current, by_store))
        head = self._read_head()
        if head is not None and head.store != chain.store:
            self.set_head(Head(chain.store, 0, "0" * 64))
        return held

    def make_current(self, store: str) -> ChainKey | None:
        """Make the kept key of `store` the current one again (a restore of its backup)."""
        with self._lock:
            current, by_store = self._read_keys()
            chain = by_store.get(store)
            if chain is not None and chain is not current:
                self._write_keys(chain, _newest_first(current, by_store))
            return chain

    def head(self) -> Head | None:
        """The head kept in the keyring, read now (after writing any unwritten one)."""
        self.flush()
        head = self._read_head()
        with self._lock:
            self._head = head
        return head

    def _read_head(self) -> Head | None:
        data = self._get(HEAD_ENTRY)
        try:
            return None if data is None else Head(str(data["store"]), int(data["event"]),
                                                  str(data["hash"]))
        except (KeyError, TypeError, ValueError):
            return None

    def known_head(self) -> Head | None:
        """The newest head this process knows (read from the keyring once, then its own)."""
        with self._lock:
            if self._head is not _UNREAD:
                known: Head | None = self._head
                return known
        return self.head()

    def set_head(self, head: Head) -> None:
        """Write the head now, replacing whatever is there (a new or re-anchored chain)."""
        with self._lock:
            self._cancel_timer()
            self._unwritten = None
            self._head = head
            self._write(head, force=True)

    def advance(self, head: Head) -> None:
        """Move the head forward: written now, or within HEAD_INTERVAL when one was just
        written (KeyringUnusable only when written now)."""
        with self._lock:
            self._head = head
            wait = self._written_at + HEAD_INTERVAL - time.monotonic()
            if wait <= 0:
                self._cancel_timer()
                self._unwritten = None
                self._write(head)
                return
            self._unwritten = head
            if self._timer is None:
                self._timer = threading.Timer(wait, self._flush_quietly)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write an unwritten head now."""
        with self._lock:
            self._cancel_timer()
            head, self._unwritten = self._unwritten, None
            if head is not None:
                self._write(head)

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except KeyringUnusable as exc:
            self.warn_once(f"the audit head could not be written to the keyring: {exc}")

    def _write(self, head: Head, force: bool = False) -> None:
        """Write the head; unless forced, never over a newer one of the same store (another
        process may have written it since this one last looked), nor over another store's:
        a head only changes store when forced (a new chain, a restore's), and a process that
        committed just before a restore must not write the replaced store's head after the
        restore moved it."""
        if not force:
            current = self._read_head()
            if current is not None and (current.store != head.store
                                        or current.event >= head.event):
                self._head = current
                return
        self._set(HEAD_ENTRY, {"store": head.store, "event": head.event, "hash": head.hash})
        self._written_at = time.monotonic()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def usable(self) -> bool:
        return self.keyring.backend_name() is not None


def _newest_first(current: ChainKey | None, by_store: dict[str, ChainKey]) -> list[ChainKey]:
    """The keys read (`_read_keys`), the current one first, then the others newest first."""
    return ([current] if current else []) + [
        k for k in reversed(list(by_store.values())) if k is not current]


_chains: dict[str, ChainKeys] = {}
_chains_lock = threading.Lock()


def for_database(path: str, slot: Path | None = None) -> ChainKeys:
    """The cached keyring side of the store whose database file (or URL) is `path`, kept in
    the keyring slot of `slot` (`backend.audit_slot`; None: the file's folder)."""
    with _chains_lock:
        chain = _chains.get(path)
        if chain is None:
            legacy = Path(path).parent
            chain = _chains[path] = ChainKeys(slot or legacy, legacy if slot not in (
                None, legacy) else None)
        return chain


def forget(path: str) -> None:
    """Drop the cache of a store (a new store was created at `path`)."""
    with _chains_lock:
        chain = _chains.pop(path, None)
    if chain is not None:
        chain._flush_quietly()


@atexit.register
def flush_all() -> None:
    """Write every unwritten head (the store closes, or the process ends)."""
    with _chains_lock:
        chains = list(_chains.values())
    for chain in chains:
        chain._flush_quietly()
