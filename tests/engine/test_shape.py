"""The engine's shape (issue 11): no import cycle among its modules, none over 400 lines, no
private name of another object reached into, and `app.core.rules` plain Python. Its modules
are those of app/engine and of its packages (the Python workers', the launchers')."""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

from tests.conftest import ROOT

ENGINE = ROOT / "app" / "engine"
# APScheduler's own privates, in the one adapter that builds its jobs directly (see
# `Timing.arm_many`): a library's, not another Tickwork module's
LIBRARY_PRIVATES = {"scheduler.py": {"_jobstores_lock", "_scheduler", "_jobstore_alias"}}
PYTHONS_OWN = {"os._exit"}  # the standard library's: an exit without clean-up, by design


def _modules() -> dict[str, Path]:
    """Each engine module by its name under app.engine ("dispatcher", "pyworkers.pool"; a
    package by its own name, for its __init__)."""
    out = {}
    for path in ENGINE.rglob("*.py"):
        parts = path.relative_to(ENGINE).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _engine_imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The engine modules a module imports (at run time or for type checking)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "app.engine" or node.module.startswith("app.engine."):
                base = node.module.removeprefix("app.engine").lstrip(".")
                for alias in node.names:  # `from app.engine.pyworkers import pool`: a module
                    name = f"{base}.{alias.name}" if base else alias.name
                    out.add(name if name in modules else base)
        elif isinstance(node, ast.Import):
            out.update(a.name.removeprefix("app.engine.") for a in node.names
                       if a.name.startswith("app.engine."))
    return out - {""}


def test_every_engine_module_is_scanned() -> None:
    names = set(_modules())
    assert {"dispatcher", "pyworkers.pool", "launcher.loop", "pyworkers"} <= names, names


def test_no_import_cycle_among_engine_modules() -> None:
    modules = _modules()
    graph = {name: _engine_imports(path, modules) - {name} for name, path in modules.items()}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        raise AssertionError(f"import cycle: {' -> '.join(err.args[1])}") from None


def test_no_engine_module_over_400_lines() -> None:
    long = {name: n for name, p in _modules().items()
            if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long


def test_no_private_name_reached_across_objects() -> None:
    found = []
    for name, path in _modules().items():
        allowed = LIBRARY_PRIVATES.get(path.name, set())
        for no, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r"\b(\w+)\.(_[a-z]\w*)", line):
                if (match.group(1) not in ("self", "cls") and match.group(2) not in allowed
                        and match.group(0) not in PYTHONS_OWN):
                    found.append(f"{name}:{no}: {match.group(0)}")
    assert not found, found


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_the_rules_are_plain_python() -> None:
    """No Qt, store, threads or app machinery: only plain modules, and of the app's own only
    leaves of words (app.core.nouns: a count said with its noun), themselves plain."""
    imported = _imports(ROOT / "app" / "core" / "rules.py")
    banned = ("PySide6", "peewee", "threading", "app")
    ours = {m for m in imported if m.split(".")[0] == "app"}
    assert ours <= {"app.core.nouns"}, imported
    for module in ours:
        leaf = _imports(ROOT / (module.replace(".", "/") + ".py"))
        assert not {m for m in leaf if m.split(".")[0] in banned}, (module, leaf)
    assert not {m for m in imported - ours if m.split(".")[0] in banned}, imported
