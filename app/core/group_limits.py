"""Whose limit a concurrency group keeps when an import names it: the home's, while tasks of
the home are in it.

An export file carries each task's group with the limit it had where it was written. Taking
that limit into a home whose group of the same name already holds tasks would change how
many of *those* run at once, a change nobody asked for on them; so the import joins such a
group as it is (as `task update --group NAME` does) and says so in a note. A group no task
of the home is in takes the file's limit. Tasks of one file that give one group two limits
are refused: which one was meant cannot be told.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from app.core.errors import ValidationError
from app.core.task import TaskSpec

# group name -> (its limit, the names of the tasks in it), for the groups a home has
HomeGroups = Mapping[str, tuple[int, Sequence[str]]]


def settle(specs: list[TaskSpec], home: HomeGroups,
           label: Callable[[int, str], str]) -> tuple[list[TaskSpec], list[str]]:
    """`specs` with the home's limit kept for each group the home's tasks are in, and a note
    for each group whose limit in the file differs from it."""
    given: dict[str, tuple[int, int]] = {}  # group -> (its limit in the file, which task)
    for i, spec in enumerate(specs):
        if spec.group is None or spec.group_limit is None:
            continue
        first = given.setdefault(spec.group, (spec.group_limit, i))
        if first[0] != spec.group_limit:
            raise ValidationError(label(i, "group"), (
                f"group {spec.group!r} has limit {spec.group_limit} here and limit "
                f"{first[0]} in {specs[first[1]].name!r}: give its tasks one limit"))
    notes = []
    for group, (limit, _i) in given.items():
        kept, members = home.get(group, (limit, ()))
        if members and kept != limit:
            notes.append(f"group {group!r} keeps this home's limit of {kept} (the file gives "
                         f"{limit}): {_listed(members)} already in it")
    kept_groups = {group for group, (limit, _i) in given.items()
                   if home.get(group, (limit, ()))[1]}
    return [spec.with_changes(group_limit=None) if spec.group in kept_groups else spec
            for spec in specs], notes


def _listed(names: Sequence[str], shown: int = 5) -> str:
    more = len(names) - shown
    text = ", ".join(repr(n) for n in names[:shown])
    return f"{text} and {more} more are" if more > 0 else (
        f"{text} {'is' if len(names) == 1 else 'are'}")
