"""The engine's shape (issue 11): no import cycle among its modules, none over 400 lines, no
private name of another object reached into, and `app.core.rules` plain Python."""

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


def _engine_imports(path: Path) -> set[str]:
    """The app.engine modules a module imports (at run time or for type checking)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "app.engine":
                out.update(alias.name for alias in node.names)
            elif node.module.startswith("app.engine."):
                out.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[2] for a in node.names
                       if a.name.startswith("app.engine."))
    return out


def test_no_import_cycle_among_engine_modules() -> None:
    graph = {p.stem: _engine_imports(p) - {p.stem} for p in ENGINE.glob("*.py")}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        raise AssertionError(f"import cycle: {' -> '.join(err.args[1])}") from None


def test_no_engine_module_over_400_lines() -> None:
    long = {p.name: n for p in ENGINE.glob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long


def test_no_private_name_reached_across_objects() -> None:
    found = []
    for path in ENGINE.glob("*.py"):
        allowed = LIBRARY_PRIVATES.get(path.name, set())
        for no, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r"\b(\w+)\.(_[a-z]\w*)", line):
                if match.group(1) not in ("self", "cls") and match.group(2) not in allowed:
                    found.append(f"{path.name}:{no}: {match.group(0)}")
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
