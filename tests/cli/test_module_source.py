"""A Python task whose module is not Python that imports (a syntax error, bytes that are not
UTF-8) is refused at `task add`, `task update` and `import`, naming the file and its line,
without the module being run; `--no-verify` stores it anyway (it may be fixed later). Every
run of such a task failed, while the check before the save let it through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_task_checks import refused

BROKEN = [  # (the file's bytes, its line, the reason)
    (b"import os\n\ndef f(:\n    pass\n", 3, "invalid syntax"),
    (b"def f():\n    pass\nname = 'caf\xe9'\n", 3, "not UTF-8"),  # (in a comment it imports)
    (b"def f():\n    pass\n\nreturn 1\n", 4, "'return' outside function"),  # the compiler's
]


@pytest.mark.parametrize(("source", "line", "reason"), BROKEN)
def test_a_module_that_does_not_compile_is_refused_at_add_naming_its_line(
        cli: Any, tmp_path: Path, source: bytes, line: int, reason: str) -> None:
    module = tmp_path / "broken_tw.py"
    module.write_bytes(source)
    where = ["--python", "broken_tw:f", "--cwd", str(tmp_path)]
    refused(cli("task", "add", "t", *where), f"python: {module} line {line}: {reason}",
            "--no-verify")
    assert cli("task", "list", "--json").json() == []
    assert cli("task", "add", "t", *where, "--no-verify").code == 0


def test_update_and_import_refuse_it_too_and_change_nothing(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "good_tw.py").write_text("def f():\n    pass\n")
    module = tmp_path / "broken_tw.py"
    module.write_text("def f():\n    pass\n\nif True\n    pass\n")
    assert cli("task", "add", "t", "--python", "good_tw:f", "--cwd", str(tmp_path)).code == 0
    before = cli("task", "show", "t", "--json").json()
    refused(cli("task", "update", "t", "--python", "broken_tw:f"),
            f"python: {module} line 4: expected ':'")
    assert cli("task", "show", "t", "--json").json() == before
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"version": 1, "tasks": [
        {"name": "u", "action": {"kind": "python", "target": "broken_tw:f",
                                 "cwd": str(tmp_path)}}]}))
    refused(cli("import", str(path)), f"tasks[0].action.target: {module} line 4")
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["t"]
    module.write_text("def f():\n    pass\n")  # fixed: taken
    assert cli("import", str(path)).code == 0


def test_what_is_still_taken(cli: Any, tmp_path: Path) -> None:
    """Another encoding its coding line names; a package's submodule, which only importing
    the package finds (its `__init__.py` is checked: every run imports it first); a dotted
    name found on the module path; nothing is run."""
    marker = tmp_path / "imported"
    where = ["--cwd", str(tmp_path)]
    (tmp_path / "latin_tw.py").write_bytes(
        b"# -*- coding: latin-1 -*-\n" + f"open({str(marker)!r}, 'w').close()\n".encode()
        + b"def f():\n    return 'caf\xe9'\n")
    assert cli("task", "add", "a", "--python", "latin_tw:f", *where).code == 0
    package = tmp_path / "pkg_tw"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("def f(:\n")
    assert cli("task", "add", "b", "--python", "pkg_tw.mod:f", *where).code == 0
    (package / "__init__.py").write_text("x = (\n")
    refused(cli("task", "add", "c", "--python", "pkg_tw.mod:f", *where),
            f"python: {package / '__init__.py'} line 1:")
    assert cli("task", "add", "d", "--python", "tests.support.actions:append").code == 0
    assert not marker.exists()
