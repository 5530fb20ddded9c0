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


def test_the_last_progress_is_the_last_one_read_though_it_went_out_live() -> None:
    """Live lines go out before the tail that comes at the end: a final `progress(1.0)`
    said live, after older ones kept in the tail, read as stale ("90 % step 9")."""
    from app.core.run import progress_words

    now = [0.0]
    said = Said()
    capture = Capture(Run(), said, clock=lambda: now[0])
    capture.add("stdout", b"x" * (OUTPUT_HEAD + 10))
    for step in range(1, 10):  # a chatty phase: one a tenth of a second, most kept
        capture.say("tickwork", progress_line(step / 10, f"step {step}"), live=True)
        now[0] += LIVE_EVERY / 8
    now[0] += 5 * LIVE_EVERY  # a slow last phase, then done: said live
    capture.say("tickwork", progress_line(1.0, "done"), live=True)
    capture.finish()
    read = [w for _s, text in said.lines for line in text.splitlines()
            if (w := progress_words(line)) is not None]
    assert read[-1] == progress_words(progress_line(1.0, "done").strip())


def test_cuts_fall_at_a_line_end_and_never_inside_a_progress_line() -> None:
    """The head ends at a line's end near its bound, the kept end starts at a line's
    start, and a progress line is never cut in two ("progress: 4" read as 4 %)."""
    said = Said()
    capture = Capture(Run(), said, clock=lambda: 0.0)
    line = "y" * 99 + "\n"
    capture.add("stdout", (line * (OUTPUT_HEAD // 100 - 1)).encode() + b"z" * 150)
    capture.say("tickwork", progress_line(0.42, "working hard"), live=True)
    capture.add("stdout", (line * 2000).encode())
    capture.finish()
    head = "".join(text for stream, text in said.lines[:1])
    assert head.endswith("\n") and len(head) < OUTPUT_HEAD
    kept = said.lines[-1][1]
    assert kept.startswith("y") and kept.endswith("\n") and kept.count("\n") == len(
        kept.splitlines())
    texts = "".join(text for _s, text in said.lines)
    assert "progress: 42% working hard\n" in texts
    assert "\nprogress: 4\n" not in texts
