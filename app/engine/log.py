"""The log Tickwork writes on stderr (`tickwork engine`, the window, `tickwork worker`): one
format, and every line with its controls shown, never obeyed — a home's path, a task's
name, a program's error in a record are data, and the log reaches a terminal or a journal
read with one — as the command line's messages show them (app/core/shown.py); and a
record's later lines (a run's error of several lines, a traceback) are indented, so no text
a task wrote can pass for a record of its own. Done once here, by the handler's formatter,
not by each call."""

from __future__ import annotations

import logging
import sys

from app.core.shown import shown
from app.store.home_naming import as_named

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


CONTINUED = "\n    "  # a record's later lines: never at the start of a line, as a record is


class ShownFormatter(logging.Formatter):
    """A record as `FORMAT` says it (its traceback too), controls shown escaped and its later
    lines indented; the store's way to name another home said as the home was named
    (`named_by`: `home.home_named_by`; None: either way, the store's own words)."""

    def __init__(self, fmt: str, named_by: str | None = None) -> None:
        super().__init__(fmt)
        self.named_by = named_by

    def format(self, record: logging.LogRecord) -> str:
        said = as_named(super().format(record), self.named_by)
        return shown(said).replace("\n", CONTINUED)


def log_to_stderr(level: int = logging.INFO, named_by: str | None = None) -> None:
    """Send the process's log to stderr through `ShownFormatter` (`logging.basicConfig`: a
    handler set up before stays, as it did); `named_by`: how the home was named, as the
    log's lines say how to name another (`tickwork engine`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ShownFormatter(FORMAT, named_by))
    logging.basicConfig(level=level, handlers=[handler])
