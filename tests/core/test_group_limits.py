"""Whose limit a group keeps on import (app/core/group_limits.py), as a pure rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core import group_limits
from app.core.errors import ValidationError
from app.core.task import TaskSpec
from app.transfer import label

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _spec(name: str, group: str | None, limit: int | None) -> TaskSpec:
    return TaskSpec.from_json({"name": name, "action": {"kind": "command", "argv": ["true"]},
                               "group": group, "group_limit": limit}, now=NOW)


def test_a_group_with_tasks_here_keeps_its_limit_and_says_so() -> None:
    specs = [_spec("a", "nightly", 2), _spec("b", "nightly", None), _spec("c", "new", 3),
             _spec("d", "empty", 4), _spec("e", None, None), _spec("f", "same", 1)]
    home = {"nightly": (5, [f"t{i}" for i in range(7)]), "empty": (9, []),
            "same": (1, ["s"])}
    settled, notes = group_limits.settle(specs, home, label)
    assert [(s.group, s.group_limit) for s in settled] == [
        ("nightly", None), ("nightly", None), ("new", 3), ("empty", 4), (None, None),
        ("same", None)]  # joined as it is: `same` gives no note, its limit is the file's
    assert notes == ["group 'nightly' keeps this home's limit of 5 (the file gives 2): 't0', "
                     "'t1', 't2', 't3', 't4' and 2 more are already in it"]


def test_two_limits_for_one_group_in_one_file_are_refused() -> None:
    specs = [_spec("a", "nightly", 2), _spec("b", "other", 1), _spec("c", "nightly", 3)]
    with pytest.raises(ValidationError) as refused:
        group_limits.settle(specs, {}, label)
    assert str(refused.value) == ("tasks[2].group: group 'nightly' has limit 3 here and limit "
                                  "2 in 'a': give its tasks one limit")
