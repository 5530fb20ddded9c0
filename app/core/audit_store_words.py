"""Audit sentences for what happens to the store and its files, and to the settings:
exports and imports, backups and restores, permissions fixed, the history kept by default.
Part of `audit_words.sentence` (which never raises, so neither need these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.errors import curly
from app.core.nouns import plural


def _number(value: Any, key: str) -> int | None:
    if not isinstance(value, Mapping):
        return None
    got = value.get(key)
    if isinstance(got, list):
        return len(got)
    return got if isinstance(got, int) and not isinstance(got, bool) else None


def exported(target: str, _before: Any, after: Any) -> str:
    n = _number(after, "tasks")
    what = plural(n, "task") if n is not None else "the tasks"
    return f"Exported {what}" + (f" to {target}" if target else "")


def imported(target: str, _before: Any, after: Any) -> str:
    n = _number(after, "created")
    what = plural(n, "task") if n is not None else "tasks"
    notes = after.get("notes") if isinstance(after, Mapping) else None
    said = "".join(f"; {note}" for note in notes) if isinstance(notes, list) else ""
    return f"Imported {what}" + (f" from {target}" if target else "") + _trusted(after) + said


def _trusted(after: Any) -> str:
    """What an import or a restore of another user's file says of it: whose it was, and that
    the person chose to go on (`--trust-owner`, the window's question)."""
    owner = after.get("trusted_owner") if isinstance(after, Mapping) else None
    return f", a file of {owner}'s, whom you chose to trust" if isinstance(owner, str) else ""


def permissions_fixed(target: str, before: Any, after: Any) -> str:
    old = before.get("modes") if isinstance(before, Mapping) else None
    new = after.get("modes") if isinstance(after, Mapping) else None
    where = f" in {target}" if target else ""
    if isinstance(old, Mapping) and isinstance(new, Mapping) and old:
        folder = bool(target) and target in old  # the home folder itself
        files = len(old) - folder
        things = " and ".join(filter(None, [
            f"the folder {target}" if folder else "",
            plural(files, "file") + (" in it" if folder else where) if files else ""]))
        inside = target.rstrip("/") + "/"
        changes = ", ".join(
            f"{name.removeprefix(inside) if target else name} {_mode(old.get(name))} → "
            f"{_mode(new.get(name))}" for name in old)
        return f"Fixed the permissions of {things} so only you can read " \
               f"{'them' if len(old) > 1 else 'it'}: {changes}"
    return f"Fixed the permissions of the store{where} so only you can read it"


def _mode(value: object) -> str:
    text = str(value)
    return text[2:] if text.startswith("0o") else text


def restored(target: str, _before: Any, after: Any) -> str:
    return "Restored the store from a backup" + (f" ({target})" if target else "") + \
        _trusted(after)


def backed_up(target: str, _before: Any, _after: Any) -> str:
    return "Backed up the store" + (f" to {target}" if target else "")


# -- settings ------------------------------------------------------------------------------

def keep_changed(target: str, before: Any, after: Any) -> str:
    """The history default (File → Settings…, `tickwork settings`), before → after."""
    def said(value: Any) -> str:
        if not isinstance(value, Mapping):
            return ""
        days, runs = value.get("keep_days"), value.get("keep_runs")
        if not isinstance(days, int) or not isinstance(runs, int):
            return ""
        return curly(f"{plural(days, 'day')}, at least the newest {plural(runs, 'run')}")
    was, now = said(before), said(after)
    if was and now:
        return f"Changed the history kept by default from {was} to {now}"
    return "Changed the history kept by default" + (f" to {now}" if now else "")


def accepted_unkeyed(_target: str, _before: Any, after: Any) -> str:
    events = after.get("events") if isinstance(after, Mapping) else None
    ids = [str(e[0]) for e in events if isinstance(e, list) and e] if isinstance(
        events, list) else []
    what = f"{plural(len(ids), 'event')} ({', '.join(ids)})" if ids else "events"
    return f"Accepted {what} recorded while the keyring was unavailable"


def key_exported(target: str, _before: Any, _after: Any) -> str:
    where = f" to {target}" if target else ""
    return f"Wrote the store's audit key{where}, for another home on the store"


def key_imported(target: str, _before: Any, _after: Any) -> str:
    where = f" from {target}" if target else ""
    return f"Kept the store's audit key{where} in this home's keyring: its events are keyed"
