"""What tasks may say about each other: names unique, upstreams, chains, fallbacks and secrets
known, no dependency or fallback cycle — checked once for a whole batch of new or changed tasks.

The store hands over one `Snapshot` (every task's id and name, the dependency edges, the
fallbacks, the stored secret names), read in a few queries; the checks then run in memory,
over one graph, so importing ten thousand tasks costs about as much as checking one against
ten thousand. References given as task ids (digits) are turned into names here, so a cycle
cannot hide behind an id.

Names are unique regardless of letter case (`shout` and `Shout` cannot both be made, by
create, rename or import), and a reference may be typed in any case: `--after SHOUT` means
the task `Shout`, and is stored as that name. A store made before the rule may hold two
names that differ only in case; both keep working (an exact reference is never in doubt,
and a task keeping its name is not refused), and a reference matching both only in case is
refused naming them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from app.core import dag
from app.core.errors import CycleError, Quote, ValidationError, naming, straight
from app.core.schedule import Schedule
from app.core.task import TaskSpec, fold

Folded = dict[str, list[str]]  # names by their folded form (`by_fold`)
Label = Callable[[int, str], str]  # (index in the batch, field) -> the field an error names
SHOWN = 10  # names an error lists before "and N more"


@dataclass
class Snapshot:
    """The stored tasks' identities and links, as the references check needs them."""

    names: dict[int, str] = field(default_factory=dict)  # id -> name
    edges: list[tuple[int, int]] = field(default_factory=list)  # (task, upstream), both kinds
    fallbacks: dict[int, int] = field(default_factory=dict)  # task id -> fallback task id
    secrets: set[str] = field(default_factory=set)
    groups: dict[str, int] = field(default_factory=dict)  # a group tasks are in -> its limit
    # `names` by their folded form, made once (`folded()`): the editor looks its typing up in
    # it at every pause, and building it costs ~140 ms on the GUI thread with 100,000 tasks
    index: Folded | None = field(default=None, repr=False, compare=False)

    def folded(self) -> Folded:
        """The stored names by their folded form (made at the first call, then kept: a
        snapshot's names are not changed after it is read)."""
        if self.index is None:
            self.index = by_fold(self.names.values())
        return self.index


def plain(index: int, name: str) -> str:
    """Label for a single create or update: the field as it is."""
    return name


def already_here(specs: Sequence[TaskSpec], stored: Iterable[str]) -> list[str]:
    """The names of `specs` that a task named in `stored` has, letter case aside (names are
    an import's identity): what an import that skips existing tasks leaves as it is."""
    here = {fold(name) for name in stored}
    return [spec.name for spec in specs if fold(spec.name) in here]


def typed(ref: str, field_name: str = "task") -> str:
    """A task as typed where one is asked for (its name, in any letter case, or its id),
    without the spaces around it; an empty one is refused naming `field_name` (`task show ''`
    said "task not found: " and nothing after)."""
    text = ref.strip()
    if not text:
        raise ValidationError(field_name, "is empty: give the task's name or its id")
    return text


def by_fold(names: Iterable[str]) -> dict[str, list[str]]:
    """`names` grouped by their folded form."""
    out: dict[str, list[str]] = {}
    for name in names:
        out.setdefault(fold(name), []).append(name)
    return out


def unique_name(ref: str, folded: dict[str, list[str]], field_name: str | None) -> str | None:
    """The one name `ref` means ignoring case (None: no such name); when several names
    differ from it only in case, ValidationError on `field_name` (None: no name)."""
    found = folded.get(fold(ref), [])
    if len(found) > 1:
        if field_name is None:
            return None
        raise naming(field_name, lambda quote: (
            f"{quote(ref)} could be {' or '.join(map(quote, sorted(found)))} (names differing "
            "only in letter case): write it exactly"))
    return found[0] if found else None


