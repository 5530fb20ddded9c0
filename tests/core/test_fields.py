"""The JSON field readers: each returns the value typed, or names the field and the reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from app.core import fields
from app.core.errors import ValidationError


@pytest.mark.parametrize(
    ("read", "value", "expected"),
    [
        (lambda v: fields.text(v, "f", 5), "abc", "abc"),
        (lambda v: fields.optional_text(v, "f"), "", None),
        (lambda v: fields.boolean(v, "f"), False, False),
        (lambda v: fields.whole_number(v, "f", -1, 1), -1, -1),
        (lambda v: fields.choice(v, "f", ("a", "b")), "b", "b"),
        (lambda v: fields.seconds(v, "f"), "1h30m", 5400.0),
        (lambda v: fields.seconds(v, "f", allow_zero=True), 0, 0.0),
        (lambda v: fields.optional_seconds(v, "f"), None, None),
        (lambda v: fields.names(v, "f"), [" a", "b", "a "], ("a", "b")),
        (lambda v: fields.env_vars(v, "f"), {"A_1": "x"}, {"A_1": "x"}),
        (lambda v: fields.optional_time(v, "f", UTC), "2026-01-01T02:00",
         datetime(2026, 1, 1, 2, tzinfo=UTC)),
        (lambda v: fields.json_depth(v), {"a": [{"b": []}]}, 4),
    ],
)  # fmt: skip
def test_readers_return_the_value_typed(read: Any, value: object, expected: object) -> None:
    assert read(value) == expected


@pytest.mark.parametrize(
    ("read", "value", "field", "reason"),
    [
        (lambda v: fields.mapping(v, "f"), [], "f", "must be a JSON object"),
        (lambda v: fields.only_keys(v, {"a"}, "f"), {"a": 1, "z": 2}, "f.z", "not a known field"),
        (lambda v: fields.text(v, "f", 2), "abc", "f", "longer than 2 characters"),
        (lambda v: fields.boolean(v, "f"), 1, "f", "true or false"),
        (lambda v: fields.whole_number(v, "f", 0, 9), True, "f", "whole number"),
        (lambda v: fields.whole_number(v, "f", 0, 9), 10, "f", "between 0 and 9"),
        (lambda v: fields.choice(v, "f", ("a",)), "b", "f", "one of a"),
        (lambda v: fields.seconds(v, "f"), 0, "f", "positive duration"),
        (lambda v: fields.names(v, "f"), ["a", " "], "f", "empty name"),
        (lambda v: fields.env_vars(v, "f"), {"1A": "x"}, "f", "not a valid variable name"),
        (lambda v: fields.env_vars(v, "f"), {"A": "x\x00"}, "f", "must be text"),
        (lambda v: fields.optional_time(v, "f", UTC), "soon", "f", "not an ISO 8601"),
    ],
)  # fmt: skip
def test_readers_name_the_field(read: Any, value: object, field: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read(value)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_tags_may_be_emoji_but_never_hide_what_they_say() -> None:
    """An emoji made of several (ZWJ) or a flag (tag letters) is a tag like any other; a
    control or a bidirectional override is refused, naming it."""
    assert fields.names(["👨\u200d💻 dev", "🏴\U000e0067\U000e0062\U000e007f"], "tags") == (
        "👨\u200d💻 dev", "🏴\U000e0067\U000e0062\U000e007f")
    for bad, found in (("a\nb", "U+000A"), ("a\u202eb", "U+202E")):
        with pytest.raises(ValidationError, match=re.escape(found)):
            fields.names([bad], "tags")
