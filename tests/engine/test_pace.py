"""`$TICKWORK_PACE`: a number from 0.01 to 100 scales an engine's idle looks; empty is the
default 1; anything else (words, zero, negative, NaN, infinity, absurdly large) is refused
naming the variable (an engine refuses it at its start: tests/cli/test_engine_options.py),
never a crash or an engine that never looks again."""

from __future__ import annotations

import pytest

from app.core.errors import ValidationError
from app.engine.clock import PACE_VAR, pace_from_env


@pytest.mark.parametrize(("value", "pace"), [
    ("0.1", 0.1), ("2", 2.0), ("0.01", 0.01), ("100", 100.0), ("", 1.0), (" ", 1.0),
])
def test_the_pace_is_read(monkeypatch: pytest.MonkeyPatch, value: str, pace: float) -> None:
    monkeypatch.setenv(PACE_VAR, value)
    assert pace_from_env() == pace


@pytest.mark.parametrize("value", ["fast", "0", "-1", "nan", "inf", "1e9", "0.001"])
def test_any_other_pace_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch,
                                             value: str) -> None:
    monkeypatch.setenv(PACE_VAR, value)
    with pytest.raises(ValidationError) as refused:
        pace_from_env()
    assert refused.value.field == PACE_VAR


def test_no_pace_set_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PACE_VAR, raising=False)
    assert pace_from_env() == 1.0
