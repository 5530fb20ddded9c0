"""A progress report without a message (`context.progress(1.0)`) is kept as the line
`progress: 100%`: it was `progress: 100% `, a space left at its end where a message would
have followed (seen in `run show --log`, copied with the line, and matched by no search for
the line as shown)."""

from __future__ import annotations

from typing import Any

from tests.engine.conftest import wait_until
from tests.engine.test_python_workers import py_task


def test_a_progress_without_a_message_ends_at_its_percentage(engine: Any, service: Any) -> None:
    engine.start()
    service.create_task(py_task("done", "progress_without_words"))
    run = service.run_now("done")
    wait_until(lambda: service.get_run(run.id).status == "succeeded", 20)
    said = [text for _seq, stream, text in service.run_output(run.id) if stream == "tickwork"]
    lines = [line for line in "".join(said).split("\n") if line.startswith("progress")]
    assert lines == ["progress: 100%", "progress: 50% half"], said
