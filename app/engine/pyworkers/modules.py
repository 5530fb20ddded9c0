"""Which code a Python run calls: its task's module as it is on disk at the run's start,
found first in the task's folder, then on the engine's path. A task with no folder runs in
the user's home folder, but its module is looked for on the engine's path alone: the home
folder holds what it holds, and a `json.py` or `jobs.py` there is no task's by being there.

A worker serves every task, and Python has one `sys.modules`: two folders may each hold a
`jobs.py`, and a module stays imported as its file changes. So the modules a folder gave
(found there, and their packages' submodules) are that folder's own: in `sys.modules`, with
the folder first on `sys.path`, while a run of that folder goes; set aside, module-level
state and all, while runs of other folders go. Modules found on the engine's path (the
standard library, installed packages, Tickwork's own) are shared by every folder.

Before each run one `stat` per file asks whether it changed (its modification time, size or
the file itself): every module its folder gave, and the module the task names when that one
came from the engine's path. A folder's file changed makes all of the folder's modules
imported afresh, as a new interpreter would (one may hold another's names); a changed
module from the engine's path is imported afresh alone.

`sys.path` is the engine's path, with the run's folder first, at every run's start; what a
run adds to it (`sys.path.insert(0, vendor)`, at its module's top or in its function) is
its module's, as the interpreter's settings are (knobs.Kept): put back for that module's
next run, never seen by another's (one task's folder on the path stood before the engine's
path of every later task in the worker: a fault hunt).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import sys
from collections.abc import Callable
from importlib.machinery import PathFinder
from types import ModuleType
from typing import Any, NamedTuple

Stamp = tuple[int, int, int] | None  # a file's mtime (ns), size and inode; None: no file


def stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def source_of(module: ModuleType) -> str | None:
    """The file `module` was loaded from (None: built in, frozen, a namespace package)."""
    spec = getattr(module, "__spec__", None)
    if spec is not None and spec.has_location and isinstance(spec.origin, str):
        return spec.origin
    return None


class Found(NamedTuple):
    """A task's callable as last imported, and what says it is still the code on disk."""

    func: Callable[..., Any]
    wants_context: bool
    generation: int  # its folder's, when it was imported (-1: no folder)
    module: ModuleType
    source: str | None  # its module's file, when that came from the engine's path
    stamp: Stamp


class Folder:
    """One task folder: the modules it gave, by name, and their files as imported."""

    def __init__(self, path: str) -> None:
        self.path = os.path.normpath(path)
        self.modules: dict[str, ModuleType] = {}
        self.files: list[tuple[str, Stamp]] = []
        self.shadowed: dict[str, ModuleType] = {}  # shared modules its own stand before
        self.generation = 0  # one more each time its modules are dropped

    def gave(self, name: str, module: ModuleType) -> bool:
        """Whether `module`, just imported while this folder was first on the path, is
        ours: a top-level module or package found here, or a submodule of one of ours."""
        top = name.partition(".")[0]
        if top != name:
            return top in self.modules
        spec = getattr(module, "__spec__", None)
        if spec is None:
            return False
        if spec.submodule_search_locations is not None:  # a package: is its folder here?
            return any(os.path.dirname(os.path.normpath(str(place))) == self.path
                       for place in list(spec.submodule_search_locations))
        source = source_of(module)
        return source is not None and os.path.dirname(source) == self.path

    def keep(self, name: str, module: ModuleType) -> None:
        self.modules[name] = module
        source = source_of(module)
        if source is not None:
            self.files.append((source, stamp(source)))

    def changed(self) -> bool:
        return any(stamp(path) != was for path, was in self.files)

    def enter(self) -> None:
        """Its modules in `sys.modules` (shared ones of the same names set aside), the
        folder first on `sys.path`."""
        sys.path.insert(0, self.path)
        for name, module in self.modules.items():
            shared = sys.modules.get(name)
            if shared is not None and shared is not module:
                self.shadowed[name] = shared
            sys.modules[name] = module

    def leave(self) -> None:
        """Undo `enter`: its modules out of `sys.modules`, what they shadowed back."""
        if sys.path and sys.path[0] == self.path:
            del sys.path[0]
        else:  # the action moved it
            with contextlib.suppress(ValueError):
                sys.path.remove(self.path)
        for name, module in self.modules.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        sys.modules.update(self.shadowed)
        self.shadowed.clear()

    def shadow(self, top: str) -> None:
        """Set aside the shared package or module `top` (and its submodules) while this
        folder is entered, so that its own `top`, found here, is imported instead."""
        prefix = top + "."
        for name in [n for n in sys.modules if n == top or n.startswith(prefix)]:
            self.shadowed[name] = sys.modules.pop(name)

    def drop(self) -> None:
        """Forget its modules (it is entered: out of `sys.modules`, its place on the path
        kept), to import them afresh."""
        for name, module in self.modules.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        sys.modules.update(self.shadowed)
        self.shadowed.clear()
        self.modules.clear()
        self.files.clear()
        self.generation += 1
        finder = sys.path_importer_cache.get(self.path)  # a file added or removed there is
        invalidate = getattr(finder, "invalidate_caches", None)  # seen at once
        if invalidate is not None:
            invalidate()


