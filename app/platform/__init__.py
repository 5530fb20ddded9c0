"""What differs between operating systems, in one place: file locks, process groups, and
whether a window can open here at all (`display`).

Tickwork runs on POSIX today; this package is where the rest of the code meets `fcntl` and
`os.killpg`, which Windows lacks. The POSIX-only imports happen inside the functions, so
every module here imports everywhere and a port replaces these few bodies. The names below
are the ones callers use (`from app import platform; platform.try_lock(fd)`).
"""

from __future__ import annotations

from app.platform.locks import try_lock as try_lock
from app.platform.locks import unlock as unlock
from app.platform.processes import SIGKILL as SIGKILL
from app.platform.processes import command_line as command_line
from app.platform.processes import kill_group as kill_group
from app.platform.processes import tickwork_argv as tickwork_argv
from app.platform.processes import usable_cpus as usable_cpus
