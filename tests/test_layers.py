"""The layers keep to their lanes: SQL lives only in app/store, the service stands below
the engine, and POSIX-only imports stay in app/platform/. Checked on the source with
`ast`, so an import inside a function counts."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

APP = ROOT / "app"
DATABASE = ("peewee", "playhouse", "app.store.models")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, at any depth; `from a import b` counts as
    both `a` and `a.b`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


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
