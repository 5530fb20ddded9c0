"""`pipes.unread`: what a Python worker asks of its own copies of the engine's pipes before
it says its run ended (either end of a pipe tells what its reader has not read)."""

from __future__ import annotations

import os

from app.platform.pipes import unread


def test_either_end_tells_what_the_reader_has_not_read() -> None:
    r, w = os.pipe()
    try:
        assert unread(w) == 0
        os.write(w, b"a line\n")
        assert unread(w) == 7 and unread(r) == 7
        os.read(r, 3)
        assert unread(w) == 4
        os.read(r, 100)
        assert unread(w) == 0
    finally:
        os.close(r)
        os.close(w)


def test_a_closed_descriptor_cannot_be_told() -> None:
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    assert unread(w) is None
