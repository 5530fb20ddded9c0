"""The window's run details say what `run show` says of a run sent to a Celery queue that no
worker listens on (tests/celery/test_unheard_queues.py), as it comes, and take it back once
a worker has taken the run. Real redis-server and `tickwork worker` processes."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import RUNS
from tests.celery.conftest import broker, start_worker
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task
from tests.support.redis import redis_server, redis_session

__all__ = ["broker", "redis_server", "redis_session", "start_worker"]


def test_the_runs_details_say_no_worker_listens_until_one_takes_the_run(
        start_worker: Any, gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("report", ["sh", "-c", "echo ran"],
                                         runs_on="celery:nightly"))
    gui.window.show_view(RUNS)
    run = gui.service.run_now("report")
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 1)
    click_row(qtbot, view.table, 0)
    gui.wait_until(lambda: view.detail.run is not None and view.detail.run.id == run.id)
    note = view.detail.fields["Note"]
    gui.wait_until(lambda: note.text().startswith(
        "waiting: no Celery worker listens on queue “nightly” (since "), 30)
    assert view.detail.fields["Status"].text() == "queued"
    gui.window.grab().save(str(SCREENSHOTS / "runs-no-celery-worker-listens.png"))
    start_worker(queue="nightly")
    gui.wait_until(lambda: view.detail.fields["Status"].text() == "succeeded", 30)
    gui.wait_until(lambda: note.text().startswith(
        "waited: no Celery worker listened on queue “nightly” (from "))
