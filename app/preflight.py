"""Checks a task's action against this machine before it is stored, without running any of it.

What can be known without running the user's code is checked: the working folder exists; a
command's program is on PATH (the task's own PATH when its environment sets one) or is an
existing executable file (a relative path counts from the working folder, else from the
home folder, as it will when the command runs); a Python target's top-level module can be
found (`importlib.util.find_spec` on the top-level name only, which imports nothing; the
working folder is searched as well, as the executor does) and, when it is Python source not
yet imported here, compiles (a file whose every run would fail on a syntax error is refused
naming its line; for `pkg.mod` that is the package's `__init__.py`, which every run imports
first; `pkg/mod.py` itself is found only by importing the package, so it is taken on
trust). The function inside the module is checked
only when the module is already imported in this process (`os:nosuchfunc`), or, for a
top-level module of Python source, by reading that source without running it
(`mytask:nosuch`, and a keyword argument the function does not take); importing a user's
module, or even a standard one, may run code (`antigravity` opens a browser), so it is never
done here.

A shell command's first program is checked as a command's is, where that can be told without
running the shell (`app.core.shell_line.first_program`: `rsync -a … && mail …` its `rsync`,
`A=1 prog` its `prog`, `exec prog` its `prog`, `~/bin/job` in the home folder); builtins,
keywords and words the shell expands (`cd dir && ./run`, `$TOOL`) are left to the shell, and
so is every line run by a shell that does not read as sh (cron's SHELL=/usr/bin/fish). The
shell program a task names (cron's SHELL) is checked to be there.

A bare program name is looked for on the PATH its runs will have: the task's own, else that
of the engine running this home's tasks when that is another process here (its lock's record
says it: `engine_path`) — a background engine started at login may lack a folder this shell
has (`~/.local/bin`), and every run would fail "cannot start" — else this process's own.

The service runs these checks when a task is created, when its action or its PATH changes
(`verify_change`), and on import; the editor runs the same `verify_change` as the action is
typed, off the GUI thread. `--no-verify` (the CLI) or the editor's "do not check" box skips
them for an environment that will exist later. They are never run when a stored task is read, so a
task whose folder vanished later still loads, lists and shows, and its run fails honestly.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import os
import shlex
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from app.core.errors import EnvironmentCheckError
from app.core.module_words import not_found
from app.core.shell_line import first_program, reads_as_sh
from app.core.task import Action, TaskSpec
from app.platform.users import home_folder
from app.store.lock import EngineLock


class EnginePath(NamedTuple):
    """The PATH of the engine that runs a home's tasks, another process on this computer."""

    path: str
    pid: int | None


def engine_path(home: Path, url: str | None) -> EnginePath | None:
    """The PATH the engine running `home`'s tasks starts commands with, when it is another
    process that recorded it in its lock (an SQLite store's); None otherwise — no engine
    runs, it is this process, or it leads a shared store, perhaps from another computer:
    a program is then looked for on this process's own PATH."""
    if url is not None:
        return None
    try:
        holder = EngineLock(home).holder() or {}
    except OSError:
        return None
    path, pid = holder.get("path"), holder.get("pid")
    if not isinstance(path, str) or pid == os.getpid():
        return None
    return EnginePath(path, pid if isinstance(pid, int) else None)


def verify(spec: TaskSpec, engine: EnginePath | None = None) -> None:
    """Raise EnvironmentCheckError naming the field when the action cannot run here (a
    program looked for on the PATH of `engine` when the task sets none: `engine_path`)."""
    verify_action(spec.action, spec.env.get("PATH"), engine)


def verify_change(action: Action, path: str | None, before: TaskSpec | None,
                  engine: EnginePath | None = None) -> None:
    """`verify_action` when storing `action` (with the task's PATH) over `before` (None: a new
    task) asks for it: a task kept as it was, whose folder vanished since, can still be
    renamed or paused."""
    if before is None or _runs_as(action) != _runs_as(before.action) or \
            path != before.env.get("PATH"):
        verify_action(action, path, engine)


def _runs_as(action: Action) -> Action:
    """The action without its typed line, which says what its arguments say (an editor
    gives the line of a task stored without one: the same action)."""
    return replace(action, line=None)


def verify_action(action: Action, path: str | None = None,
                  engine: EnginePath | None = None) -> None:
    cwd = action.cwd
    if cwd is not None and not os.path.isdir(cwd):
        raise EnvironmentCheckError("cwd", f"{_what_is(cwd)}, not a folder: {cwd}"
                                    if os.path.exists(cwd) else f"no such folder: {cwd}")
    if action.kind == "python":
        _verify_target(action.target, cwd, action.kwargs)
    elif not action.shell:
        _verify_program(action.argv[0], cwd, path, engine)
    elif action.shell_program is not None and not os.access(action.shell_program, os.X_OK):
        raise EnvironmentCheckError("shell_program", f"no such shell: {action.shell_program}")
    elif reads_as_sh(action.shell_program):
        program = first_program(action.argv[0])
        if program is not None:
            _verify_program(_home_expanded(program), cwd, path, engine)


