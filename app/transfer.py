"""The export file: writing it safely (it holds env values) and reading it back strictly.

An export is the user's backup of every task: `{"version": 1, "exported_at": ..., "tasks":
[...]}`, each task in the shape `tickwork task show --json` prints. It is written 0600, to a
temporary file in the same folder that is synced and then renamed over the target, so a crash
leaves the old file or the new one, never half of one, and nobody else can read the env values
in it. Reading refuses anything but that shape and version exactly the integer 1; JSON nested
too deeply for the parser is one line, never a RecursionError (and each task's kwargs, the
one place a task nests freely, are limited by `TaskSpec.from_json`). A file of another user
(root aside) is refused as it is opened, unless the person trusts its owner (`trust_owner`):
its tasks would run their commands as the person (app/core/errors.py, OthersFile).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import preflight
from app.core import fields
from app.core.errors import OthersFile, ValidationError, not_written
from app.core.shown import held
from app.core.task import TaskSpec
from app.core.task_keys import file_key
from app.core.twice_keys import Twice
from app.export_text import EXPORT_VERSION, ascii_escaped
from app.platform.users import others_file, others_pipe

if TYPE_CHECKING:
    from app.core.import_plan import ImportPlan

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class ImportReport:
    """What an import made, noted and left as it was."""

    created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the import kept of the home's
    kept: list[str] = field(default_factory=list)  # already here: left as they are (skipped)


def label(index: int, field_name: str, task: object = None) -> str:
    """How an import names a field of one of its tasks: by its key in the file
    (`tasks[3].timezone` for `tz`, `tasks[3].action.argv` for `command`: app/core/task_keys.py),
    `task` being that task's JSON where it is at hand; the task itself (not a JSON object):
    `tasks[3]`."""
    if field_name == "task":
        return f"tasks[{index}]"
    return f"tasks[{index}].{file_key(field_name, task)}"


def read_specs(path: Path, *, verify: bool = True, trust_owner: bool = False
               ) -> list[TaskSpec]:
    """Every task in an export file as a spec, all or nothing; a bad field is named by its
    place in the file.

    Schedules are checked as of the epoch, not now: a backup holds one-shot tasks that have
    fired and windows that have ended, and they come back as they were (they just have no
    next run), while a schedule that never fires at all is still refused. `verify` checks
    each action against this machine; `trust_owner` reads a file of another user too."""
    specs: list[TaskSpec] = []
    for i, item in enumerate(read_export(path, trust_owner=trust_owner)):
        try:
            specs.append(TaskSpec.from_json(item, now=EPOCH))
        except ValidationError as exc:
            raise ValidationError(label(i, exc.field, item), exc.reason) from None
    if verify:
        verify_all(specs)
    return specs


def verify_all(specs: list[TaskSpec], name: Callable[[int, str], str] = label,
               engine: preflight.EnginePath | None = None) -> None:
    """Check every action against this machine, each distinct program, module or folder once;
    `name` says how an error names a task's field. Raises the first problem."""
    for problem in unverified(specs, name, engine):
        raise problem


def unverified(specs: list[TaskSpec], name: Callable[[int, str], str] = label,
               engine: preflight.EnginePath | None = None) -> Iterator[ValidationError]:
    """Each task whose action this machine lacks what it needs for (a program, a module, a
    folder), as the error its import would raise: a preview names every one. A program is
    looked for on `engine`'s PATH, as `preflight.verify` does."""
    return (problem for _, problem in unverified_at(specs, name, engine))


def unverified_at(specs: list[TaskSpec], name: Callable[[int, str], str] = label,
                  engine: preflight.EnginePath | None = None
                  ) -> Iterator[tuple[int, ValidationError]]:
    """`unverified` with each task's index (an action found fine is not looked at again)."""
    seen: set[tuple[Any, ...]] = set()
    for i, spec in enumerate(specs):
        action = spec.action
        key = (action.kind, action.argv[:1], action.shell, action.target, action.cwd,
               spec.env.get("PATH"), action.shell_program)
        if key in seen:
            continue
        try:
            preflight.verify(spec, engine)
        except ValidationError as exc:
            yield i, type(exc)(name(i, exc.field), exc.reason)
            continue
        seen.add(key)