class Modules:
    """A worker's modules by the folder they came from, and the callables resolved."""

    def __init__(self) -> None:
        self.folders: dict[str, Folder] = {}
        self.where: str | None = None  # the folder of the last run, as it was given
        self.current: Folder | None = None  # ... and its modules
        self.callables: dict[tuple[str | None, str], Found] = {}
        self.seen = dict(sys.modules)  # every module sorted into a folder or the shared
        self.count = len(sys.modules)
        self.base = list(sys.path)  # the engine's path, as every run starts from it
        self.paths: dict[tuple[str | None, str], list[str]] = {}  # a module's own path
        self.last: tuple[str | None, str] | None = None  # the running one's (folder, module)

    def resolve(self, target: str, folder: str | None = None,
                ) -> tuple[Callable[..., Any], bool]:
        """The function for `module:function` as on disk now, found first in `folder` (an
        absolute path), and whether it takes a `context` argument."""
        here = self._enter(folder)
        self.last = (folder, target.partition(":")[0])
        own = self.paths.get(self.last)
        if own is not None:  # the path this module's last run left
            sys.path[:] = own
        if here is not None and here.changed():
            here.drop()
            self.count = len(sys.modules)
        found = self.callables.get((folder, target))
        if found is not None:
            if here is not None and found.generation != here.generation:
                found = None
            elif found.source is not None and stamp(found.source) != found.stamp:
                name = found.module.__name__
                if sys.modules.get(name) is found.module:
                    del sys.modules[name]
                found = None
        if found is None:
            found = self._load(target, here)
            self.callables[(folder, target)] = found
        return found.func, found.wants_context

    def settle(self) -> None:
        """Sort the modules imported since (by a run, as it ran) into the current folder's
        or the shared ones. One `len` when nothing was imported."""
        if len(sys.modules) == self.count:
            return
        here = self.current
        for name, module in list(sys.modules.items()):
            if self.seen.get(name) is module:
                continue
            self.seen[name] = module
            if here is not None and here.gave(name, module):
                here.keep(name, module)
        self.count = len(sys.modules)

    def path_back(self) -> None:
        """After a run: `sys.path` as the engine's, its folder first; what the run left
        there kept for its module's next run. One comparison when it changed nothing."""
        here = self.current
        engine = [here.path, *self.base] if here is not None else self.base
        if sys.path != engine:
            if self.last is not None:
                self.paths[self.last] = list(sys.path)
            sys.path[:] = engine
        elif self.last is not None:
            self.paths.pop(self.last, None)
        self.last = None

    def _enter(self, folder: str | None) -> Folder | None:
        current = self.current
        if folder == self.where:
            return current
        if current is not None:
            current.leave()
        here = None
        if folder is not None:
            here = self.folders.get(folder)
            if here is None:
                here = self.folders[folder] = Folder(folder)
            here.enter()
        self.where, self.current = folder, here
        self.count = len(sys.modules)
        return here

    def _load(self, target: str, here: Folder | None) -> Found:
        module_name, _, func_name = target.partition(":")
        top = module_name.partition(".")[0]
        if here is not None and top not in here.modules and top in sys.modules \
                and _elsewhere(sys.modules[top], here.path):
            here.shadow(top)
        try:
            module = importlib.import_module(module_name)
        finally:
            self.settle()
        func = getattr(module, func_name)
        if not callable(func):
            raise TypeError(f"{target} is not callable")
        try:
            params = inspect.signature(func).parameters
        except (TypeError, ValueError):
            params = {}  # type: ignore[assignment]
        ours = here is not None and top in here.modules
        source = None if ours else source_of(module)
        return Found(func, "context" in params, here.generation if here is not None else -1,
                     module, source, stamp(source) if source is not None else None)


def _elsewhere(shared: ModuleType, path: str) -> bool:
    """Whether `path` holds a module of `shared`'s name that is not `shared` itself (the
    engine's path may hold the task's folder: `app` there is Tickwork's own, kept)."""
    try:
        spec = PathFinder.find_spec(shared.__name__, [path])
    except (ImportError, ValueError):
        return False
    return spec is not None and (spec.origin is None or spec.origin != source_of(shared))