def listing(items: Sequence[str], quote: Quote = straight) -> str:
    shown = ", ".join(quote(n) for n in items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def check(snapshot: Snapshot, batch: Sequence[tuple[TaskSpec, int | None]],
          label: Label = plain) -> list[TaskSpec]:
    """Validate new tasks (id None) or changed ones (their id) against the stored ones and
    each other; return the specs with every reference as a task name, or raise
    ValidationError naming the field (through `label`) and the reason."""
    names = dict(snapshot.names)
    _check_names([(spec.name, task_id) for spec, task_id in batch], snapshot, label)
    changed = {task_id for _, task_id in batch if task_id is not None}
    for spec, task_id in batch:
        if task_id is not None:
            names[task_id] = spec.name  # a rename: every edge to it follows the new name
    known = set(names.values()) | {spec.name for spec, _ in batch}
    batch_folded = by_fold(spec.name for spec, _ in batch)

    def resolve(ref: str, index: int, field_name: str) -> str:
        ref = ref.strip()
        if ref in known:
            return ref
        if ref.isdecimal() and int(ref) in names:  # names are never all digits: this is an id
            return names[int(ref)]
        key = fold(ref)  # the names known now (a renamed task's old name is not)
        same = [n for n in snapshot.folded().get(key, []) if n in known]
        same += [n for n in batch_folded.get(key, []) if n not in same]
        found = unique_name(ref, {key: same}, label(index, field_name))
        if found is None:
            raise naming(label(index, field_name), lambda quote: f"unknown task {quote(ref)}")
        return found

    specs: list[TaskSpec] = []
    for i, (spec, _) in enumerate(batch):
        depends_on = tuple(dict.fromkeys(resolve(r, i, "depends_on") for r in spec.depends_on))
        after = tuple(dict.fromkeys(resolve(r, i, "after") for r in spec.schedule.after))
        if spec.name in depends_on or spec.name in after:  # named by the list that holds it
            raise CycleError([spec.name, spec.name],
                             label(i, "depends_on" if spec.name in depends_on else "after"))
        fallback = resolve(spec.fallback, i, "fallback") if spec.fallback else None
        schedule = (Schedule(kind="after", after=after) if spec.schedule.kind == "after"
                    else spec.schedule)
        if (depends_on, schedule, fallback) == (spec.depends_on, spec.schedule, spec.fallback):
            specs.append(spec)  # already plain names: spare the copy (imports check thousands)
        else:
            specs.append(spec.with_changes(depends_on=depends_on, schedule=schedule,
                                           fallback=fallback))
    _check_secrets(specs, snapshot.secrets, label)

    graph: dict[str, set[str]] = {}
    for down, up in snapshot.edges:
        if down not in changed:
            graph.setdefault(names[down], set()).add(names[up])
    for spec in specs:
        graph[spec.name] = set(spec.depends_on) | set(spec.schedule.after)
    cycle = (dag.cycle_through(graph, specs[0].name) if len(specs) == 1
             else dag.find_cycle(graph))
    if cycle:
        index = next((i for i, s in enumerate(specs) if s.name in cycle), 0)
        spec = specs[index]
        # the field of the edge that closes it: what the task waits for ("after" is the
        # schedule's list of tasks it runs after)
        waits_for = cycle[cycle.index(spec.name) - 1] if cycle.index(spec.name) else cycle[-2]
        field_name = ("after" if waits_for in spec.schedule.after
                      and waits_for not in spec.depends_on else "depends_on")
        raise CycleError([str(n) for n in cycle], label(index, field_name))

    next_of: dict[str, str | None] = {names[t]: names.get(f) for t, f in
                                      snapshot.fallbacks.items() if t not in changed}
    for spec in specs:
        next_of[spec.name] = spec.fallback
    loop = dag.successor_cycle(next_of, [spec.name for spec in specs])
    if loop:
        index = next(i for i, s in enumerate(specs) if s.name == loop[0])
        raise ValidationError(label(index, "fallback"),
                              f"{' → '.join(loop)} would make a cycle (each would run the "
                              "next when it fails, without end)")
    return specs


def check_name(snapshot: Snapshot, name: str, own: int | None) -> None:
    """The name check of `check` alone, for a name typed before the rest of its task is
    (`own`: the id of the task renamed; None: a new task): ValidationError on "name"."""
    _check_names([(name, own)], snapshot, plain)


def _check_names(batch: Sequence[tuple[str, int | None]], snapshot: Snapshot,
                 label: Label) -> None:
    """No name twice in the batch, nor one another task has, ignoring letter case; a task
    keeping its own name is not checked (an older store may hold names differing in case)."""
    seen: dict[str, int] = {}
    for i, (name, _) in enumerate(batch):
        other = seen.get(fold(name))
        if other is not None:
            also = batch[other][0]
            raise _twice(label(i, "name"), name, label(other, "name"), also)
        seen[fold(name)] = i
    stored = snapshot.names
    changed = [(name, task_id) for name, task_id in batch
               if task_id is None or stored.get(task_id) != name]
    if not changed:
        return
    folded = snapshot.folded()
    taken: list[tuple[str, str]] = []  # (a batch's name, the stored name it clashes with)
    for name, task_id in changed:
        own = stored.get(task_id) if task_id is not None else None  # (names are unique)
        others = [n for n in folded.get(fold(name), []) if n != own]
        clash = name if name in others else (others[0] if others else None)
        if clash is not None:
            taken.append((name, clash))
    if not taken:
        return
    by_case = "" if all(new == old for new, old in taken) else "; names are compared " \
        "without letter case"
    if len(batch) == 1:  # (in a door's own quotes, as the words for several below)
        new, old = taken[0]
        imported = "" if label is plain else (" (nothing was imported; rename or delete it "
                                              "first, or leave it as it is: --skip-existing)")

        def one(quote: Quote) -> str:
            return f"a task named {quote(old)} already exists" + (
                "" if new == old else f": {quote(new)} differs from it only in "
                f"{_how(new, old)}") + imported
        raise ValidationError("name", one(straight), one)
    olds = [old for _, old in taken]

    def words(quote: Quote) -> str:
        if len(olds) == 1:
            return (f"1 task already exists: {quote(olds[0])} (nothing was imported; rename "
                    f"or delete it first, or leave it as it is: --skip-existing{by_case})")
        return (f"{len(olds)} tasks already exist: {listing(olds, quote)} (nothing was "
                f"imported; rename or delete those first, or leave them as they are: "
                f"--skip-existing{by_case})")
    raise ValidationError("name", words(straight), words)


def _check_secrets(specs: Sequence[TaskSpec], stored: set[str], label: Label) -> None:
    """Every secret a task refers to must be stored (names are checked by the caller)."""
    missing: dict[str, tuple[int, str]] = {}  # secret -> (first task needing it, its variable)
    for index, spec in enumerate(specs):
        for key, secret in spec.secret_env.items():
            if secret not in stored:
                missing.setdefault(secret, (index, key))
    if not missing:
        return
    first = next(iter(missing))
    index, key = missing[first]
    where = label(index, "secret_env")
    if len(specs) == 1:
        raise naming(where, lambda quote: f"{key} refers to unknown secret {quote(first)} "
                     f"(store it first: tickwork secret set {first})")
    if len(missing) == 1:
        raise naming(where, lambda quote: (
            f"secret {quote(first)} (used by {quote(specs[index].name)}) is not stored in "
            f"this home; store it first with: tickwork secret set {first}"))
    raise naming(where, lambda quote: (
        f"{len(missing)} secrets are not stored in this home: "
        f"{listing(list(missing), quote)}; store each first with: tickwork secret set NAME"))


def _twice(field: str, name: str, at: str, also: str) -> ValidationError:
    return naming(field, lambda quote: f"{quote(name)} appears twice (also at {at}" + (
        "" if also == name else f" as {quote(also)}") + ")")


def _how(new: str, old: str) -> str:
    """How two names that fold to one differ, for a person who sees them look alike: the
    code points are named where letter case is not the difference."""
    def nfc(text: str) -> str:
        return unicodedata.normalize("NFC", text)

    def nfkc(text: str) -> str:
        return unicodedata.normalize("NFKC", text)

    points = f"{ascii(new)[1:-1]} against {ascii(old)[1:-1]}"
    if nfc(new) == nfc(old):
        return (f"how its letters are encoded ({points}: é as one character or as e and an "
                "accent, a sign that stands for a letter)")
    forms = f"the forms of its letters ({points}: full-width, ligatures, look-alike signs)"
    if nfkc(new) == nfkc(old):
        return forms
    if nfc(new).casefold() == nfc(old).casefold():
        return "letter case"
    return f"letter case and {forms}"
