"""What a Python run adds to `sys.path` is its module's, as the interpreter's settings are:
its module's next run has it (a lazy import from a folder it put there at its top still
works), another task's run in the same worker does not (one task's vendored folder stood
on every later task's path, so their imports found its modules: a fault hunt)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.engine.engine import Engine
from tests.engine.test_worker_isolation import ended, one_worker, output

__all__ = ["one_worker"]  # (the fixture: one worker, so the next run is handed the same one)

VENDORING = """import importlib, sys
sys.path.insert(0, {vendor!r})  # at its top, as a script that carries its libraries does

def use(name):
    return importlib.import_module(name).WHO
"""
PLAIN = """import importlib, sys

def find(name):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        return "not found"
    return "found"
"""


def _task(task: str, folder: Path, target: str, **kwargs: Any) -> dict[str, Any]:
    return {"name": task, "timezone": "UTC", "action": {
        "kind": "python", "target": target, "kwargs": kwargs, "cwd": str(folder)}}


def test_a_path_one_task_adds_is_its_own(one_worker: Engine, service: Any,
                                         tmp_path: Path) -> None:
    vendor, first, second = (tmp_path / n for n in ("vendor", "first", "second"))
    for folder in (vendor, first, second):
        folder.mkdir()
    for name in ("lib_one", "lib_two", "lib_three"):
        (vendor / f"{name}.py").write_text(f"WHO = {name!r}\n")
    (first / "vendoring.py").write_text(VENDORING.format(vendor=str(vendor)))
    (second / "plain.py").write_text(PLAIN)
    service.create_task(_task("one", first, "vendoring:use", name="lib_one"))
    service.create_task(_task("two", first, "vendoring:use", name="lib_two"))
    service.create_task(_task("other", second, "plain:find", name="lib_three"))
    for name, said in (("one", "'lib_one'"), ("other", "'not found'"), ("two", "'lib_two'"),
                       ("other", "'not found'")):
        run = ended(service, name)
        assert run.status == "succeeded", (name, run.error, output(service, run))
        assert f"returned: {said}" in output(service, run), (name, output(service, run))
