"""Standard output for a command, so that every command fails the same way when what it
prints cannot be written, as coreutils and git do: the reader of its pipe gone (`| head -1`)
is exit 1 and nothing said; any other write error — a full disk (`> /dev/full`), a closed
stdout (`>&-`) — is one line on stderr, `tickwork: write error: <reason>`, and exit 1.

A write failing is told apart from the command's own work failing (a full disk under the
store is another failure, said as such) by the stream itself: its writes raise `OutputLost`.
What a command changed before its output was lost stays changed (`mkdir -v` does the same).

Text the stream's encoding cannot hold — `café` or `日本` where the locale is ASCII or
Latin-1, or `PYTHONIOENCODING=ascii` — is written escaped (`caf\\xe9`), as Python writes it
to stderr: every command failed on it ("failed: UnicodeEncodeError", exit 1), even a
`task add` that had added its task."""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import sys
from pathlib import Path
from typing import Any, TextIO, cast

ESCAPED = "tickwork.escaped"


def _escaped(error: UnicodeError) -> tuple[bytes, int]:
    """What an encoding cannot hold, written as Python's `backslashreplace` writes it; but a
    byte an argument brought that was not text (a lone surrogate, `\\udcff` for `$'\\xff'`)
    as that byte, as `surrogateescape` does: a path given is printed back as it was."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    said = b"".join(bytes([ord(c) - 0xDC00]) if "\udc80" <= c <= "\udcff"
                    else c.encode("ascii", "backslashreplace")
                    for c in error.object[error.start:error.end])
    return said, error.end


codecs.register_error(ESCAPED, _escaped)


class OutputLost(OSError):
    """What the command printed could not be written to standard output."""


class Stdout:
    """`sys.stdout` while a command runs: the stream it replaces (None when the process was
    started with stdout closed), whose failed writes and flushes raise `OutputLost`; a
    closed stdout fails each write as a closed descriptor does (EBADF)."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self._failed: OutputLost | None = None  # (argparse ignores a failed --help write)
        self._errors: str | None = None  # the stream's own, while `ESCAPED` stands in

    @classmethod
    def install(cls) -> Stdout:
        found = cls(sys.stdout)
        errors = getattr(sys.stdout, "errors", None)
        if isinstance(errors, str) and hasattr(sys.stdout, "reconfigure"):
            with contextlib.suppress(OSError, ValueError):  # (a closed one: its writes say)
                sys.stdout.reconfigure(errors=ESCAPED)
                found._errors = errors
        sys.stdout = cast(TextIO, found)
        return found

    def uninstall(self) -> None:
        """Give back the stream it replaced (a command that keeps running: the window, the
        engine, a worker, whose output is a log, not an answer), as it was."""
        sys.stdout = cast(TextIO, self._stream)
        if self._errors is not None:
            with contextlib.suppress(OSError, ValueError):  # (its buffer flushed: may fail)
                sys.stdout.reconfigure(errors=self._errors)  # type: ignore[attr-defined]
            self._errors = None

    def write(self, text: str) -> int:
        if self._stream is None:
            self._failed = OutputLost(errno.EBADF, os.strerror(errno.EBADF))
            raise self._failed
        try:
            return self._stream.write(text)
        except OSError as exc:
            self._failed = OutputLost(exc.errno, exc.strerror)
            raise self._failed from None

    def flush(self) -> None:
        """Flush the stream; raise the write failure, if any, even one a caller ignored."""
        if self._failed is not None:
            raise self._failed
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            self._failed = OutputLost(exc.errno, exc.strerror)
            raise self._failed from None

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    def write_file(self, file: Path) -> None:
        """Write the bytes of `file` (`backup -`'s copy) after the text printed so far; a
        write that fails raises `OutputLost`, as a text write's does."""
        self.flush()
        if self._stream is None:
            self._failed = OutputLost(errno.EBADF, os.strerror(errno.EBADF))
            raise self._failed
        out = self._stream.buffer
        with file.open("rb") as source:
            try:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
                out.flush()
            except OSError as exc:
                self._failed = OutputLost(exc.errno, exc.strerror)
                raise self._failed from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def lost(self, exc: OutputLost) -> int:
        """Say why the output was lost (nothing for a closed pipe: its reader has what it
        wanted) and drop what is still buffered, so the interpreter's own flush at exit
        does not fail again; exit 1."""
        if exc.errno != errno.EPIPE:
            print(f"tickwork: write error: {exc.strerror}", file=sys.stderr)
        self._failed = None
        if self._stream is not None:
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())
            except (OSError, ValueError):  # no descriptor to point anywhere else
                self._stream = None
        return 1
