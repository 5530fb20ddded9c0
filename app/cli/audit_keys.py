"""`tickwork audit --export-key FILE` / `--import-key FILE`: carry a store's audit key to
another home on it.

A shared store's audit key is made in the keyring of the home that first wrote to it
(app/store/audit_key.py); every other home — the engine on the server, the CLI on another
laptop — recorded its events unkeyed, and its `audit --verify` could not check the trail.
The key goes from one home to the other in a file, as the workers' key does (`secret
workers-key FILE`, `worker --key-file FILE`): a new file only its owner can read, never
printed; whoever holds it can forge the store's audit events. Both are audited (without
the key)."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

from app.core.errors import SecretStoreUnavailable, ValidationError
from app.platform import key_files
from app.store.audit_key import ChainKey, ChainKeys, KeyringUnusable

if TYPE_CHECKING:
    from app.service import Service

KIND = "tickwork audit key"  # the file's first field: what it is, to whoever opens it
EXPORT = "`tickwork audit --export-key FILE` in the home that has the store's key"
MAX_FILE = 4096  # a key file is ~200 bytes: `--import-key /dev/zero` must not read forever


def export_key(svc: Service, file: str) -> None:
    """Write the key of the store this home is on to a new file (0600), and audit it."""
    from app.store import audit

    if file == "-":
        raise ValidationError("export-key", "the key is never printed: name a new file")
    store = _store_id(svc)
    keys = audit.chain_keys()
    keys.keyring.require()  # (no usable backend: its own one line, not "no key")
    key = _read_key(keys, store)
    if key is None or store is None:
        raise ValidationError("export-key", "this home's keyring has no audit key for the "
                              "store it is on (a shared store's is in the keyring of the "
                              "home that first wrote to it: export it there)")
    text = json.dumps({"kind": KIND, "store": key.store, "key": key.key.hex(),
                       "from": key.keyed_from, "adopted": key.adopted}, indent=1) + "\n"
    write_key_file(file, text, "export-key")
    try:
        _audit(svc, "audit.key_export", file, store)
    except BaseException:  # (not audited: no key left behind either)
        os.unlink(file)
        raise
    print(f"audit key of store {store} written to {file}: in each other home on this store, "
          f"`tickwork audit --import-key FILE` (whoever holds it can forge this store's "
          "audit events: delete the file once it is imported)")


def import_key(svc: Service, file: str) -> None:
    """Keep the key `export_key` wrote, if it is the key of the store this home is on, as
    this home's current audit key, and audit it (with that key)."""
    from app.store import audit

    chain = _read_key_file(file)
    loose = _loose(file)
    if loose:
        print(f"tickwork: warning: {loose}", file=sys.stderr)
    store = _store_id(svc)
    if chain.store != store:
        this = f"this home is on store {store}" if store else "this store's trail is unkeyed"
        raise ValidationError("import-key", f"{file} is another store's audit key (store "
                              f"{chain.store}; {this})")
    keys = audit.chain_keys()
    keys.keyring.require()  # (no usable backend: its own one line)
    try:
        held = keys.keep(chain)
    except KeyringUnusable as exc:
        raise SecretStoreUnavailable(f"the audit key could not be kept in the keyring: "
                                     f"{exc}") from None
    if held is not None and held.key != chain.key:
        raise ValidationError("import-key", f"this home's keyring already holds another "
                              f"audit key for store {store}: nothing changed")
    if held is not None:
        print(f"this home's keyring already holds the audit key of store {store}: nothing "
              "changed")
        return
    _audit(svc, "audit.key_import", file, store)
    print(f"audit key of store {store} kept in this home's keyring: its events are keyed "
          "from now on, and `tickwork audit --verify` here checks the trail (events it "
          "recorded unkeyed before stay so: `tickwork audit --accept-unkeyed`)")


def _store_id(svc: Service) -> str | None:
    """The random id of the store's audit chain (its meta table), None: an unkeyed trail."""
    from app.store import audit

    with svc.store.read():
        return audit.read_meta().get(audit.STORE_KEY)


def _read_key(keys: ChainKeys, store: str | None) -> ChainKey | None:
    """The keyring's key of `store`, read now; None without one."""
    if store is None:
        return None
    try:
        key = keys.read_key(store)
    except KeyringUnusable as exc:
        raise SecretStoreUnavailable(f"the audit key cannot be read from the keyring: "
                                     f"{exc}") from None
    return key if key is not None and key.store == store else None


def _audit(svc: Service, action: str, file: str, store: str) -> None:
    from datetime import UTC, datetime

    from app.store import audit

    with svc.store.write():
        audit.append("cli", action, file, None, {"store": store}, datetime.now(UTC))


def write_key_file(file: str, text: str, field: str) -> None:
    """`text` in a new file only its owner can read (app/platform/key_files.py), or
    ValidationError naming `field` (this command's, and `secret workers-key`'s)."""
    try:
        key_files.write_new(file, text)
    except FileExistsError:
        raise ValidationError(field, f"{file} exists: name a new file") from None
    except OSError as exc:
        raise ValidationError(field, f"cannot write {file}: {exc.strerror}") from None


def _read_key_file(file: str) -> ChainKey:
    """The key a file `export_key` wrote holds; ValidationError naming --import-key."""
    try:
        with open(file, "rb") as f:
            raw = f.read(MAX_FILE + 1)
    except OSError as exc:
        raise ValidationError("import-key", f"cannot read {file}: {exc.strerror}") from None
    try:
        data = json.loads(raw) if len(raw) <= MAX_FILE else {}
        chain = ChainKey(str(data["store"]), bytes.fromhex(data["key"]), int(data["from"]),
                         data.get("adopted") is True)
        if data["kind"] != KIND or len(chain.key) != 32 or chain.keyed_from < 1:
            raise ValueError
    except (ValueError, TypeError, KeyError, AttributeError):  # (not JSON, not its fields)
        raise ValidationError("import-key", f"{file} holds no audit key (write one with "
                              f"{EXPORT})") from None
    return chain


def _loose(file: str) -> str | None:
    """What to say of a key file other users can read (a copy made under umask 022)."""
    if (mode := key_files.others_read(file)) is None:
        return None
    return (f"the key file {file} can be read by other users (mode {mode:04o}): whoever reads "
            f"it can forge this store's audit events; `chmod 600 {file}`, or delete it once "
            "it is imported")
