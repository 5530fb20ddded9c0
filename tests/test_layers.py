"""The layers keep to their lanes and the modules stay small: SQL lives only in app/store,
the service stands below the engine, POSIX-only imports stay in app/platform/, no import
cycle under app/, no module over 400 lines, and no module reaches another's private names.
Checked on the source with `ast`, so an import inside a function (or under
``if TYPE_CHECKING:``) counts."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

import pytest

from tests.conftest import ROOT

# one test process runs these checks: each file's nodes are then walked once, not per check
pytestmark = pytest.mark.xdist_group("layers")

APP = ROOT / "app"
DATABASE = ("peewee", "playhouse", "app.store.models")
MAX_LINES: Final = 400


@functools.cache
def _walked(text: str, filename: str) -> tuple[ast.AST, ...]:
    return tuple(ast.walk(ast.parse(text, filename)))


def nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of a file's syntax tree (`ast.walk`'s order), parsed and walked once per
    test process for the same text."""
    return _walked(path.read_text(encoding="utf-8"), str(path))


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in a file, at any depth; `from a import b`
    counts as both `a` and `a.b`."""
    found: list[tuple[int, str]] = []
    for node in nodes(path):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def module_name(path: Path, root: Path) -> str:
    """The dotted name of a source file below ``root`` (a package is its ``__init__``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, package: str = "app") -> dict[str, set[str]]:
    """Which of the package's modules each of its modules imports, at any depth.

    ``from a import b`` is an edge to ``a.b`` when that is a module, else to ``a``; relative
    imports are resolved; ``import a.b.c`` is an edge to the deepest module it names (not to
    the packages above it, which Python imports first but which name no dependency).
    """
    files = {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in nodes(path):
            if isinstance(node, ast.Import):
                targets.update(known(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in files else known(base))
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def cycle_groups(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The modules caught in import cycles, one sorted list per strongly connected group
    (every module of a group reaches every other; Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return sorted(groups)


def path_around(group: list[str], graph: Mapping[str, Iterable[str]]) -> list[str]:
    """One shortest cycle (``a, b, a``) through the group's first module."""
    first = group[0]
    members = set(group)
    came_from: dict[str, str] = {}
    frontier = [first]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child == first:
                    path = [node]
                    while path[-1] != first:
                        path.append(came_from[path[-1]])
                    return [first, *reversed(path[:-1]), first]
                if child in members and child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {first}")  # a strongly connected group has one


def long_modules(root: Path, package: str = "app") -> dict[str, int]:
    """Source files of the package over MAX_LINES lines, by path relative to ``root``."""
    counts = {p.relative_to(root).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
              for p in sorted((root / package).rglob("*.py"))}
    return {path: n for path, n in counts.items() if n > MAX_LINES}


def _offences(files: list[Path], banned: tuple[str, ...]) -> list[str]:
    """One line per import statement that reaches a banned module."""
    out: dict[tuple[Path, int], str] = {}
    for path in files:
        for line, name in _imports(path):
            if any(name == b or name.startswith(b + ".") for b in banned):
                out.setdefault((path, line), f"{path}:{line}: imports {name}")
    return list(out.values())


def test_only_the_store_touches_the_database() -> None:
    outside = [p for p in sorted(APP.rglob("*.py")) if p.relative_to(APP).parts[0] != "store"]
    assert len(outside) > 50, "the walk found too few modules"
    assert _offences(outside, DATABASE) == []


def test_the_service_does_not_import_the_engine() -> None:
    files = [APP / "service.py", *APP.glob("service_*.py"), *APP.glob("service/*.py")]
    assert _offences([p for p in files if p.exists()], ("app.engine",)) == []


def test_only_the_platform_module_imports_fcntl() -> None:
    """POSIX-only modules are met in app/platform/ alone, inside its functions, so every
    other module (and the platform modules themselves) imports on any system."""
    platform = APP / "platform"
    others = [p for p in sorted(APP.rglob("*.py")) if platform not in p.parents]
    assert _offences(others, ("fcntl",)) == []
    for module in sorted(platform.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        assert not any(a.name == "fcntl" for n in top for a in n.names
                       if isinstance(n, ast.Import)), module


def test_the_check_sees_function_local_and_module_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import json\n"
                      "def f() -> None:\n    from app.store.models import db\n    import peewee\n"
                      "from app.store import models\nfrom app.store import tasks\n"
                      "from playhouse.sqlite_ext import JSONField\n")
    lines = sorted(int(o.split(":")[-2]) for o in _offences([sample], DATABASE))
    assert lines == [3, 4, 5, 7]


def test_no_import_cycle_under_app() -> None:
    graph = import_graph(ROOT)
    assert len(graph) > 100, "the walk found too few modules"
    found = cycle_groups(graph)
    assert found == [], "import cycles:\n" + "\n".join(
        f"{' -> '.join(path_around(g, graph))} (modules in the cycle: {', '.join(g)})"
        for g in found)


def test_no_module_under_app_is_over_400_lines() -> None:
    found = long_modules(ROOT)
    assert found == {}, "over 400 lines: " + ", ".join(f"{p} ({n})" for p, n in found.items())


@functools.cache
def _module_names(root: Path) -> frozenset[str]:
    return frozenset(module_name(p, root) for p in (root / "app").rglob("*.py"))


def private_names_reached(path: Path, root: Path) -> list[str]:
    """Where a module reaches another module's private name: ``from app.x import _y``, or
    ``x._y`` on an app module it imported (``from app import x``, ``import app.x as x``)."""
    walked = nodes(path)
    modules = _module_names(root)
    bound: set[str] = set()
    found: list[str] = []
    for node in walked:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.name}:{node.lineno}: {node.module}.{alias.name}")
                if f"{node.module}.{alias.name}" in modules:
                    bound.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            bound.update(a.asname for a in node.names if a.asname and a.name in modules)
    for node in walked:
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in bound and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            found.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_module_reaches_another_modules_private_names() -> None:
    found = [f"{p.relative_to(ROOT)}: {hit}" for p in sorted(APP.rglob("*.py"))
             for hit in private_names_reached(p, ROOT)]
    assert found == []


def test_the_structure_checks_catch_a_cycle_and_a_long_module(tmp_path: Path) -> None:
    """A small tree with a three-module cycle (made of a relative, a function-local and a
    `from package import module` import), a type-only two-module cycle, a 401-line module
    and a 400-line one: the checks must see exactly those, or they could pass silently."""
    app = tmp_path / "app"
    (app / "core").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/a.py": "from . import b\n",
        "core/b.py": "def f() -> None:\n    from app.core.c import g\n",
        "core/c.py": "import json\nfrom app import core\nfrom app.core import a\n",
        "core/d.py": "from typing import TYPE_CHECKING\n"
                     "if TYPE_CHECKING:\n    from app.core import e\n",
        "core/e.py": "from ..core.d import x\nimport app.core.a\n",
        "long.py": "x = 1\n" * 401,
        "fits.py": "x = 1\n" * 400,
    }
    for name, text in files.items():
        (app / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["app.core.a"] == {"app.core.b"}
    assert graph["app.core.c"] == {"app.core", "app.core.a"}
    assert graph["app.core.e"] == {"app.core.d", "app.core.a"}
    groups = cycle_groups(graph)
    assert groups == [["app.core.a", "app.core.b", "app.core.c"], ["app.core.d", "app.core.e"]]
    assert path_around(groups[0], graph) == ["app.core.a", "app.core.b", "app.core.c",
                                             "app.core.a"]
    assert long_modules(tmp_path) == {"app/long.py": 401}


def test_the_private_name_check_sees_both_forms(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "a.py").write_text("_hidden = 1\n")
    sample = tmp_path / "app" / "b.py"
    sample.write_text("from app.a import _hidden\nfrom app import a\nimport app.a as m\n"
                      "x = a._hidden + m._hidden + a.__name__\n")
    assert private_names_reached(sample, tmp_path) == [
        "b.py:1: app.a._hidden", "b.py:4: a._hidden", "b.py:4: m._hidden"]
