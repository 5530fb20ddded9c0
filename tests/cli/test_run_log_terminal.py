"""A run's output shown on a terminal (`run show --log`) as a terminal shows the program's
writes: its colours (SGR sequences, written again from what they set, so only colours reach
the terminal), a line it rewrote with "\r" in its last state; every other escape sequence and
control shown, not obeyed (it could move the cursor, retitle the window, hide lines); each
line of stderr and of Tickwork's own after its mark, as the window shows them. Piped or
saved, the output stays byte for byte as the program wrote it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, command_task
from tests.support.terminal import on_a_terminal

PRINTED = "plain \x1b[31mred\x1b[0m\x1b]0;owned\x07 bell\x07 back\r\x9b end\n"


def noisy_run(home: Path, output: str | list[tuple[str, str]] = PRINTED,
              error: str | None = None) -> int:
    """A run of a task "noisy" that printed `output` (or these (stream, text) chunks), and
    failed with `error`, if given."""
    from app.service import Service
    from app.store import ledger
    from app.store.database import Store
    from app.store.times import utc_text

    store = Store.open(home)
    try:
        service = Service(store, "cli")
        service.create_task(command_task("noisy"))
        run = service.run_now("noisy")
        with store.write():
            chunks = [("stdout", output)] if isinstance(output, str) else output
            ledger.output_many([(run.id, seq, stream, text, utc_text(datetime.now(UTC)))
                                for seq, (stream, text) in enumerate(chunks)])
            if error is not None:
                ledger.update(run.id, {"status": "failed", "error": error})
        return run.id
    finally:
        store.close()


def _on_a_terminal(args: list[str]) -> str:
    """What `python -m app.cli *args` writes to a terminal (a pseudo-terminal here)."""
    code, seen, err = on_a_terminal(args)
    assert code == 0, err
    return seen


def test_output_is_shown_on_a_terminal_and_kept_when_piped(home: Path, cli: Any) -> None:
    run = noisy_run(home)
    shown = _on_a_terminal(["--home", str(home), "run", "show", str(run), "--log"])
    assert "\x07" not in shown and "\x9b" not in shown and "\x1b]" not in shown
    # the red kept as a colour; the "\r" brought the line's start back: "\x9b end" over it
    assert ("\\x9b end\x1b[0;31md\x1b[0m\\x1b]0;owned\\x07 bell\\x07 back\r\n"
            in shown), shown
    piped = cli("run", "show", str(run), "--log")
    # as printed when not a terminal (the test reads it as text: "\r" arrives as "\n")
    assert piped.code == 0 and PRINTED.replace("\r", "\n") in piped.out


# a test report in colour, a download's progress, a hostile title and clipboard write, and
# stderr between, in chunks cut as a pipe cuts them (in an escape, between "\r" and "\n")
CHUNKS = [
    ("stdout", "\x1b[1;32mPASSED\x1b[0m test_a\n\x1b[31mFAIL"),
    ("stdout", "ED\x1b[0m test_b\r"),
    ("stdout", "\n\x1b"),
    ("stdout", "[33mwarn\x1b[0m 1\ndownload  10%"),
    ("stdout", "\rdownload  55%\r"),
    ("stderr", "slow mirror\ntry again\n"),
    ("stdout", "\r\x1b[Kdownload 9%\na \x1b[01;31m\x1b[Kfoo\x1b[m\x1b[K b\n"
               "\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4=\x07\x1b[8mhidden\x1b[0m\x1b[2Jdone\n"),
    ("tickwork", "returned: 0\n"),
]
SEEN = [
    "\x1b[0;1;32mPASSED\x1b[0m test_a",
    "\x1b[0;31mFAILED\x1b[0m test_b",
    "\x1b[0;33mwarn\x1b[0m 1",
    "download  55%",  # its last state when stderr came
    "stderr: slow mirror",
    "stderr: try again",
    "download 9%",  # ESC[K erased the line's rest, as a terminal does
    "a \x1b[0;1;31mfoo\x1b[0m b",  # grep --color=always
    "\\x1b]0;owned\\x07\\x1b]52;c;cm0gLXJmIH4=\\x07hidden\\x1b[2Jdone",  # conceal left out
    "tickwork: returned: 0",
]


def test_colours_and_progress_on_a_terminal_byte_for_byte_piped(home: Path) -> None:
    run = noisy_run(home, CHUNKS)
    args = ["--home", str(home), "run", "show", str(run), "--log"]
    shown = _on_a_terminal(args)
    output = shown.split("------------ output\r\n", 1)[1]
    assert output.split("\r\n") == [*SEEN, ""], output.split("\r\n")
    piped = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT,
                           capture_output=True, timeout=60, check=True).stdout
    assert piped.split(b"------------ output\n", 1)[1] == "".join(
        text for _stream, text in CHUNKS).encode()


# drawn over by cells: a CJK progress line, a tab-aligned row rewritten after "\r", an erase
# after an emoji (in a chunk of its own); the colon form of a truecolour, reverse, strike
CELLS = [
    ("stdout", "读取中... 50%"),
    ("stdout", "\r读取中... 完成\nfile\tdone\nfetch a.tar\t 10%"),
    ("stdout", "\rfetch a.tar\t 55%\r\t\t100%\n🚀 step 1 of 9\r🚀 step 9"),
    ("stdout", "\x1b[K\n\x1b[38:2::255:0:0mred\x1b[0m \x1b[7mrev\x1b[27m \x1b[9mstruck\x1b[29m\n"),
    ("stderr", "\x1b[7;33mwarn\x1b[0m\n"),
]
CELLS_SEEN = [
    "读取中... 完成",  # it was "读取中... 完成%": characters, not cells
    "file\tdone",
    "fetch a.tar\t100%",  # it was "\t\t100%a.tar\t 55%"
    "🚀 step 9",
    "\x1b[0;38;2;255;0;0mred\x1b[0m \x1b[0;7mrev\x1b[0m \x1b[0;9mstruck\x1b[0m",
    "stderr: \x1b[0;7;33mwarn\x1b[0m",
]


def test_cells_colon_colours_reverse_and_strike_on_a_terminal(home: Path) -> None:
    run = noisy_run(home, CELLS)
    args = ["--home", str(home), "run", "show", str(run), "--log"]
    output = _on_a_terminal(args).split("------------ output\r\n", 1)[1]
    assert output.split("\r\n") == [*CELLS_SEEN, ""], output.split("\r\n")
    piped = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT,
                           capture_output=True, timeout=60, check=True).stdout
    assert piped.split(b"------------ output\n", 1)[1] == "".join(
        text for _stream, text in CELLS).encode()
