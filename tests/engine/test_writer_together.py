"""An attempt's end and what it claims (its retry, its fallback) are one commit: the writer
takes no batch while the dispatcher queues them (`Writer.together`), so a kill -9 cannot
fall between them — it did, and the retry or fallback was lost for good (a fault hunt: one
lost fallback in 25 kills of an engine running failing tasks every second)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from app.store.models import set_meta
from tests.engine.test_writer_gather import meta_on_disk, warm_writer


def _committed(home: Path, key: str) -> bool:
    return meta_on_disk(home, key) is not None


def test_what_is_queued_together_is_committed_together(store: Any, home: Path) -> None:
    with warm_writer() as writer:
        before = writer.batches
        with writer.together():
            writer.submit(lambda: set_meta("end", "1"))  # the writer is awake and idle
            time.sleep(0.3)  # ... and commits nothing of it meanwhile
            assert not _committed(home, "end")
            writer.submit(lambda: set_meta("retry", "1"))
        assert writer.flush()
        assert _committed(home, "end") and _committed(home, "retry")
        assert writer.batches - before <= 2  # theirs, and perhaps the flush's own

