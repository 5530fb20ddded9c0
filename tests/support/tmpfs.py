"""A small tmpfs mounted on a test's own folder (a full disk, a read-only file system made
real), unmounted however the test ends. Mounting needs root: callers skip elsewhere."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def mounted(folder: Path, options: str) -> Iterator[Path]:
    """`folder` (made here) with a tmpfs of `options` ("size=2m", "ro,size=16k") on it."""
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
