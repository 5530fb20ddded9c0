"""The audit chain's key and head in the keyring: unkeyed stores of earlier versions still
verify and become keyed, a rolled-back store is caught, a legitimate restore re-anchors."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from app.core.errors import StoreError
from app.service import Service
from app.store import audit, audit_check
from app.store.audit_key import Head
from app.store.database import Store
from app.store.models import AuditEvent
from tests.conftest import command_task


@pytest.fixture
def no_keyring() -> Iterator[Any]:
    """No usable keyring (keyring's `fail` backend) until the returned function is called."""
    patch = pytest.MonkeyPatch()
    patch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    yield patch.undo
    patch.undo()


def copy_db(source: Path, target: Path) -> None:
    """An online copy with SQLite's backup API, as a backup is made."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    src.backup(dst)
    dst.close()
    src.close()


def put_back(home: Path, copy: Path) -> None:
    """Put an older copy in place of the store (no process has it open)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{home / 'tickwork.db'}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(copy, home / "tickwork.db")


def reanchor() -> audit_check.AuditReport:
    """Accept the open store's trail as it now is, its newest event the keyring's head, as
    a restore does it (`check_restored`, then `anchor`; app/store/restore_trail.py does it
    to the copy before its rename), and verify it."""
    if audit_check.check_restored() is None:
        return audit_check.verify()
    meta = audit.read_meta()
    row = AuditEvent.select(AuditEvent.id, AuditEvent.hash).order_by(
        AuditEvent.id.desc()).tuples().first()
    audit_check.anchor(audit.chain_keys(), Head(meta[audit.STORE_KEY], *row) if row else
                       Head(meta[audit.STORE_KEY], 0, audit.GENESIS))
    return audit_check.verify()


def test_unkeyed_store_verifies_says_so_and_is_keyed_from_its_next_event(
        home: Path, no_keyring: Any) -> None:
    store = Store.open(home)
    service = Service(store, "cli")
    service.create_task(command_task("a"))
    service.create_task(command_task("b"))
    report = service.verify_audit()
    assert report.ok and not report.keyed and report.events == 2
    assert report.note == "unkeyed: cannot detect truncation or rollback"
    no_keyring()  # a keyring appears (or Tickwork was upgraded over an old store)
    service.update_task("a", {"priority": 3})
    report = service.verify_audit()
    assert report.ok and report.keyed and report.events == 3
    with store.read():
        assert audit.read_meta()[audit.KEYED_FROM_KEY] == "3"
    store.close()
    con = sqlite3.connect(home / "tickwork.db")
    con.execute("UPDATE audit_event SET target='x' WHERE id=1")  # an old, plain event
    con.commit()
    con.close()
    store = Store.open(home)
    report = Service(store, "cli").verify_audit()
    assert not report.ok and report.event_id == 1 and "altered" in (report.problem or "")
    store.close()


def test_keyed_store_without_its_keyring_cannot_be_verified_but_still_works(
        home: Path, no_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    no_keyring()
    store = Store.open(home)
    service = Service(store, "cli")
    service.create_task(command_task("a"))
    store.close()
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    store = Store.open(home)
    service = Service(store, "cli")
    service.create_task(command_task("b"))  # the engine and CLI keep working
    report = service.verify_audit()
    assert not report.ok and "cannot be verified" in (report.problem or "")
    store.close()


def test_rolled_back_store_is_caught_and_a_restore_reanchors(home: Path,
                                                             tmp_path: Path) -> None:
    store = Store.open(home)
    service = Service(store, "cli")
    for name in ("a", "b", "c"):
        service.create_task(command_task(name))
    backup = tmp_path / "backup.db"
    copy_db(home / "tickwork.db", backup)  # 3 events
    service.create_task(command_task("d"))
    service.delete_task("a")
    assert service.verify_audit().ok
    store.close()

    put_back(home, backup)  # without the restore's re-anchor: tampering
    store = Store.open(home)
    service = Service(store, "cli")
    report = service.verify_audit()
    assert not report.ok and report.missing == 2 and report.event_id == 4
    assert "ends at event 3 but the keyring says 5 events were recorded: 2 missing" \
        in (report.problem or "")
    service.create_task(command_task("e"))  # appending does not hide it
    assert not service.verify_audit().ok
    service.create_task(command_task("g"))  # nor appending past the keyring's head
    report = service.verify_audit()
    assert not report.ok and report.event_id == 5 and "rolled back" in (report.problem or "")

    store.close()
    put_back(home, backup)  # the same, as `tickwork restore` does it
    store = Store.open(home)
    with store.write():
        audit.append("cli", "store.restore", str(backup), None, {"events": 3},
                      datetime.now(UTC))
    report = reanchor()
    assert report.ok and report.events == 4
    service = Service(store, "cli")
    service.create_task(command_task("f"))
    assert service.verify_audit().ok
    store.close()


def test_reanchor_refuses_a_broken_chain(home: Path) -> None:
    store = Store.open(home)
    service = Service(store, "cli")
    service.create_task(command_task("a"))
    service.create_task(command_task("b"))
    con = sqlite3.connect(home / "tickwork.db")
    con.execute("UPDATE audit_event SET target='x' WHERE id=1")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="event 1 was altered"):
        reanchor()
    store.close()


def test_a_rolled_back_append_never_moves_the_keyring_head(home: Path) -> None:
    store = Store.open(home)
    service = Service(store, "cli")
    service.create_task(command_task("a"))
    keys = audit.chain_keys()
    before = keys.head()
    with pytest.raises(RuntimeError), store.write():
        audit.append("cli", "x", None, None, None,
                     datetime.now(UTC))
        raise RuntimeError("the change failed")
    service.list_tasks()
    with store.write():
        pass  # a later commit of this thread appends nothing
    assert keys.head() == before and before is not None and before.event == 1
    assert service.verify_audit().ok
    store.close()


def test_a_head_due_within_the_second_is_written_by_the_timer(home: Path) -> None:
    from tests.engine.conftest import wait_until

    store = Store.open(home)
    service = Service(store, "cli")
    service.create_task(command_task("a"))  # its head is written at once
    service.create_task(command_task("b"))  # this one waits for the end of that second
    keys = audit.chain_keys()

    def written() -> int:
        return int(json.loads(keys.keyring.get_reserved("audit-head") or "{}")["event"])

    wait_until(lambda: written() == 2, 5)
    store.close()


def test_a_backup_of_a_store_made_anew_still_restores(home: Path, tmp_path: Path) -> None:
    """The store is deleted and made anew (a new key); its old backup put back is caught,
    and restored through reanchor it verifies: earlier stores' keys are kept."""
    store = Store.open(home)
    Service(store, "cli").create_task(command_task("a"))
    backup = tmp_path / "backup.db"
    copy_db(home / "tickwork.db", backup)
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{home / 'tickwork.db'}{suffix}").unlink(missing_ok=True)
    store = Store.open(home)  # a new store, a new key
    Service(store, "cli").create_task(command_task("new"))
    store.close()

    put_back(home, backup)
    store = Store.open(home)
    report = Service(store, "cli").verify_audit()
    assert not report.ok and "another store's" in (report.problem or "")
    with store.write():
        audit.append("cli", "store.restore", str(backup), None, None, datetime.now(UTC))
    assert reanchor().ok
    service = Service(store, "cli")
    service.create_task(command_task("b"))
    report = service.verify_audit()
    assert report.ok and report.keyed and report.events == 3
    store.close()


def test_a_late_head_never_replaces_another_stores(home: Path) -> None:
    """A process that committed just before a restore writes its head up to a second later
    (or at its exit): written over the head the restore moved to the restored store, it made
    the restored trail fail `audit --verify`. Only a forced write changes the head's store."""
    from app.store import audit_key
    from app.store.audit_key import Head

    store = Store.open(home)
    try:
        Service(store, "cli").create_task(command_task("a"))
        replaced = audit.read_meta()[audit.STORE_KEY]
        restored = Head("the-restored-store", 1, "f" * 64)
        audit_key.ChainKeys(home).set_head(restored)  # a restore, in another process
        keys = audit.chain_keys()
        keys.advance(Head(replaced, 5, "e" * 64))  # this one's head, now or in a second
        keys.flush()
        assert audit_key.ChainKeys(home).head() == restored
    finally:
        store.close()
