"""Carrying a shared store's audit key to another home (`audit --export-key FILE` where it
is, `audit --import-key FILE` where it is not).

The key is in the keyring of the home that first wrote to the store; every other home — the
engine on the server, the CLI on another laptop — recorded its events unkeyed, its `audit
--verify` said NOT VERIFIED ("verify it there"), and there was no way to give it the key
(found by a newcomer following README's shared-store section). Two homes, each with its own
keyring, on a real PostgreSQL store; the SQLite store takes the same round trip."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, CliResult
from tests.store.test_shared_store_machines import on_machine
from tests.support import tickwork
from tests.support.postgres import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]

IMPORTED = "kept in this home's keyring: its events are keyed from now on"


def test_a_key_carried_to_another_home_keys_its_events_and_both_verify(
        tmp_path: Path, pg_url: str) -> None:
    cli = on_machine(tmp_path, pg_url)
    assert cli("laptop", "task", "add", "a", "--command", "true", "--manual").code == 0
    before = cli("server", "task", "add", "b", "--command", "true", "--manual")
    assert before.code == 0 and "the keyring of the home that made it: `tickwork audit " \
        "--import-key FILE` gives it to this home" in before.err, before
    key = tmp_path / "audit.key"
    exported = cli("laptop", "audit", "--export-key", str(key))
    assert exported.code == 0, exported
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = json.loads(key.read_text())["key"]
    assert f"written to {key}" in exported.out and secret not in exported.out + exported.err
    imported = cli("server", "audit", "--import-key", str(key))
    assert imported.code == 0, imported
    assert IMPORTED in imported.out and secret not in imported.out + imported.err, imported
    after = cli("server", "task", "add", "c", "--command", "true", "--manual")
    assert after.code == 0 and after.err == "", after  # keyed: nothing said
    # verified here but for the event recorded unkeyed before the import, as the words say
    there = cli("server", "audit", "--verify")
    assert there.code == 1, there
    assert "audit trail BROKEN: event 2 not keyed (recorded by a home whose keyring lacks " \
           "this shared store's key" in there.err and "more" not in there.err, there
    accepted = cli("server", "audit", "--accept-unkeyed", "--yes")
    assert accepted.code == 0, accepted
    for machine in ("server", "laptop"):  # the laptop verifies the server's keyed events too
        verified = cli(machine, "audit", "--verify")
        assert verified.code == 0, (machine, verified)
        assert verified.out == "audit trail verified: 6 events, chain intact\n", verified
    events = cli("laptop", "audit", "--json").json()
    assert [e["action"] for e in reversed(events)] == [
        "task.create", "task.create", "audit.key_export", "audit.key_import", "task.create",
        "audit.accept_unkeyed"]
    assert all(secret not in json.dumps(e) for e in events)
    again = cli("server", "audit", "--import-key", str(key))
    assert again.code == 0, again
    assert again.out.startswith("this home's keyring already holds the audit key of store ")


def test_another_stores_key_is_refused_in_one_line(tmp_path: Path, pg_server: Any,
                                                   pg_url: str) -> None:
    cli = on_machine(tmp_path, pg_url)
    assert cli("laptop", "task", "add", "a", "--command", "true", "--manual").code == 0
    key = tmp_path / "laptop.key"
    assert cli("laptop", "audit", "--export-key", str(key)).code == 0
    elsewhere = on_machine(tmp_path, pg_server.new_database())
    assert elsewhere("other", "task", "add", "b", "--command", "true", "--manual").code == 0
    refused = elsewhere("other", "audit", "--import-key", str(key))
    assert refused.code == 2, refused
    ours = json.loads(key.read_text())["store"]
    assert refused.err.startswith(f"tickwork: error: import-key: {key} is another store's "
                                  f"audit key (store {ours}; this home is on store "), refused
    assert refused.err.count("\n") == 1 and ours not in refused.err.split("this home")[1]
    assert _actions(elsewhere("other", "audit", "--json")) == ["task.create"]


def test_a_home_that_holds_another_stores_key_keeps_it(tmp_path: Path, pg_server: Any,
                                                       pg_url: str) -> None:
    """The server's home made another database on the same PostgreSQL server first. Its
    keyring kept one key and one head for every database of a server (their slot was named
    after the server's part of the URL), so the imported key took the other's place, and the
    other store, used again, said BROKEN ("the keyring's audit head is another store's"). Each
    store has a slot of its own in the home's keyring now: both verify, the imported key and
    the home's own each kept."""
    cli = on_machine(tmp_path, pg_url)
    elsewhere = on_machine(tmp_path, pg_server.new_database())
    assert elsewhere("server", "task", "add", "b", "--command", "true", "--manual").code == 0
    assert cli("laptop", "task", "add", "a", "--command", "true", "--manual").code == 0
    key = tmp_path / "audit.key"
    assert cli("laptop", "audit", "--export-key", str(key)).code == 0
    assert cli("server", "audit", "--import-key", str(key)).code == 0
    assert cli("server", "task", "add", "c", "--command", "true", "--manual").code == 0
    for machine in ("server", "laptop"):
        verified = cli(machine, "audit", "--verify")
        assert verified.out == "audit trail verified: 4 events, chain intact\n", verified
    assert elsewhere("server", "task", "add", "d", "--command", "true", "--manual").code == 0
    again = elsewhere("server", "audit", "--verify")  # (the home's own store, used again)
    assert again.out == "audit trail verified: 2 events, chain intact\n", again
    kept = json.loads((tmp_path / "server-keyring.json").read_text())
    stores = {json.loads(v)["store"] for k, v in kept.items() if k.endswith("tickwork:audit-key")}
    assert len(stores) == 2 and json.loads(key.read_text())["store"] in stores


def test_a_second_key_for_the_same_store_is_refused(tmp_path: Path, pg_url: str) -> None:
    cli = on_machine(tmp_path, pg_url)
    assert cli("laptop", "task", "add", "a", "--command", "true", "--manual").code == 0
    key = tmp_path / "audit.key"
    assert cli("laptop", "audit", "--export-key", str(key)).code == 0
    assert cli("server", "audit", "--import-key", str(key)).code == 0
    data = json.loads(key.read_text())
    data["key"] = "ab" * 32  # the same store, another key
    other = tmp_path / "other.key"
    other.write_text(json.dumps(data))
    other.chmod(0o600)
    refused = cli("server", "audit", "--import-key", str(other))
    assert refused.code == 2, refused
    assert refused.err == ("tickwork: error: import-key: this home's keyring already holds "
                           f"another audit key for store {data['store']}: nothing changed\n")
    assert cli("server", "audit", "--accept-unkeyed", "--yes").code == 0
    assert cli("laptop", "audit", "--verify").code == 0  # the server still keys with the key


def test_a_damaged_missing_or_loose_key_file(tmp_path: Path, pg_url: str) -> None:
    cli = on_machine(tmp_path, pg_url)
    assert cli("laptop", "task", "add", "a", "--command", "true", "--manual").code == 0
    key = tmp_path / "audit.key"
    assert cli("laptop", "audit", "--export-key", str(key)).code == 0
    damaged = tmp_path / "damaged.key"
    damaged.write_text(key.read_text()[:-20])
    damaged.chmod(0o600)
    for path, said in ((damaged, f"{damaged} holds no audit key (write one with `tickwork "
                                 "audit --export-key FILE` in the home that has the store's "
                                 "key)"),
                       (tmp_path / "gone.key", f"cannot read {tmp_path / 'gone.key'}: No such "
                                               "file or directory")):
        refused = cli("server", "audit", "--import-key", str(path))
        assert (refused.code, refused.out) == (2, ""), refused
        assert refused.err == f"tickwork: error: import-key: {said}\n", refused
    key.chmod(0o644)
    loose = cli("server", "audit", "--import-key", str(key))
    assert loose.code == 0 and IMPORTED in loose.out, loose
    assert loose.err == (f"tickwork: warning: the key file {key} can be read by other users "
                         f"(mode 0644): whoever reads it can forge this store's audit events; "
                         f"`chmod 600 {key}`, or delete it once it is imported\n"), loose


def test_export_where_there_is_no_key_or_the_file_exists(tmp_path: Path, pg_url: str) -> None:
    cli = on_machine(tmp_path, pg_url)
    assert cli("laptop", "task", "add", "a", "--command", "true", "--manual").code == 0
    key = tmp_path / "audit.key"
    none = cli("server", "audit", "--export-key", str(key))
    assert (none.code, none.out) == (2, ""), none
    assert none.err == ("tickwork: error: export-key: this home's keyring has no audit key "
                        "for the store it is on (a shared store's is in the keyring of the "
                        "home that first wrote to it: export it there)\n"), none
    assert not key.exists()
    key.write_text("kept")
    exists = cli("laptop", "audit", "--export-key", str(key))
    assert exists.code == 2, exists
    assert exists.err == f"tickwork: error: export-key: {key} exists: name a new file\n"
    assert key.read_text() == "kept"
    assert _actions(cli("laptop", "audit", "--json")) == ["task.create"]  # neither audited


def test_the_round_trip_on_a_sqlite_store(tmp_path: Path) -> None:
    """Two keyrings on one SQLite home (rare: nothing breaks)."""
    def cli(keyring: str, *args: str) -> CliResult:
        env = {k: v for k, v in os.environ.items() if k != "TICKWORK_STORE"}
        env["TICKWORK_TEST_KEYRING"] = str(tmp_path / f"{keyring}.json")
        proc = tickwork.run(["--home", str(tmp_path / "home"), *args], timeout=60, cwd=ROOT,
                            env=env)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    assert cli("first", "task", "add", "a", "--command", "true", "--manual").code == 0
    key = tmp_path / "audit.key"
    assert cli("first", "audit", "--export-key", str(key)).code == 0
    imported = cli("second", "audit", "--import-key", str(key))
    assert imported.code == 0 and IMPORTED in imported.out, imported
    assert cli("second", "task", "add", "b", "--command", "true", "--manual").code == 0
    for keyring in ("second", "first"):
        verified = cli(keyring, "audit", "--verify")
        assert verified.out == "audit trail verified: 4 events, chain intact\n", verified


def _actions(result: CliResult) -> list[str]:
    assert result.code == 0, result
    return [e["action"] for e in reversed(result.json())]
