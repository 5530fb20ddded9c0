"""Starting one command the cheap way: `os.posix_spawn` (vfork + exec, no Python in the child)
in its own session, with a stdout and a stderr pipe and stdin from /dev/null or a pipe.

`posix_spawn` cannot change directory, so a command with a working directory is started by
`subprocess.Popen` (also vfork + exec) with the same pipes; one with none starts in the
user's home folder, as a cron job does, which the launcher makes its own first. Either way
the executable is looked up on the command's own PATH, as `subprocess` does, and the child
gets the default action for the signals Python ignores (SIGPIPE, SIGXFSZ), as
`subprocess`'s `restore_signals` gives it. Every descriptor of the launcher is
close-on-exec, so the child holds only its three standard streams.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from app.platform.users import enter_home

_DEFAULT_SIGNALS = tuple(getattr(signal, name) for name in ("SIGPIPE", "SIGXFSZ")
                         if hasattr(signal, name))


@dataclass(slots=True)
class Started:
    """A started command: its pid, the parent's ends of its pipes, and for a command started
    by `subprocess` the Popen, kept until it is reaped (it must not reap it itself)."""

    pid: int
    stdout: int
    stderr: int
    stdin: int | None  # the write end when there is text to feed, else None
    popen: subprocess.Popen[bytes] | None = None


def resolve(name: str, env: dict[str, str]) -> str:
    """The file exec would run for `name`, searched on `env`'s PATH like `subprocess` does."""
    if os.sep in name:
        return name
    denied: OSError | None = None
    for folder in env.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(folder or ".", name)
        if os.access(path, os.X_OK) and not os.path.isdir(path):
            return path
        if denied is None and os.path.exists(path):
            denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
    raise denied or FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)


def start(argv: list[str], env: dict[str, str], cwd: str | None, feed: bool,
          devnull: int, engine_env: Mapping[str, str]) -> Started:
    """Start `argv` in a new session, in `cwd`, else in the home folder `engine_env` names
    (`users.home_folder`: the engine's, not a task's HOME); raises OSError (or ValueError)
    when it cannot start."""
    if not cwd:
        enter_home(engine_env)
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    in_r, in_w = os.pipe2(os.O_CLOEXEC) if feed else (devnull, None)
    theirs = [out_w, err_w] + ([in_r] if feed else [])
    popen: subprocess.Popen[bytes] | None = None
    try:
        if cwd:
            popen = subprocess.Popen(argv, cwd=cwd, env=env, stdin=in_r, stdout=out_w,
                                     stderr=err_w, start_new_session=True, close_fds=True)
            pid = popen.pid
        else:
            pid = os.posix_spawn(
                resolve(argv[0], env), argv, env, setsid=True, setsigdef=_DEFAULT_SIGNALS,
                file_actions=[(os.POSIX_SPAWN_DUP2, in_r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                              (os.POSIX_SPAWN_DUP2, err_w, 2)])
    except BaseException:
        for fd in (out_r, err_r, *theirs, *([in_w] if in_w is not None else [])):
            os.close(fd)
        raise
    for fd in theirs:
        os.close(fd)
    for fd in (out_r, err_r, *([in_w] if in_w is not None else [])):
        os.set_blocking(fd, False)
    return Started(pid, out_r, err_r, in_w, popen)
