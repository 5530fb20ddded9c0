"""The batch references check, on plain snapshots: names, ids, renames, both kinds of cycle."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.dag import successor_cycle
from app.core.errors import CycleError, ValidationError
from app.core.references import Snapshot, check
from app.core.schedule import Schedule
from app.core.task import Action, TaskSpec

TRUE = Action("command", argv=("true",))


def spec(name: str, **extra: Any) -> TaskSpec:
    return TaskSpec(name=name, action=TRUE, **extra)


def stored() -> Snapshot:
    # a ← b (b waits for a); b falls back to c
    return Snapshot(names={1: "a", 2: "b", 3: "c"}, edges=[(2, 1)], fallbacks={2: 3},
                    secrets={"token"})


def test_references_by_id_become_names() -> None:
    (out,) = check(stored(), [(spec("d", depends_on=("1",), fallback="3",
                                    schedule=Schedule(kind="after", after=("2",))), None)])
    assert out.depends_on == ("a",) and out.fallback == "c" and out.schedule.after == ("b",)


def test_a_cycle_cannot_hide_behind_an_id() -> None:
    with pytest.raises(CycleError, match="a → b → a"):
        check(stored(), [(spec("a", depends_on=("2",)), 1)])
    with pytest.raises(ValidationError, match="c → b → c would make a cycle"):
        check(stored(), [(spec("c", fallback="2"), 3)])


def test_a_rename_carries_the_stored_links() -> None:
    with pytest.raises(ValidationError, match="fallback: cee → b → cee"):
        check(stored(), [(spec("cee", fallback="b"), 3)])


def test_a_batch_may_name_itself_in_any_order_but_not_in_a_loop() -> None:
    out = check(stored(), [(spec("x", depends_on=("y",), fallback="y"), None),
                           (spec("y", depends_on=("a",)), None)])
    assert [s.name for s in out] == ["x", "y"]
    label = lambda i, f: f"tasks[{i}].{f}"  # noqa: E731
    with pytest.raises(ValidationError, match=r"tasks\[1\]\.fallback: y → x → y"):
        check(stored(), [(spec("w"), None), (spec("y", fallback="x"), None),
                         (spec("x", fallback="y"), None)], label)


def test_names_taken_or_repeated_are_all_named() -> None:
    with pytest.raises(ValidationError, match="2 tasks already exist: 'a', 'b'"):
        check(stored(), [(spec("a"), None), (spec("new"), None), (spec("b"), None)])
    with pytest.raises(ValidationError, match="'n' appears twice"):
        check(stored(), [(spec("n"), None), (spec("n"), None)])


def test_unknown_secrets_are_named_with_the_command_that_stores_them() -> None:
    with pytest.raises(ValidationError, match="tickwork secret set other"):
        check(stored(), [(spec("s", secret_env={"T": "token", "O": "other"}), None),
                         (spec("t"), None)])
    check(stored(), [(spec("s", secret_env={"T": "token"}), None)])


def test_successor_cycle_only_reports_loops_through_the_changed_tasks() -> None:
    old_loop = {"p": "q", "q": "p", "r": "p"}
    assert successor_cycle(old_loop, ["r"]) is None
    assert successor_cycle(old_loop, ["q"]) == ["q", "p", "q"]
    assert successor_cycle({"s": "s"}, ["s"]) == ["s", "s"]


def test_a_cycle_is_named_under_the_field_of_the_edge_that_closes_it() -> None:
    """prep after greet while greet waits for prep: the cycle is said under "after", where
    the person made it; through depends_on, under "depends_on"."""
    from datetime import UTC, datetime

    from app.core.errors import CycleError
    from app.core.task import TaskSpec

    snapshot = Snapshot(names={1: "prep", 2: "greet"}, edges=[(2, 1)])
    for extra, field in (({"schedule": {"kind": "after", "tasks": ["greet"]}}, "after"),
                         ({"depends_on": ["greet"]}, "depends_on")):
        spec = TaskSpec.from_json({"name": "prep", "action": {"kind": "command",
                                                              "argv": ["true"]}, **extra},
                                  now=datetime.now(UTC))
        with pytest.raises(CycleError) as cycle:
            check(snapshot, [(spec, 1)])
        assert cycle.value.field == field and cycle.value.cycle == ["prep", "greet", "prep"]


def test_names_are_unique_regardless_of_letter_case() -> None:
    with pytest.raises(ValidationError) as caught:
        check(stored(), [(spec("A"), None)])
    assert (caught.value.field, caught.value.reason) == (
        "name", "a task named 'a' already exists: 'A' differs from it only in letter case")
    with pytest.raises(ValidationError, match=r"y: name: 'E' appears twice \(also at "
                       r"x: name as 'e'\)"):
        check(stored(), [(spec("e"), None), (spec("E"), None)], lambda i, f: f"{'xy'[i]}: {f}")
    with pytest.raises(ValidationError, match=r"1 task already exists: 'c' \(nothing was "
                       r"imported; rename or delete it first, or leave it as it is: "
                       r"--skip-existing; names are compared without"):
        check(stored(), [(spec("C"), None), (spec("e"), None)])
    with pytest.raises(ValidationError, match="a task named 'a' already exists"):
        check(stored(), [(spec("A"), 2)])  # a rename onto another's name in another case
    (out,) = check(stored(), [(spec("A"), 1)])  # a's own name in another case
    assert out.name == "A"


def test_a_reference_in_another_case_means_the_one_task_of_that_name() -> None:
    (out,) = check(stored(), [(spec("d", depends_on=("A",), fallback="C",
                                    schedule=Schedule(kind="after", after=("B",))), None)])
    assert out.depends_on == ("a",) and out.fallback == "c" and out.schedule.after == ("b",)


def test_a_store_holding_names_differing_only_in_case_keeps_working() -> None:
    older = Snapshot(names={1: "shout", 2: "Shout"})
    (kept,) = check(older, [(spec("Shout", priority=3), 2)])  # keeps its name: not refused
    assert kept.name == "Shout"
    (exact,) = check(older, [(spec("d", depends_on=("Shout",)), None)])
    assert exact.depends_on == ("Shout",)
    with pytest.raises(ValidationError) as caught:
        check(older, [(spec("d", depends_on=("SHOUT",)), None)])
    assert (caught.value.field, caught.value.reason) == (
        "depends_on", "'SHOUT' could be 'Shout' or 'shout' (names differing only in letter "
        "case): write it exactly")
