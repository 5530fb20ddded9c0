"""A run's progress while its output is held back: a window's progress field reads progress
lines from the run's output as they come, so once a chatty run filled the head, one progress
line a second still goes out (the clock is the capture's own, injected here); the rest are
kept with the tail like any output."""

from __future__ import annotations

from typing import Any

from app.core.run import progress_line
from app.engine.capture import LIVE_EVERY, OUTPUT_HEAD, Capture


class Run:
    secret_values: tuple[str, ...] = ()


class Said:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def on_output(self, attempt: Any, stream: str, text: str) -> None:
        self.lines.append((stream, text))


def test_one_progress_line_a_second_goes_out_while_output_is_held_back() -> None:
    now = [100.0]
    said = Said()
    capture = Capture(Run(), said, clock=lambda: now[0])
    capture.add("stdout", b"x" * (OUTPUT_HEAD + 10))  # the head full: held back from here
    shown = len(said.lines)
    for step in range(1, 31):  # 30 progress lines an eighth of a second apart
        capture.say("tickwork", progress_line(step / 30, f"step {step}"), live=True)
        now[0] += LIVE_EVERY / 8
    live = [text for _s, text in said.lines[shown:]]
    assert live == [progress_line(step / 30, f"step {step}") for step in (1, 9, 17, 25)]
    capture.finish()  # the rest with the tail, the last one last
    assert said.lines[-1] == ("tickwork", progress_line(1.0, "step 30"))
    assert ("tickwork", progress_line(2 / 30, "step 2")) in said.lines[shown + 4:]


def test_progress_in_the_head_goes_out_as_it_comes() -> None:
    said = Said()
    capture = Capture(Run(), said, clock=lambda: 0.0)
    for step in range(3):
        capture.say("tickwork", progress_line(None, f"step {step}"), live=True)
    assert [text for _s, text in said.lines] == [f"progress: step {n}\n" for n in range(3)]
