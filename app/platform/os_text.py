"""Text as the OS is given it: a command's argument, a variable, a folder. One rule for the
command launcher (app/engine/launcher/spawn.py) and the Python worker
(app/engine/pyworkers/worker.py), which each had their own."""

from __future__ import annotations

import os


def for_os(text: str) -> bytes:
    """An argument, a variable or a folder as the OS is given it: in the locale's encoding,
    as Python gives it (a byte that came in undecoded goes back as it was); a character that
    encoding cannot hold — `名前` where the locale is Latin-1 or ASCII (`LANG=C` in a unit
    with Python's UTF-8 mode off) — in UTF-8, the encoding Tickwork keeps it in, feeds a
    run's standard input in and reads its output in. Such a run failed before it started
    ("cannot start 'echo': 'latin-1' codec can't encode characters"), for its task's name
    in TICKWORK_TASK alone."""
    try:
        return os.fsencode(text)
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")
