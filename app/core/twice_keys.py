"""JSON objects that give a key more than once: `json.loads` keeps the last silently, so an
edit made above the other spelling of a key was dropped unsaid; an export file's reader
(app/transfer.py) finds the first such object and names it."""

from __future__ import annotations

from typing import Any


class Twice(dict[str, Any]):
    """A JSON object of an export file that gives a key more than once (`key`)."""

    key = ""

    @classmethod
    def marked(cls, pairs: list[tuple[str, Any]], found: list[str]) -> dict[str, Any]:
        """`json.loads`'s object: a plain dict, or one of these when a key comes twice (its
        key put in `found` too, so a file without one is not walked)."""
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        twice, seen = cls(obj), set()
        for key, _value in pairs:
            if key in seen:
                twice.key = key
                break
            seen.add(key)
        found.append(twice.key)
        return twice

    @classmethod
    def first(cls, value: Any, where: str) -> tuple[str, str] | None:
        """Where the first object that gives a key twice is (`tasks[0].env`), and the key."""
        if isinstance(value, cls):
            return where, value.key
        items = (((f"{where}.{k}" if where else k), v) for k, v in value.items()
                 ) if isinstance(value, dict) else ((f"{where}[{i}]", v) for i, v in enumerate(
                     value)) if isinstance(value, list) else ()
        for place, item in items:
            found = cls.first(item, place)
            if found is not None:
                return found
        return None
