"""The command line's value types, and a parser that reports bad usage in one line: each type
reads one option's text, or refuses it with one line that names the field once ("priority:
not a whole number: 'abc'", "wait: must be positive"), exit 2, before anything is opened or
queued.

They raise `UsageError` themselves rather than argparse's `ArgumentTypeError`, which argparse
would prefix with its own name for the option ("argument --priority: priority: …")."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn

JSON_HELP = "print JSON instead of text"


class UsageError(Exception):
    """Bad command-line usage: exit 2 with one line."""


def not_allowed(first: str, second: str, named: str = "") -> UsageError:
    """Two options that contradict each other in one command, worded as argparse words two
    of a mutually exclusive group; `named`: what both name ("variable 'A'")."""
    return UsageError(f"argument {first}: not allowed with argument {second}"
                      + (f" for the same {named}" if named else ""))


BIGGEST = 2**63 - 1  # what the store's integers hold


def int_arg(name: str, lo: int = -BIGGEST) -> Callable[[str], int]:
    """A whole-number option, `lo` at least (a run id, a limit: 1) and never more than the
    store can hold."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise UsageError(f"{name}: not a whole number: {text!r}") from None
        if value < lo and lo > -BIGGEST:
            raise UsageError(f"{name}: must be at least {lo}: {text}")
        if abs(value) > BIGGEST:
            raise UsageError(f"{name}: too large: {text}")
        return value
    return parse


def file_arg(name: str) -> Callable[[str], str]:
    """A file to read or write: an empty name is refused (`export ""` said "cannot write
    /the/current/folder: Is a directory", `backup ""` wrote its default file)."""
    def parse(text: str) -> str:
        if not text.strip():
            raise UsageError(f"{name}: is empty: name a file")
        return text
    return parse


def hours_arg(text: str) -> float:
    """`simulate --hours`: more than 0, at most a year."""
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"hours: not a number: {text!r}") from None
    if not 0 < value <= 24 * 366:
        raise UsageError(f"hours: must be more than 0 and at most {24 * 366}: {text}")
    return value


def status_arg(text: str) -> str:
    """`run list --status`: one of the statuses a run can have."""
    from app.core.task import RUN_STATUSES

    if text not in RUN_STATUSES:
        raise UsageError(f"status: not a run status: {text!r} (one of "
                         f"{', '.join(RUN_STATUSES)})")
    return text


def store_url(text: str) -> str:
    """`--store`: a PostgreSQL URL, checked before anything opens."""
    from app.store.location import check_url

    try:
        return check_url(text)
    except ValueError as exc:
        raise UsageError(f"--store: {exc}") from None


def seconds_arg(name: str, *, zero: bool = False) -> Callable[[str], float]:
    """A length of time as seconds (`--wait`, `--grace`): a number of seconds or a duration
    (`30s`, `5m`, `1h30m`, as `--every` takes them), more than 0 (or 0 too, with `zero`), at
    most ten years; never negative, `nan` or `inf`."""
    def parse(text: str) -> float:
        from app.core.errors import ValidationError
        from app.core.fields import duration_seconds

        try:  # (one parser with an import file's and the editor's)
            return duration_seconds(text, name, zero=zero)
        except ValidationError as exc:
            raise UsageError(str(exc)) from None
    return parse


def home_arg(text: str) -> str:
    """`--home`: an empty one was taken as no --home (the default home, made if missing)."""
    from app.core.errors import ValidationError
    from app.store.home import named

    try:
        return named(text, "home")
    except ValidationError as exc:
        raise UsageError(str(exc)) from None


