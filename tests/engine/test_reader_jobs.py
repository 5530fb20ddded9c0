"""The Python workers' loop also runs what is posted to it (the executor's hand-offs): every
job posted runs, in order per poster, however the posts race the loop's wake-ups. A ring
taken by the loop's read after it had marked itself unrung left a job to a loop that slept:
the top of the hour stalled with 8 runs handed over and none sent (seen in 4 of 5 runs)."""

from __future__ import annotations

import threading

from app.engine.pyworkers.reader import Reader


class NoWorkers:
    def greeted(self, worker: object, payload: bytes) -> None:
        raise AssertionError("no worker here")

    def gone(self, worker: object) -> None:
        raise AssertionError("no worker here")


def test_every_posted_job_runs_while_posters_race_the_wake_ups() -> None:
    reader = Reader(NoWorkers())  # type: ignore[arg-type]
    stalls: list[int] = []
    order: dict[str, list[int]] = {"a": [], "b": []}

    def poster(name: str) -> None:
        for n in range(20000):
            ran = threading.Event()

            def job(n: int = n, ran: threading.Event = ran) -> None:
                order[name].append(n)
                ran.set()
            reader.post(job)
            if not ran.wait(2):
                stalls.append(n)
                return

    threads = [threading.Thread(target=poster, args=(name,)) for name in order]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        reader.close()
    assert not stalls, f"a posted job waited for a wake-up that never came (job {stalls})"
    assert order == {"a": list(range(20000)), "b": list(range(20000))}


def test_a_job_posted_after_close_runs_at_once() -> None:
    reader = Reader(NoWorkers())  # type: ignore[arg-type]
    reader.post(lambda: None)  # (the loop runs)
    reader.close()
    ran: list[int] = []
    reader.post(lambda: ran.append(1))
    assert ran == [1]


def test_a_job_that_fails_leaves_the_loop_running() -> None:
    reader = Reader(NoWorkers())  # type: ignore[arg-type]
    ran = threading.Event()

    def broken() -> None:
        raise RuntimeError("a bug of ours")
    try:
        reader.post(broken)
        reader.post(ran.set)
        assert ran.wait(5)
    finally:
        reader.close()
