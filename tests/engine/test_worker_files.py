"""A Python run that leaves its worker without room for more open files — files its module
keeps, descriptors it opened and never closed — does not hand that to the next task's run in
the worker: the run says so and its worker is replaced, as one that left threads running.
Before, every later run in that worker failed "Too many open files", or its worker died
under it (`interrupted`, with the worker's own traceback as its output): a fault hunt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.engine.engine import Engine
from tests.engine.test_worker_isolation import ended, one_worker, output, task

__all__ = ["one_worker"]  # (the fixture: one worker, so the next run is handed the same one)


@pytest.mark.parametrize("how", ["kept", "leaked"])
def test_a_run_that_leaves_no_room_for_open_files_retires_its_worker(
        one_worker: Engine, service: Any, tmp_path: Path, how: str) -> None:
    hoarded, seen = tmp_path / "hoarded", tmp_path / "seen"
    service.create_task(task("hoarder", "hoard_files",
                             kwargs={"path": str(hoarded), "how": how}))
    service.create_task(task("reader", "open_a_file", kwargs={"path": str(seen)}))
    run = ended(service, "hoarder")
    assert run.status == "succeeded", run.error
    said = output(service, run)
    assert "files open, of the " in said and ": the worker is replaced\n" in said, said
    for _ in range(2):
        after = ended(service, "reader")
        assert after.status == "succeeded", (after.status, after.error, output(service, after))
        assert seen.read_text() != hoarded.read_text()  # a new worker
