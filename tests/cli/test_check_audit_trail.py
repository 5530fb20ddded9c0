"""`tickwork check` answers "is my data sound?": a store whose audit trail was edited by
hand (an event's text changed, one deleted from the middle, the newest ones deleted) is not
sound. It said "integrity check ok" (exit 0) of each; it now says what `audit --verify`
says, in its words, naming the first bad event, and exits 1, still writing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_audit_verify import sql


@pytest.fixture
def five_events(cli: Any) -> Any:
    for name in ("a", "b", "c", "d", "e"):
        assert cli("task", "add", name, "--command", "true").code == 0
    checked = cli("check")
    assert checked.code == 0 and checked.out.endswith("integrity check ok\n"
                                                      "audit trail: 5 events, verified\n"), checked
    return cli


def test_check_says_the_trail_verified_with_its_events(five_events: Any, home: Path) -> None:
    """Its --json said the trail verified ("audit": {"ok": true, "events": 5}); the text said
    only "integrity check ok", as if the trail were not looked at: one line says it."""
    checked = five_events("check")
    assert (checked.code, checked.err) == (0, ""), checked
    assert checked.out == (f"{home / 'tickwork.db'}: integrity check ok\n"
                           "audit trail: 5 events, verified\n"), checked.out
    trail = five_events("check", "--json").json()["audit"]
    assert (trail["ok"], trail["events"]) == (True, 5)
    assert five_events("task", "add", "f", "--command", "true").code == 0
    assert five_events("check").out.endswith("audit trail: 6 events, verified\n")


@pytest.mark.parametrize("statements", [
    ("UPDATE audit_event SET target='z' WHERE id=3",),
    ("DELETE FROM audit_event WHERE id=3",),
    ("DELETE FROM audit_event WHERE id>=4",),
    ("DELETE FROM audit_event WHERE id>=4",  # the head rewritten too: the keyring's says
     "UPDATE meta SET value=(SELECT hash FROM audit_event WHERE id=3) WHERE key='audit_head'"),
], ids=["edited", "deleted-in-the-middle", "newest-deleted", "newest-deleted-head-rewritten"])
def test_check_says_the_trail_is_broken_as_verify_does(five_events: Any, home: Path,
                                                       statements: tuple[str, ...]) -> None:
    sql(home, *statements)
    verify = five_events("audit", "--verify")
    assert verify.code == 1 and verify.err.startswith("audit trail BROKEN: "), verify
    said = verify.err.strip()
    before = (home / "tickwork.db").read_bytes()

    checked = five_events("check")
    assert checked.code == 1, checked
    assert checked.out == said + "\n", checked.out
    assert "passes SQLite's integrity check, but its audit trail does not verify" \
        in checked.err
    as_json = five_events("check", "--json")
    assert as_json.code == 1
    assert five_events("audit", "--verify", "--json").json()["event_id"] in (3, 4)
    report = as_json.json()
    assert not report["ok"] and report["problems"] == [said]
    assert report["audit"] == five_events("audit", "--verify", "--json").json()
    assert (home / "tickwork.db").read_bytes() == before  # still read-only


def test_check_of_a_trail_kept_without_a_keyring_is_ok(cli: Any, monkeypatch: Any) -> None:
    """Without a keyring the trail is unkeyed: `audit --verify` holds it intact (saying so),
    and so does `check`; an edited event is still named (the plain rule)."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert cli("task", "add", "a", "--command", "true").code == 0
    checked = cli("check", "--json")
    assert checked.code == 0 and checked.json()["audit"]["keyed"] is False, checked


def test_a_keyed_trail_where_the_keyring_cannot_be_used_is_not_verified_not_broken(
        five_events: Any, home: Path, monkeypatch: Any) -> None:
    """A keyed trail read where the keyring cannot be used (an SSH shell without a session
    keyring): its keys cannot be checked, its order and links can. `check` (new this
    session) failed it as "audit trail BROKEN" with exit 1, and `audit --verify` said BROKEN
    of a trail that had been touched by no one; an edited event is still BROKEN there."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    checked = five_events("check")
    assert checked.code == 0 and checked.out.endswith("integrity check ok\n"), checked
    assert "audit trail NOT VERIFIED: " in checked.err and "the keyring cannot be used" in \
        checked.err and "BROKEN" not in checked.err, checked.err
    verify = five_events("audit", "--verify")
    assert verify.code == 1 and verify.err.startswith("audit trail NOT VERIFIED: "), verify
    sql(home, "DELETE FROM audit_event WHERE id=3")  # a link gone: provably broken
    assert five_events("check").code == 1
    assert five_events("audit", "--verify").err.startswith("audit trail BROKEN: ")
