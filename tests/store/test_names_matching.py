"""The names a name field offers in a big home: those holding the text, letter case aside,
the ones starting with it first, each part A–Z as people read names, at most `limit`, never
the edited task's own; only the tasks with a dependency or a fallback when asked (the Graph's
task field while the others are hidden); and whether any name holds a text (the Runs
filter's note)."""

from __future__ import annotations

from typing import Any

from app.store import task_queries
from tests.conftest import command_task


def test_names_starting_with_the_text_come_first(service: Any) -> None:
    for name in ("Nightly backup", "backup photos", "Backup notes", "mail", "zz BACKUP"):
        service.create_task(command_task(name))
    with service.store.read():
        assert task_queries.names_matching("BACK", 10) == [
            "Backup notes", "backup photos", "Nightly backup", "zz BACKUP"]
        assert task_queries.names_matching("back", 3) == [
            "Backup notes", "backup photos", "Nightly backup"]
        assert task_queries.names_matching("back", 10, without="backup photos") == [
            "Backup notes", "Nightly backup", "zz BACKUP"]
        assert task_queries.names_matching("", 2) == ["Backup notes", "backup photos"]
        assert task_queries.any_containing("PHOTO")
        assert not task_queries.any_containing("photos backup")


def test_linked_names_are_those_at_either_end_of_a_dependency_or_a_fallback(
        service: Any) -> None:
    for name, extra in (("fetch", {}), ("load", {"depends_on": ["fetch"]}),
                        ("first", {}), ("then", {"schedule": {"kind": "after",
                                                              "tasks": ["first"]}}),
                        ("notify", {}), ("backup", {"fallback": "notify"}), ("alone", {})):
        service.create_task(command_task(name, **extra))
    with service.store.read():
        assert task_queries.names_matching("", 10, linked=True) == [
            "backup", "fetch", "first", "load", "notify", "then"]
        assert task_queries.names_matching("N", 10, linked=True) == [
            "notify", "then"]  # (not "alone": no dependency, no fallback)
        assert task_queries.names_matching("", 10, without="load", linked=True) == [
            "backup", "fetch", "first", "notify", "then"]
        assert task_queries.names_matching("N", 10) == ["notify", "alone", "then"]
