"""The C library's environment of a Python worker, put back as `os.environ` says it is.

A process a run starts gets the C library's `environ`, not `os.environ`: `os.putenv`,
`os.unsetenv` and C code (`setenv` in an extension) change the one without the other, so a
variable one task put there (a token, a secret) reached the processes of every later task
in the worker, and one it took away (`HOME`) was missing for them (a fault hunt). After
each run one read of `environ`'s pointers (a few µs) tells whether anything changed since
the last look; only then is each variable compared and set back.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any


class CEnviron:
    """`environ`'s pointers as last seen (nothing where the C library cannot be reached)."""

    def __init__(self) -> None:
        self._ptr: Any = None
        self._seen = b""
        self._count = 0
        with contextlib.suppress(ImportError, OSError, ValueError, AttributeError):
            import ctypes  # (the worker has it already: lineage.become_subreaper)

            self._ctypes = ctypes
            self._ptr = ctypes.c_void_p.in_dll(ctypes.CDLL(None), "environ")
            self._size = ctypes.sizeof(ctypes.c_void_p)
            self._look()

    def back(self, environ: dict[bytes, bytes]) -> None:
        """Make the C environment `environ` (os.environ's own mapping), if it changed."""
        if self._ptr is None or self._now() == self._seen:
            return
        entries = self._entries()
        for entry in entries:
            name, eq, value = entry.partition(b"=")
            if not eq or not name:
                continue
            wanted = environ.get(name)
            if wanted is None:
                with contextlib.suppress(OSError, ValueError):
                    os.unsetenv(name)
            elif wanted != value:
                os.putenv(name, wanted)
        there = {entry.partition(b"=")[0] for entry in entries}
        for name, value in environ.items():
            if name not in there:
                os.putenv(name, value)
        self._look()

    def _now(self) -> bytes:
        """The pointers as many as last seen, and the one after them (NULL then)."""
        address = self._ptr.value
        if not address:
            return b""
        return bytes(self._ctypes.string_at(address, self._size * (self._count + 1)))

    def _entries(self) -> list[bytes]:
        ctypes = self._ctypes
        address = self._ptr.value
        if not address:
            return []
        array = ctypes.cast(address, ctypes.POINTER(ctypes.c_char_p))
        entries: list[bytes] = []
        while (entry := array[len(entries)]) is not None:
            entries.append(entry)
        return entries

    def _look(self) -> None:
        self._count = len(self._entries())
        self._seen = self._now()
