"""A progress report round-trips through the output line it is kept as, to the words the
run's detail shows."""

from __future__ import annotations

import pytest

from app.core.run import progress_line, progress_words


@pytest.mark.parametrize(("fraction", "message", "words"), [
    (0.4, "copying", "40 % — copying"),
    (0.4, "", "40 %"),
    (None, "warming up", "warming up"),
    (1.0, "50% of the files", "100 % — 50% of the files"),
])
def test_a_progress_report_reads_back_as_words(fraction: float | None, message: str,
                                               words: str) -> None:
    assert progress_words(progress_line(fraction, message).rstrip("\n")) == words


def test_other_lines_are_not_progress() -> None:
    assert progress_words("stopping the process group") is None
