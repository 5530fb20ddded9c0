"""Bounded capture of a run's output: the head passed on as it arrives, then only the tail
kept, and what was left out said in the log — when the holding back begins (a live log
must not look frozen while the run goes on printing) and, with the count, at the end."""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable
from typing import Any, Protocol

from app.core.masking import Masker

OUTPUT_HEAD = 256 * 1024  # characters stored as they arrive
OUTPUT_TAIL = 64 * 1024  # characters kept of the end once the head is full
ERROR_MAX = 4096  # characters of a run's error kept: its start and its end
LIVE_EVERY = 1.0  # seconds: a progress line still shown this often while the rest is held
LINE_NEAR = 4096  # characters: a cut moves this far at most to fall at a line's end


def bounded_error(error: str) -> str:
    """A run's error, its start and end when it is longer than `ERROR_MAX` characters (a
    Python action's exception message is any size: one of 20 MB was stored whole). One it
    bounded already stays as it is (a Python worker bounds its run's error before it sends
    it: app/engine/pyworkers/bounds.py), its count of what was left out kept."""
    if len(error) <= ERROR_MAX:
        return error
    half = ERROR_MAX // 2
    if len(error) <= ERROR_MAX + 64 and error[half:].startswith("[… ") \
            and error[:-half].endswith(" characters left out …]"):
        return error
    return f"{error[:half]}[… {len(error) - 2 * half:,} characters left out …]{error[-half:]}"


class Source(Protocol):
    """What the capture needs of the run it captures: the secret values it received."""

    @property
    def secret_values(self) -> tuple[str, ...]: ...


class OutputSink(Protocol):
    """Where captured text goes: the run's sink in the engine, the launcher's outbox."""

    def on_output(self, attempt: Any, stream: str, text: str) -> None: ...


class Capture:
    """One attempt's output, both streams, decoded as UTF-8 across chunk boundaries.

    It runs where the pipes are read: in a launcher process (app/engine/launcher/), so only
    decoded, masked and bounded text crosses to the engine."""

    def __init__(self, attempt: Source, sink: OutputSink,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempt = attempt
        self.sink = sink
        self.clock = clock
        self.live_at = float("-inf")  # when a held-back time last let a progress line by
        self.decoders = {s: codecs.getincrementaldecoder("utf-8")("replace")
                         for s in ("stdout", "stderr")}
        # masked before the head/tail cut, so a cut never leaves part of a secret visible
        self.masker = masker = Masker(attempt.secret_values)
        self.masks = {s: masker.stream() for s in ("stdout", "stderr")}
        self.sent = 0
        self.dropped = 0
        self.tail: list[tuple[str, str]] = []
        self.tail_len = 0
        self.holding = False  # the head is full: what comes goes to the tail
        self.live: tuple[str, str] | None = None  # the last line said live, none kept since
        self.progress_kept = False  # a live line went to the tail (it may come after one)

    def add(self, stream: str, data: bytes, final: bool = False) -> None:
        mask = self.masks[stream]
        text = mask.feed(self.decoders[stream].decode(data, final))
        if final:
            text += mask.flush()
        if text:
            self._keep(stream, text)

    def say(self, stream: str, text: str, live: bool = False) -> None:
        """Text of the engine's own for the run's output (a progress line), counted against
        the same bounds. A `live` one, while the rest is held back, still goes out once
        every `LIVE_EVERY` seconds (the others to the tail), so a window's progress field
        does not freeze; 100,000 progress calls stored 100,000 lines, 250 MB in one run.
        Masked first, as the run's own output is: a cut never leaves part of a secret."""
        if self.masker:
            text = self.masker.mask(text)
        if live and self.holding:
            now = self.clock()
            if now - self.live_at >= LIVE_EVERY:
                self.live_at = now
                self.sink.on_output(self.attempt, stream, text)
                self.live = (stream, text)  # (said again at the end, after the kept tail)
                return
        self.live = None
        self.progress_kept = self.progress_kept or (live and self.holding)
        self._keep(stream, text, whole=True)

    def omit(self, count: int) -> None:
        """`count` characters of the run's output left out before they came here, where they
        would have been (a Python worker sends only the end of a value returned of 200 MB,
        which would not have fitted the head: app/engine/pyworkers/bounds.py)."""
        if count > 0:
            self._hold()
            self.dropped += count

    def _keep(self, stream: str, text: str, whole: bool = False) -> None:
        """Into the head while it has room, else the tail. The head ends at a line's end
        where one is near, and a `whole` line is never cut (a progress line cut in two read
        as another one: "progress: 4")."""
        room = OUTPUT_HEAD - self.sent
        if room > 0 and not self.holding:
            cut = len(text) if len(text) <= room else 0 if whole else room
            if cut == room and (at := text.rfind("\n", max(0, room - LINE_NEAR), room)) >= 0:
                cut = at + 1
            head, text = text[:cut], text[cut:]
            if head:
                self.sent += len(head)
                self.sink.on_output(self.attempt, stream, head)
        if text and not self.holding:  # the head is full from here on: said as it happens
            self._hold()
        if text:
            self.tail.append((stream, text))
            self.tail_len += len(text)
            while self.tail_len - len(self.tail[0][1]) >= OUTPUT_TAIL:
                _s, dropped = self.tail.pop(0)
                self.tail_len -= len(dropped)
                self.dropped += len(dropped)

    def _hold(self) -> None:
        if not self.holding:
            self.holding = True
            self.sink.on_output(self.attempt, "tickwork",
                                f"\n[… output past the first {OUTPUT_HEAD:,} characters is held "
                                f"back while the run goes on: its last {OUTPUT_TAIL:,} come "
                                "when it ends …]\n")

    def flush(self) -> None:
        """What the decoders and the masking hold back (a character cut in two, what may be
        a secret's start): said now, before the engine's own lines after the run's output."""
        for stream in ("stdout", "stderr"):
            self.add(stream, b"", final=True)

    def finish(self) -> None:
        self.flush()
        if self.tail and self.tail_len > OUTPUT_TAIL:  # trim the oldest kept chunk, from
            stream, text = self.tail[0]  # a line's start where one is near
            cut = self.tail_len - OUTPUT_TAIL
            if text[cut - 1:cut] != "\n" and (at := text.find("\n", cut, cut + LINE_NEAR)) >= 0:
                cut = at + 1
            self.tail[0] = (stream, text[cut:])
            self.dropped += cut
        if self.dropped:
            self.sink.on_output(self.attempt, "tickwork",
                                f"\n[… {self.dropped:,} characters of output omitted: the "
                                f"first {OUTPUT_HEAD:,} and the last {OUTPUT_TAIL:,} are "
                                "kept …]\n")
        for stream, text in self.tail:
            self.sink.on_output(self.attempt, stream, text)
        if self.live is not None and self.progress_kept:  # the last progress said live is
            self.sink.on_output(self.attempt, *self.live)  # the last read, after older ones
