"""Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) in a run's output, error
or note reach no terminal raw: they would reorder what it shows, so a task's output could read
as something it is not. Every human-readable output shows them escaped (`\\u202e`), as it
shows an escape sequence; the stored output and `--json` keep them exact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli.test_run_log_terminal import noisy_run
from tests.support.terminal import on_a_terminal

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ESCAPED = ("\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f"
           "\\u061c")
OUTPUT = f"all tests passed \u202e{BIDI}deliaf 3\n"


def _no_bidi(text: str) -> None:
    assert not any(c in text for c in BIDI), ascii(text)


def test_a_runs_output_on_a_terminal_shows_bidi_controls_escaped(home: Path, cli: Any) -> None:
    run = noisy_run(home, OUTPUT)
    code, seen, err = on_a_terminal(["--home", str(home), "run", "show", str(run), "--log"])
    assert code == 0, err
    _no_bidi(seen)
    assert f"all tests passed \\u202e{ESCAPED}deliaf 3" in seen, ascii(seen)
    piped = cli("run", "show", str(run), "--log")  # (piped: byte for byte)
    assert piped.code == 0 and OUTPUT in piped.out
    exact = cli("run", "show", str(run), "--log", "--json").json()
    assert exact["log"][0]["text"] == OUTPUT


def test_a_runs_error_and_note_show_bidi_controls_escaped(home: Path, cli: Any) -> None:
    from app.store import ledger
    from app.store.database import Store

    error = f"boom \u202eexe.tpircs{BIDI}"
    run = noisy_run(home, error=error)
    store = Store.open(home)
    try:
        with store.write():
            ledger.update(run, {"reason": f"note \u2067{BIDI}"})
    finally:
        store.close()
    card = cli("run", "show", str(run))
    assert card.code == 0, card.err
    _no_bidi(card.out)
    assert f"error: boom \\u202eexe.tpircs{ESCAPED}\n" in card.out, ascii(card.out)
    assert f"note: note \\u2067{ESCAPED}\n" in card.out, ascii(card.out)
    listed = cli("run", "list")
    assert listed.code == 0, listed.err
    _no_bidi(listed.out)
    assert "boom \\u202eexe.tpircs" in listed.out, ascii(listed.out)
    exact = cli("run", "show", str(run), "--json").json()
    assert (exact["error"], exact["reason"]) == (error, f"note \u2067{BIDI}")
