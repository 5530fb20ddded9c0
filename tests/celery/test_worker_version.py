"""A worker of another Tickwork version refuses the runs it is sent, in one line naming both
versions: a job's fields may mean other things in another version (before, nothing looked,
though README asks for the same version on both)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from app import __version__
from tests.celery.test_celery_runs import ended, refused_by_worker, shell_task


def test_a_worker_of_another_version_fails_the_run_naming_both_versions(
        engine: Any, service: Any, start_worker: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    machine = tmp_path / "machine"  # the worker's machine, with another Tickwork installed
    machine.mkdir()
    (machine / "sitecustomize.py").write_text("import app\napp.__version__ = '9.9.9'\n")
    before = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(machine), *filter(None, [before])]))
    worker = start_worker()
    if before is None:
        monkeypatch.delenv("PYTHONPATH")
    else:
        monkeypatch.setenv("PYTHONPATH", before)
    marker = tmp_path / "ran"
    service.create_task(shell_task("elsewhere", f"touch {marker}"))
    run = ended(service, service.run_now("elsewhere").id)
    assert run.status == "failed", run
    assert run.error == refused_by_worker(
        f"the worker w1@test runs Tickwork 9.9.9, this engine {__version__}: install the "
        "same version on both"), run.error
    assert not marker.exists()  # not run
    assert "refused: sent by Tickwork" in worker.text()
