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

from app.platform.os_text import for_os
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


_SEP = os.sep.encode()
_FOLDERS: dict[str | None, list[bytes]] = {}  # a PATH's folders, as `for_os` gives them


def resolve(name: str, path: str | None) -> bytes:
    """The file exec would run for `name`, searched on `path` (a PATH) like `subprocess`
    does."""
    program = for_os(name)
    if _SEP in program:
        return program
    denied: OSError | None = None
    folders = _FOLDERS.get(path)
    if folders is None:  # (a launcher meets a few PATHs: split once each, not per command)
        if len(_FOLDERS) > 64:
            _FOLDERS.clear()
        folders = _FOLDERS[path] = [f or b"." for f in for_os(
            os.defpath if path is None else path).split(os.pathsep.encode())]
    for folder in folders:
        found = folder + _SEP + program
        if os.access(found, os.X_OK) and not os.path.isdir(found):
            return found
        if denied is None and os.path.exists(found):
            denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
    raise denied or FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)


def start(argv: list[str], env: dict[str, str], cwd: str | None, feed: bool,
          devnull: int, engine_env: Mapping[str, str]) -> Started:
    """Start `argv` in a new session, in `cwd`, else in the home folder `engine_env` names
    (`users.home_folder`: the engine's, not a task's HOME); raises OSError (or ValueError)
    when it cannot start. Each text is given to the OS as `for_os` encodes it."""
    if not cwd:
        enter_home(engine_env)
    program = None if cwd else resolve(argv[0], env.get("PATH"))
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    in_r, in_w = os.pipe2(os.O_CLOEXEC) if feed else (devnull, None)
    theirs = [out_w, err_w] + ([in_r] if feed else [])
    popen: subprocess.Popen[bytes] | None = None
    try:
        try:
            popen, pid = _spawn(program, argv, env, cwd, (in_r, out_w, err_w))
        except UnicodeEncodeError:  # a text the locale cannot hold: each given as `for_os`
            try:
                popen, pid = _spawn(program, [for_os(a) for a in argv],
                                    {for_os(k): for_os(v) for k, v in env.items()},
                                    None if cwd is None else for_os(cwd), (in_r, out_w, err_w))
            except OSError as exc:  # its file named as typed, not as the bytes it was given
                named = {for_os(t): t for t in (argv[0], cwd) if t}.get(exc.filename)
                raise OSError(exc.errno, exc.strerror, named or exc.filename) from None
    except BaseException:
        for fd in (out_r, err_r, *theirs, *([in_w] if in_w is not None else [])):
            os.close(fd)
        raise
    for fd in theirs:
        os.close(fd)
    for fd in (out_r, err_r, *([in_w] if in_w is not None else [])):
        os.set_blocking(fd, False)
    return Started(pid, out_r, err_r, in_w, popen)


def _spawn(program: bytes | None, argv: list[str] | list[bytes],
           env: dict[str, str] | dict[bytes, bytes], cwd: str | bytes | None,
           streams: tuple[int, int, int]) -> tuple[subprocess.Popen[bytes] | None, int]:
    """`argv` started with its standard `streams` (in, out, err): by `posix_spawn` of
    `program` (the file `resolve` found), else in `cwd` by a Popen, returned with the pid.
    Raises UnicodeEncodeError, having started nothing, where a text is one the locale
    cannot hold."""
    stdin, stdout, stderr = streams
    if program is None:
        popen = subprocess.Popen(argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout,
                                 stderr=stderr, start_new_session=True, close_fds=True)
        return popen, popen.pid
    return None, os.posix_spawn(
        program, argv, env, setsid=True, setsigdef=_DEFAULT_SIGNALS,
        file_actions=[(os.POSIX_SPAWN_DUP2, stdin, 0), (os.POSIX_SPAWN_DUP2, stdout, 1),
                      (os.POSIX_SPAWN_DUP2, stderr, 2)])