def named(path: Path, stream: str) -> str:
    """How a file given as `path` is named in the audit: `-` is standard input or output
    (`stream`), as the CLI's own lines say, not "-" (an audit read "Exported 7 tasks to -");
    a relative path from the folder it was typed in (not a link's target), as `tickwork
    backup` names its file."""
    return f"standard {stream}" if str(path) == "-" else os.path.abspath(path)


def write_export(path: Path, chunks: Iterable[str], home: Path | None = None) -> str:
    """Write the JSON text in `chunks` (app/export_text.py) to `path`, atomically and readable
    by the owner only, a chunk at a time; return the file's name for a person (`named`). A
    link of the user's own is written through (the file it names is replaced, the link
    stays), never one someone else made or one in a shared folder such as /tmp; `-`, a pipe
    or a device (`/dev/stdout`) is written as a stream, appending (a shell's `>>` file stays
    whole), the text read whole first (a read that fails writes nothing to it). A file of
    the data `home` (its store, a backup) is never replaced."""
    name = named(path, "output")  # as given: a link by its own name
    if is_stdout(path):  # (escaped where its encoding cannot hold the text, as `json_for`)
        text = "".join(chunks) + "\n"
        sys.stdout.write(text if held(text, sys.stdout) else ascii_escaped(text))
        sys.stdout.flush()
        return name
    target = _written(path)
    if target is None:  # a stream: a pipe, a terminal, a device
        text = "".join(chunks) + "\n"
        try:
            with open(path, "a", encoding="utf-8") as out:
                if not _this_process(path):  # (a pipe swapped in since `_written` looked)
                    _refuse_others_pipe(path, os.fstat(out.fileno()))
                out.write(text)
        except OSError as exc:
            raise not_written(path, exc) from None
        return name
    if home is not None:
        _refuse_a_file_of(home, target)
    import tempfile  # (and the random module it loads) only when a file is written

    path, folder = target, target.parent
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise not_written(folder, exc, "in ") from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # mkstemp makes it 0600 already; say so where it matters
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for chunk in chunks:
                out.write(chunk)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise not_written(path, exc) from None
        raise
    _sync_folder(folder)
    return name


_STANDARD = (Path("/dev/stdout"), Path("/dev/stderr"), Path("/dev/stdin"))
_STDOUT = (Path("/dev/stdout"), Path("/dev/fd/1"), Path("/proc/self/fd/1"))


def is_stdout(path: Path) -> bool:
    """Whether an export to `path` is written to this process's standard output: `-`, or a
    name of it (`/dev/stdout`), which README promises works as `-` does — the JSON alone
    there, a write that fails ending the command as any lost output does."""
    return str(path) == "-" or Path(os.path.abspath(path)) in _STDOUT


def _this_process(path: Path) -> bool:
    """Whether `path` names an open file of this process (/dev/stdout, /dev/fd/N …)."""
    absolute = Path(os.path.abspath(path))
    return absolute in _STANDARD or absolute.parts[1:3] in (("dev", "fd"), ("proc", "self"))


def _written(path: Path) -> Path | None:
    """The regular file an export to `path` replaces (a link of the user's own followed),
    or None for a stream; ValidationError for a link that must not be followed."""
    if _this_process(path):
        return None  # an open file of this process (`>> log` too): never replaced
    absolute = Path(os.path.abspath(path))
    if path.is_symlink():
        shared = os.stat(absolute.parent).st_mode
        if os.lstat(path).st_uid != os.geteuid() or (
                shared & stat.S_ISVTX and shared & stat.S_IWOTH):
            raise ValidationError("file", f"{path} is a link someone else could have made "
                                  "(not yours, or in a shared folder): not followed; give "
                                  "the file it names")
        absolute = Path(os.path.realpath(path))
    if absolute.exists() and not absolute.is_file() and not absolute.is_dir():
        _refuse_others_pipe(path, os.stat(absolute))
        return None
    return absolute


