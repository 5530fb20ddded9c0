"""A command whose process tree outlives a careless stop, and how tests watch processes:
attempt 1 records its leader, starts a grandchild that leaves the group (`setsid`) and
records its pid, then sleeps. Every process holds the lock file open (fd 9), so a later
attempt that cannot take the lock knows a process of an earlier one still runs."""

from __future__ import annotations

from pathlib import Path

import psutil  # type: ignore[import-untyped]

from tests.engine.conftest import wait_until

SCRIPT = r"""
d="$1"
exec 9>>"$d/lock"
if ! flock -n 9; then echo "overlap $TICKWORK_ATTEMPT" >> "$d/log"; exit 3; fi
echo "start $TICKWORK_ATTEMPT" >> "$d/log"
[ "$TICKWORK_ATTEMPT" = 1 ] || exit 0
echo $$ > "$d/leader"
setsid sh -c 'echo $$ > "$1/grandchild"; exec sleep 60' sh "$d" </dev/null >/dev/null 2>&1 &
exec sleep 60
"""


def gone(proc: psutil.Process) -> bool:
    """Gone or a zombie (it runs nothing; only its parent can reap it)."""
    try:
        return not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def proc_in(path: Path) -> psutil.Process:
    """The process whose pid the file holds, once the file says it."""
    return psutil.Process(int(wait_until(lambda: path.exists() and path.read_text().strip())))
