"""The standard library's modules, for the bundle's hidden imports (packaging/tickwork.spec).

PyInstaller bundles only the modules Tickwork's own code imports, but a user's Python action
runs in the bundle's Python: without these, `from email.mime.text import MIMEText`,
`import tomllib` or `html.parser` failed there while they work in any Python. Left out: Tk,
IDLE, the test suites, what needs a real interpreter (venv, ensurepip) and what 3.12
removed (distutils, lib2to3). Found on disk, never imported; another platform's modules
(msvcrt, asyncio.windows_events) are named too and simply fail to import, as anywhere."""

from __future__ import annotations

import importlib.util
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path

LEFT_OUT = frozenset({"antigravity", "this", "tkinter", "turtle", "turtledemo", "idlelib",
                      "test", "ensurepip", "venv", "distutils", "lib2to3"})
TEST_SUITES = frozenset({"test", "tests", "idle_test"})


def _submodules(folders: list[str], prefix: str) -> Iterator[str]:
    for info in pkgutil.iter_modules(folders, prefix):
        last = info.name.rsplit(".", 1)[-1]
        if last in TEST_SUITES or last == "__main__":  # `python -m X`'s, never imported
            continue
        yield info.name
        if info.ispkg:
            yield from _submodules([str(Path(folder) / last) for folder in folders],
                                   info.name + ".")


def stdlib_modules() -> list[str]:
    """Every public module of this Python's standard library (and the submodules of its
    packages), less LEFT_OUT."""
    names = []
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in LEFT_OUT:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        names.append(name)
        if spec.submodule_search_locations:
            names.extend(_submodules(list(spec.submodule_search_locations), name + "."))
    return names