def _refuse_others_pipe(path: Path, info: os.stat_result) -> None:
    """A pipe another user left at an export's name (in /tmp) got every task, env and all."""
    if (whose := others_pipe(info)) is not None:
        raise ValidationError("file", f"{path} is {whose}, not yours: nothing is written to "
                              "it; name a file of yours")


def _refuse_a_file_of(home: Path, target: Path) -> None:
    """ValidationError if `target` is one of the data home's own files: its store (`export
    HOME/tickwork.db` put the JSON in place of it, every task and run gone), the store's
    companions (its log, the engine's lock) or a file in the home's folders (backups,
    checkpoints). An export of the user's own beside them is theirs to replace."""
    from app.store.home import BELL_NAME, DB_NAME, LOCK_NAME, SHARED_NAME, STANDBY_NAME
    from app.store.location import CHOICE_NAME

    inside = Path(os.path.realpath(home))
    real = Path(os.path.realpath(target))
    if inside not in real.parents:
        return
    if real.parent != inside or real.name.startswith((DB_NAME, LOCK_NAME, STANDBY_NAME,
                                                      SHARED_NAME, BELL_NAME, CHOICE_NAME)):
        raise ValidationError("file", f"{target} is one of the data home's own files (its "
                              "store, backups or checkpoints): an export never replaces "
                              "it; name another file")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform lets a folder be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


MAX_FILE = 256 << 20  # bytes an imported file may hold (100,000 exported tasks: ~60 MB)


def _read_text(path: Path, field: str, *, others: bool = True) -> str:
    """A file's UTF-8 text; ValidationError naming `field` when it cannot be read as such
    (or is larger than MAX_FILE: `import /dev/zero` read until memory ran out); `-` is
    standard input, as `export -` writes standard output. Not `others`: OthersFile for a
    file of another user, as opened (the file read is the file looked at)."""
    if str(path) == "-":
        return stdin_text(field)
    try:
        with path.open("rb") as fh:
            owner = None if others else others_file(os.fstat(fh.fileno()))
            if owner is not None:
                raise OthersFile(os.path.realpath(path), owner, "imported")  # (as restore)
            data = fh.read(MAX_FILE + 1)
        return bounded_text(data, f"{path}", field)
    except OSError as exc:
        raise ValidationError(field, f"cannot read {path}: {exc.strerror}") from None


def stdin_text(field: str) -> str:
    """Standard input's UTF-8 text, at most MAX_FILE bytes (`import -`, `--crontab -`)."""
    return bounded_text(sys.stdin.buffer.read(MAX_FILE + 1), "standard input", field)


def bounded_text(data: bytes, what: str, field: str) -> str:
    """`data` (at most MAX_FILE + 1 bytes of `what`) as UTF-8 text, or ValidationError; a
    byte order mark at its start, as Notepad saves one, is not part of the text (an export
    edited there was refused as "Unexpected UTF-8 BOM")."""
    if len(data) > MAX_FILE:
        raise ValidationError(field, f"{what} is larger than {MAX_FILE >> 20} MiB: not a "
                              "file Tickwork imports")
    from app.store.integrity import SQLITE_MAGIC

    if data.startswith(SQLITE_MAGIC):  # it said "not UTF-8 text: invalid start byte"
        raise ValidationError(field, f"{what} is an SQLite database (a backup?), not a file "
                              "Tickwork imports: `tickwork restore FILE` puts a backup back")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(field, f"{what} is not UTF-8 text: {exc.reason}") from None


