"""`$TICKWORK_PACE`: a number from 0.01 to 100 scales an engine's idle looks; anything else
(empty, words, zero, negative, NaN, infinity, absurdly large) is ignored, never a crash or
an engine that never looks again."""

from __future__ import annotations

import pytest

from app.engine.clock import PACE_VAR, pace_from_env


@pytest.mark.parametrize(("value", "pace"), [
    ("0.1", 0.1), ("2", 2.0), ("0.01", 0.01), ("100", 100.0),
    ("", 1.0), ("fast", 1.0), ("0", 1.0), ("-1", 1.0), ("nan", 1.0), ("inf", 1.0),
    ("1e9", 1.0), ("0.001", 1.0),
])
def test_the_pace_is_read_or_ignored(monkeypatch: pytest.MonkeyPatch, value: str,
                                     pace: float) -> None:
    monkeypatch.setenv(PACE_VAR, value)
    assert pace_from_env() == pace


def test_no_pace_set_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PACE_VAR, raising=False)
    assert pace_from_env() == 1.0
