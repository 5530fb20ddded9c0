"""The metrics sampler keeps its pace of one system sample a second while busy, however
often runs change: a run that changed while a sample was being taken woke it to sample again
at once (a soak of 8 runs a second stored 1.1 to 2.2 system samples a second, kept 48 h; here
bursts of up to 17 within 3 ms)."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime
from typing import Any

from app.engine.events import MetricsSampled, RunChanged
from tests.engine.conftest import Recorder


def test_run_changes_do_not_add_system_samples(store: Any) -> None:
    from app.engine.engine import Engine

    engine = Engine(store, workers=1, metrics=True)
    heard = Recorder()
    engine.subscribe(heard)  # a watching listener, as a window: sampled every second
    engine.start()
    done = threading.Event()
    at = datetime.now(UTC)

    def changes() -> None:  # runs changing all the time, as under many tasks
        while not done.is_set():
            engine.hub.emit(RunChanged(1, 1, "t", "running", at))
            time.sleep(0)

    def system() -> list[float]:
        return [e.at.timestamp() for e in heard.of(MetricsSampled) if e.kind == "system"]

    try:
        time.sleep(1.0)  # (started: its first samples taken)
        before = len(system())
        changer = threading.Thread(target=changes)
        changer.start()
        time.sleep(3.0)
        done.set()
        changer.join()
        during = system()[before:]
    finally:
        done.set()
        engine.stop(grace=2)
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(during)]
    assert len(during) >= 2 and min(gaps) > 0.5, f"seconds between system samples: {gaps}"
