"""Files that hold a key (the workers' key, a shared store's audit key): written new and
readable by their owner only, a write that fails leaving no half key behind; and, read,
whether other users can read them too (a copy made under umask 022)."""

from __future__ import annotations

import os
import stat


def write_new(path: str, text: str) -> None:
    """`text` in a new file at `path`, mode 0600. FileExistsError where a file is there;
    OSError for any other failure, the file then removed (a full disk)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
    except OSError:
        os.unlink(path)
        raise


def others_read(path: str, bits: int = 0o044) -> int | None:
    """The file's mode where its group or other users have any of `bits` (read, by default)
    on it, else None (also for a file that cannot be looked at)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None
    return mode if mode & bits else None