def read_export(path: Path, *, trust_owner: bool = False) -> list[Any]:
    """The task objects of an export file; ValidationError naming what is wrong (OthersFile:
    another user's, unless `trust_owner`)."""
    text = _read_text(path, "file", others=trust_owner)
    what = "standard input" if str(path) == "-" else str(path)
    if not text.strip():  # (it read "is not valid JSON: Expecting value: line 1 column 1")
        raise ValidationError("file", f"{what} is empty: an export file holds tasks")
    twice: list[str] = []
    try:
        data = json.loads(text, object_pairs_hook=lambda pairs: Twice.marked(pairs, twice))
    except json.JSONDecodeError as exc:
        raise ValidationError("file", f"{what} is {fields.not_json(exc)}") from None
    except RecursionError:
        raise ValidationError("file", f"{what} nests JSON too deeply to be an export "
                              "file") from None
    except ValueError:  # (after JSONDecodeError, one)
        raise ValidationError("file", f"{what} {fields.long_number()}") from None
    first = Twice.first(data, "") if twice else None
    if first is not None:  # an edit above the other spelling of a key was dropped unsaid
        where, key = first
        raise ValidationError(where or "file", f"gives {key!r} twice (JSON keeps the last "
                              "one only): keep the one you mean")
    if not isinstance(data, dict) or "tasks" not in data:
        raise ValidationError("file", 'expected {"version": 1, "tasks": [...]}')
    if not isinstance(data["tasks"], list):
        raise ValidationError("tasks", "must be a list of tasks")
    unknown = set(data) - {"version", "tasks", "exported_at"}
    if unknown:
        raise ValidationError("file", f"unknown top-level field {sorted(unknown)[0]!r}")
    version = fields.required(data.get("version"), "version")
    # true and 1.0 are not 1; "1" read "unsupported export version '1' (… reads version 1)"
    if type(version) is not int:
        raise ValidationError("version", f"must be the whole number {EXPORT_VERSION}, "
                              f"got {version!r}")
    if version != EXPORT_VERSION:
        raise ValidationError("version", f"unsupported export version {version!r} "
                              f"(this Tickwork reads version {EXPORT_VERSION})")
    return list(data["tasks"])


# -- other schedulers: a crontab, systemd user timers (the CLI and the window read them here) --


def crontab_plan_of(text: str, source: str) -> ImportPlan:
    """What importing this crontab text would create (`source` names it in the plan)."""
    from app.core.crontab import read_crontab

    return read_crontab(text, source)


def crontab_plan(path: Path, *, trust_owner: bool = False) -> ImportPlan:
    """What importing the crontab in this file would create (OthersFile: another user's,
    unless `trust_owner`: its lines would run as the person, as an export's tasks would)."""
    plan = crontab_plan_of(_read_text(path, "crontab", others=trust_owner), f"crontab {path}")
    plan.trusted = trusted_owner(path) if trust_owner else None
    return plan


def trusted_owner(path: Path) -> str | None:
    """The other user (root aside) whose file `path` is, for the audit of an import or a
    restore of it on the person's word (`--trust-owner`); None for their own, or one gone."""
    try:
        return None if str(path) == "-" else others_file(path.stat())
    except OSError:
        return None


def systemd_folder() -> Path:
    """Where systemd keeps a user's own units: $XDG_CONFIG_HOME/systemd/user."""
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(config) / "systemd" / "user"


def systemd_plan(folder: str | Path = "", *, trust_owner: bool = False) -> ImportPlan:
    """What importing the timers (and their services) in this folder would create; the user's
    own unit folder when none is given. A unit of another user's: OthersFile, unless
    `trust_owner` (as `crontab_plan`)."""
    from app.core.systemd_units import read_timers

    path = Path(folder).expanduser() if str(folder) else systemd_folder()
    if not path.is_dir():
        raise ValidationError("systemd", f"no such folder: {path}")
    units: dict[str, str] = {}
    trusted: str | None = None
    for unit in sorted(path.iterdir()):
        if unit.suffix in (".timer", ".service") and unit.is_file():
            try:
                with unit.open("rb") as fh:
                    owner = others_file(os.fstat(fh.fileno()))
                    if owner is not None and not trust_owner:
                        raise OthersFile(os.path.realpath(unit), owner, "imported")
                    trusted = trusted or owner
                    units[unit.name] = fh.read().decode("utf-8-sig")  # as systemd reads
            except (OSError, UnicodeDecodeError) as exc:
                raise ValidationError("systemd", f"cannot read {unit}: {exc}") from None
    plan = read_timers(units, f"systemd units in {path}")
    plan.trusted = trusted
    return plan