def workers_arg(text: str) -> int:
    """`engine --workers`: runs at once, a whole number from 1 to the most an engine takes."""
    from app.core.errors import ValidationError
    from app.core.fields import worker_count

    try:
        return worker_count(text, "workers")
    except ValidationError as exc:
        raise UsageError(str(exc)) from None


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exits 2, without the usage block."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a value that starts with '-' and a digit is a value, as '-5' already was: `--every
        # -5m` reaches the check that names the field ("every: must be positive"), not
        # argparse's "expected one argument" (no option here starts with '-' and a digit)
        self._negative_number_matcher = re.compile(r"-\.?\d")
        self._naming: list[tuple[str, str, str, Callable[[str], str]]] = []
        self._idle: list[tuple[str, str, tuple[str, ...], str]] = []

    def refuse_naming_one(self, first: str, second: str, what: str,
                          by: Callable[[str], str] = lambda value: value.partition("=")[0]
                          ) -> None:
        """Refuse `first` and `second` in one command when their values name one `what`
        (`by`: what a value names; a ``KEY=VALUE``'s KEY), as a mutually exclusive group
        refuses two options: which would win is an accident (``--tag t --untag t``)."""
        self._naming.append((first, second, what, by))

    def refuse_same_names(self, namespace: argparse.Namespace) -> None:
        """Raise if two options `refuse_naming_one` paired name one thing here."""
        for first, second, what, by in self._naming:
            named = {by(v).strip() for v in getattr(namespace, second[2:].replace("-", "_")) or []}
            for value in getattr(namespace, first[2:].replace("-", "_")) or []:
                if by(value).strip() in named:
                    raise not_allowed(first, second, f"{what} {by(value).strip()!r}")

    def refuse_with(self, dest: str, value: str, options: tuple[str, ...], why: str) -> None:
        """Refuse `options` given when the positional `dest` is `value`, where they would do
        nothing (`engine stop --workers 3` was taken and ignored); `why`: what they are for."""
        self._idle.append((dest, value, options, why))

    def refuse_idle(self, namespace: argparse.Namespace) -> None:
        """Raise if an option `refuse_with` named was given where it does nothing."""
        for dest, value, options, why in self._idle:
            if getattr(namespace, dest, None) != value:
                continue
            for option in options:
                action = self._option_string_actions[option]
                if getattr(namespace, action.dest, action.default) != action.default:
                    raise UsageError(f"argument {option}: not allowed with `{self.prog} "
                                     f"{value}`: it is for {why} (`{self.prog} {option} "
                                     f"{action.metavar}`)")

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._given = list(sys.argv[1:] if args is None else args)  # (each command its own)
        return super().parse_known_args(args, namespace)

    def _as_option(self) -> str | None:
        """A word given that was read as an option this command has not: a name starting
        with '-' (`task show -rf` said only "the following arguments are required: task")."""
        return next((w for w in getattr(self, "_given", ()) if w.startswith("-")
                     and w != "--" and w.partition("=")[0] not in self._option_string_actions
                     and not self._negative_number_matcher.match(w)), None)

    def error(self, message: str) -> NoReturn:
        dashed = self._as_option() if message.startswith(REQUIRED) else None
        if dashed is not None and "COMMAND" not in message:
            message += (f" ({dashed!r} was read as an option: a name starting with '-' goes "
                        f"last, after `--`: `{self.prog} … -- {dashed}`)")
        if message == "the following arguments are required: COMMAND":  # `tickwork task`
            verbs = next((a for a in self._actions
                          if isinstance(a, argparse._SubParsersAction)), None)
            if verbs is not None:
                message = (f"{self.prog} needs a command: {', '.join(verbs.choices)} "
                           f"(`{self.prog} --help` says what each does)")
        if message.startswith(UNRECOGNIZED):
            message = _before_the_command(message)
        raise UsageError(message)


UNRECOGNIZED = "unrecognized arguments: "
REQUIRED = "the following arguments are required: "
BEFORE = {"--home": "DIR", "--store": "URL"}  # the top-level options a command does not take
_PASSWORD = re.compile(r"(://[^/@\s]*?):[^@\s]*@")


def _before_the_command(message: str) -> str:
    """`tickwork task list --store URL` was "unrecognized arguments: --store URL", the URL's
    password and all: --home and --store are the program's options, before the command.
    The line says so, and shows a URL's password as ***."""
    message = _PASSWORD.sub(r"\1:***@", message)
    words = message[len(UNRECOGNIZED):].split()
    late = [o for o in BEFORE if any(w == o or w.startswith(o + "=") for w in words)]
    if not late:
        return message
    example = " ".join(f"{o} {BEFORE[o]}" for o in late)
    goes = "go" if len(late) > 1 else "goes"
    return (f"{message}: {' and '.join(late)} {goes} before the command, as in "
            f"`tickwork {example} task list`")
