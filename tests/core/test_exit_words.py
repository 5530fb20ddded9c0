"""An exit code a signal gave says which signal: "Exit code -15" alone was left for a person
to decode (a run-through under X), in the window's Runs and in `run show`."""

from __future__ import annotations

from app.core.run import exit_code_text, stopped_by


def test_a_signal_is_named() -> None:
    assert stopped_by(-15) == "killed by signal SIGTERM"
    assert stopped_by(-9) == "killed by signal SIGKILL"
    assert stopped_by(-99) == "killed by signal 99"
    assert stopped_by(0) is None and stopped_by(3) is None and stopped_by(None) is None
    assert exit_code_text(-15) == "-15 (killed by signal SIGTERM)"
    assert exit_code_text(2) == "2" and exit_code_text(None) is None