def _home_expanded(program: str) -> str:
    """`~/x` as the shell reads it: the home folder's `x`."""
    if not program.startswith("~/"):
        return program
    try:
        return os.path.join(home_folder(os.environ), program[2:])
    except OSError as exc:
        raise EnvironmentCheckError("command", str(exc)) from None


def _what_is(path: str) -> str:
    """What stands at a path that exists but is not what was asked for."""
    return ("a folder" if os.path.isdir(path) else "a file" if os.path.isfile(path)
            else "a special file")


def _verify_target(target: str, cwd: str | None, kwargs: dict[str, Any]) -> None:
    module_name, _, func_name = target.partition(":")
    top = module_name.split(".")[0]
    try:
        found = importlib.util.find_spec(top)
        if found is None and cwd:
            found = importlib.machinery.PathFinder.find_spec(top, [cwd])
    except (ImportError, ValueError):
        found = None
    if found is None:  # (said as the engine's run says it)
        raise EnvironmentCheckError("python", not_found(top, cwd or None))
    module = sys.modules.get(module_name)
    if module is not None and not callable(getattr(module, func_name, None)):
        raise EnvironmentCheckError("python", f"module {module_name!r} has no function "
                                    f"{func_name!r}")
    if top in sys.modules or not (found.origin and found.origin.endswith(".py")):
        return
    tree = _source(found.origin)  # (a package's __init__.py: every run imports it first)
    if tree is not None and module_name == top:
        _verify_function(tree, found.origin, module_name, func_name, kwargs)


def _source(path: str) -> ast.Module | None:
    """A top-level module's source, compiled (not run) as importing it would: Python that
    never imports (a syntax error, text that is not UTF-8 and says no other encoding) is
    refused naming its line; a file that cannot be read is given the benefit of the doubt."""
    try:
        source = Path(path).read_bytes()
    except OSError:
        return None
    try:
        tree = ast.parse(source, filename=path)
        compile(tree, path, "exec", dont_inherit=True)  # also what only the compiler says
    except SyntaxError as exc:  # ('return' outside function)
        reason = (exc.msg or "invalid syntax").replace("(unicode error) ", "not UTF-8: ")
        line = f" line {exc.lineno}" if exc.lineno else ""
        raise EnvironmentCheckError("python", f"{path}{line}: {reason}") from None
    except (ValueError, RecursionError, MemoryError):
        return None
    return tree


def _verify_function(tree: ast.Module, path: str, module_name: str, func_name: str,
                     kwargs: dict[str, Any]) -> None:
    """The function as the module's source defines it, read, not run: missing, or not taking
    a keyword argument given. A module that makes names at run time (`import *`, a module
    `__getattr__`) is given the benefit of the doubt."""
    names: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update({(a.asname or a.name).split(".")[0]: node for a in node.names})
        else:  # assignments, and whatever else binds a name at the top (if, try, with …)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names[sub.id] = sub
                elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names[sub.name] = sub
    if "__getattr__" in names:
        return
    if func_name not in names:
        raise EnvironmentCheckError("python", f"module {module_name!r} has no function "
                                    f"{func_name!r} ({path})")
    defined = names[func_name]
    if not isinstance(defined, ast.FunctionDef | ast.AsyncFunctionDef):
        return
    takes = {a.arg for a in (*defined.args.args, *defined.args.kwonlyargs)}
    if "context" in takes and "context" in kwargs:  # (the run's would replace it)
        raise EnvironmentCheckError("kwargs", f"{func_name}() takes the run's context as "
                                    f"'context': give that keyword another name ({path})")
    if defined.args.kwarg is None:
        extra = sorted(set(kwargs) - takes - {"context"})
        if extra:
            raise EnvironmentCheckError("kwargs", f"{func_name}() takes no argument "
                                        f"{extra[0]!r} ({path})")  # (as a missing one)


def _verify_program(program: str, cwd: str | None, path: str | None,
                    engine: EnginePath | None) -> None:
    if os.sep in program or (os.altsep and os.altsep in program):
        try:  # relative to where its runs start: with no folder set, the home folder
            full = program if os.path.isabs(program) else os.path.join(
                cwd or home_folder(os.environ), program)
        except OSError as exc:
            raise EnvironmentCheckError("cwd", str(exc)) from None
        if not os.path.isfile(full):
            raise EnvironmentCheckError("command", f"{_what_is(full)}, not a program: {program}"
                                        if os.path.exists(full) else
                                        f"no such program: {program}")
        if not os.access(full, os.X_OK):
            raise EnvironmentCheckError("command", f"{program} is not executable")
        return
    if path is None and engine is not None:  # (the task sets none: the engine's it is)
        if shutil.which(program, path=engine.path) is not None:
            return
        here = shutil.which(program)
        if here is not None:
            pid = f"pid {engine.pid}: " if engine.pid else ""
            full = shlex.quote(here)  # (as it would be typed: `--command` splits it)
            raise EnvironmentCheckError(
                "command", f"program {program!r} is not on the PATH of the engine that runs "
                f"this home's tasks ({pid}{engine.path}): give its full path ({full}) or set "
                "PATH in the task's environment")
    if shutil.which(program, path=path) is None:
        raise EnvironmentCheckError("command", f"program {program!r} is not on PATH")
