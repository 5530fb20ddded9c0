"""Errors the domain raises; each says what is wrong in one line a user can act on."""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence
from pathlib import Path

Quote = Callable[[str], str]  # a name as a door quotes it


def straight(name: str) -> str:
    """A name as the command line quotes it: 'backup'."""
    return repr(name)


def curly(name: str) -> str:
    """A name as the window quotes it: “backup”."""
    return f"“{name}”"


class TickworkError(Exception):
    """Base of every error Tickwork raises on purpose."""


class ValidationError(TickworkError):
    """User input that cannot be accepted; names the field and the reason. A reason that
    names tasks can be worded with a door's own quotes (`worded`); `reason` and the message
    have the command line's."""

    def __init__(self, field: str, reason: str,
                 words: Callable[[Quote], str] | None = None) -> None:
        self.field = field
        self.reason = reason
        self._words = words
        super().__init__(f"{field}: {reason}")

    def worded(self, quote: Quote) -> str:
        """The reason with the names it quotes in `quote`'s marks."""
        return self.reason if self._words is None else self._words(quote)

    def said(self, quote: Quote) -> str:
        """The message (`field: reason`) with the names it quotes in `quote`'s marks."""
        return f"{self.field}: {self.worded(quote)}"


def naming(field: str, words: Callable[[Quote], str]) -> ValidationError:
    """A refusal whose reason quotes names: the command line's quotes in its message, a
    door's own through `worded`."""
    return ValidationError(field, words(straight), words)


class EnvironmentCheckError(ValidationError):
    """An action naming something this machine does not have (yet): a program, a module, a
    folder. The CLI's `--no-verify` stores the task anyway."""


class CycleError(ValidationError):
    """A dependency edge that would close a cycle; carries the cycle's task names."""

    def __init__(self, cycle: list[str], field: str = "depends_on") -> None:
        self.cycle = cycle
        super().__init__(field, "would create a dependency cycle " + " → ".join(cycle))


class InUseError(ValidationError):
    """A task deleted while it runs or while others need it: refused unless forced. The
    reason says what forcing would do, in words for any door (the CLI adds `--force`)."""

    @classmethod
    def of(cls, name: str, active: list[tuple[int, str]], downstream: list[str],
           fallback_for: list[str], alone: Sequence[str] = ()) -> InUseError | None:
        """Why deleting a task needs force (None: it does not), every reason named, with
        what forcing does: `active` are (run id, status); `alone`, the downstream tasks
        that follow this one and no other (they then run only when started by hand)."""
        if not (active or downstream or fallback_for):
            return None

        def words(quote: Quote) -> str:
            def names(items: Sequence[str]) -> str:
                return ", ".join(quote(n) for n in items)
            why, force = [], []
            if active:
                shown = ", ".join(f"run {i} {status}" for i, status in active[:5])
                why.append(f"{'a run' if len(active) == 1 else 'runs'} in progress ({shown}"
                           f"{', …' if len(active) > 5 else ''})")
                force.append("cancels them" if len(active) > 1 else "cancels it")
            if downstream:  # (one: "dependent tasks (“B”)" said more than there were)
                one = len(downstream) == 1
                why.append(f"{'a dependent task' if one else 'dependent tasks'} "
                           f"({names(downstream)})")
                force.append(f"removes {'that dependency' if one else 'those dependencies'}" + (
                    f" ({names(alone)} then {'runs' if len(alone) == 1 else 'run'} only when "
                    f"started by hand, following no other task)" if alone else ""))
            if fallback_for:
                one = len(fallback_for) == 1
                why.append(f"{'a task that falls' if one else 'tasks that fall'} back to it "
                           f"({names(fallback_for)})")
                force.append(f"leaves {'it' if one else 'those'} without a fallback")
            then = ", ".join(force[:-1]) + (" and " if len(force) > 1 else "") + force[-1]
            return f"{quote(name)} has {' and '.join(why)}; deleting it anyway {then}"
        return cls("task", words(straight), words)


def others_words(path: object, owner: str) -> str:
    """Why a file of another user is not restored or imported unasked: the CLI's refusal and
    the window's question both open with it."""
    return f"{path} is {owner}'s, not yours: its tasks would run their commands as you"


class OthersFile(ValidationError):
    """A backup or export file of another user (root aside), given to restore or import: a
    planted /tmp/backup.db ran its owner's commands as the person. Refused unless they say
    they trust its owner (`--trust-owner`; the window asks). `done`: "restored" or
    "imported"."""

    def __init__(self, path: object, owner: str, done: str) -> None:
        self.path = path
        self.owner = owner
        super().__init__("file", f"{others_words(path, owner)}; nothing was {done} — give "
                         f"--trust-owner if you trust {owner}")


class ChangedElsewhere(TickworkError):
    """A form saved over a task that was changed elsewhere, in the same fields, since the
    form read it (the CLI, another window, the engine's own writes): refused unless the
    person chooses to overwrite. `fields` are the task's JSON keys both changed; `values`
    each one's words ("the description"), its value there and the form's, whole."""

    def __init__(self, name: str, fields: Sequence[str], words: str,
                 values: Sequence[tuple[str, str, str]] = ()) -> None:
        self.name = name
        self.fields = list(fields)
        self.values = list(values)
        super().__init__(f"“{name}” was changed elsewhere while you edited it: {words}")


class NotFoundError(TickworkError):
    """A task, run or secret that does not exist."""

    def __init__(self, kind: str, ref: object) -> None:
        self.kind = kind
        self.ref = ref
        super().__init__(f"{kind} not found: {ref}")


class StoreError(TickworkError):
    """The store cannot be opened or used (corrupt, newer schema, unreadable)."""


class SecretStoreUnavailable(TickworkError):
    """No usable keyring backend: secrets are refused rather than written in plain text."""


class FileInTheWay(TickworkError):
    """Something Tickwork must leave alone (a fifo, a folder, a link, a file it cannot read)
    stands where it keeps a file of its own in the user's config folder; the message says
    what is there and what to do."""


# what the name given gets wrong (exit 2); any other error (a full disk, a quota, an I/O
# error) is the machine's failure, exit 1
_NAMED_WRONG = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG,
                          errno.ELOOP, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENXIO})


def not_written(path: Path, exc: OSError, where: str = "") -> TickworkError:
    """Why a file the user named (an export, a backup) could not be written to `path` (or,
    with `where="in "`, in the folder `path`): bad input when the name given is at fault (a
    folder, a missing one, one not ours to write), else a failure."""
    said = f"cannot write {where}{path}: {exc.strerror or exc}"
    if exc.errno in _NAMED_WRONG:
        return ValidationError("file", said)
    return TickworkError(said)
