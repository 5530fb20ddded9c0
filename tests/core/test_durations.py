"""Durations: the accepted grammar, the canonical form, and the round trip between them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.durations import MAX_DURATION, format_duration, parse_duration
from app.core.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d", timedelta(days=1)),
        ("2w", timedelta(weeks=2)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("1.5h", timedelta(hours=1, minutes=30)),
        ("500ms", timedelta(milliseconds=500)),
        ("90", timedelta(seconds=90)),
        ("0.25", timedelta(milliseconds=250)),
        ("1H30M", timedelta(hours=1, minutes=30)),
        ("  1h 30m  ", timedelta(hours=1, minutes=30)),
        ("1 h 30 m", timedelta(hours=1, minutes=30)),
        ("2 hours 5 minutes", timedelta(hours=2, minutes=5)),
        ("30m1h", timedelta(hours=1, minutes=30)),
        (".5s", timedelta(milliseconds=500)),
        ("1.0004s", timedelta(seconds=1)),  # rounded to the millisecond
        ("3653d", MAX_DURATION),
    ],
)
def test_parse_accepts(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("5x", "not a duration: '5x' (use e.g. 30s, 5m, 1h30m, 1d)"),
        ("abc", "not a duration"),
        ("h", "not a duration"),
        ("1h30", "not a duration"),
        ("1 30", "not a duration"),
        ("1e3s", "not a duration"),
        ("1..5s", "not a duration"),
        ("+5m", "not a duration"),
        ("1h1h", "repeats the unit"),
        ("1mo", "use days, e.g. 30d"),
        ("1y", "use days, e.g. 30d"),
        ("0", "must be positive"),
        ("0s", "must be positive"),
        ("0h0m", "must be positive"),
        ("-5m", "must be positive"),
        ("0.0001s", "at least 1ms"),
        ("3654d", "is too long"),
        ("11y", "use days, e.g. 30d"),
        ("999999999999999999999999999w", "is too long"),
        ("1" * 200 + "s", "too long"),
    ],
)
def test_parse_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_duration(text, "timeout")
    assert caught.value.field == "timeout"
    assert reason in caught.value.reason


def test_zero_where_none_at_all_is_meant() -> None:
    """A retry at once, a stop without grace: `zero` takes 0 in any spelling, no less."""
    for text in ("0", "0s", " 0 ms", "0h0m", ".0", "00.00 min"):
        assert parse_duration(text, "retry_delay", zero=True) == timedelta(0)
    assert parse_duration("1m30s", zero=True) == timedelta(seconds=90)
    for text, reason in (("-1s", "must not be negative, got '-1s'"),
                         ("0.0001s", "at least 1ms"), ("", "is empty")):
        with pytest.raises(ValidationError) as caught:
            parse_duration(text, "retry_delay", zero=True)
        assert reason in caught.value.reason


def test_default_field_name() -> None:
    with pytest.raises(ValidationError, match=r"^duration: "):
        parse_duration("nope")


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(days=1), "1d"),
        (timedelta(milliseconds=250), "250ms"),
        (timedelta(days=15), "2w1d"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(seconds=1, milliseconds=5), "1s5ms"),
        (timedelta(0), "0s"),
        (timedelta(seconds=-90), "-1m30s"),
    ],
)
def test_format(td: timedelta, text: str) -> None:
    assert format_duration(td) == text


MAX_MS = MAX_DURATION // timedelta(milliseconds=1)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=MAX_MS))
def test_format_then_parse_round_trips(millis: int) -> None:
    td = timedelta(milliseconds=millis)
    text = format_duration(td)
    assert parse_duration(text) == td
    assert parse_duration(text.upper()) == td


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=MAX_MS))
def test_parse_then_format_is_canonical(millis: int) -> None:
    text = format_duration(timedelta(milliseconds=millis))
    assert format_duration(parse_duration(text)) == text
