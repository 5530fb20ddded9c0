"""A pre-imported starter for `python -m app.cli` in tests: real processes, no interpreter
start-up each time.

Most of the suite's CPU went to starting Python and importing the app again for every CLI
call and every `tickwork engine`. The zygote is one long-lived helper per test process that
has imported the CLI once (`serve`, run as `python -m tests.support.zygote SOCKET`). For
each launch it forks a child that takes the caller's argv, environment, working folder and
stdin/stdout/stderr (real file descriptors, passed over a Unix socket) and runs
`app/cli/__main__.py` as `python -m app.cli` would, then exits the way the interpreter
exits (`sys.exit` codes, atexit handlers, non-daemon threads joined, stdout flushed). Each
call is still a separate process with its own pid, exit code, signals and output; only the
imports are shared. The zygote forks only while it has one thread and no Qt application.

`Launch` is the client's handle on one child, shaped like `subprocess.Popen` (pid, poll,
wait, send_signal, terminate, kill, returncode). `run` is `subprocess.run` for the CLI.
Calls the zygote cannot reproduce exactly (a different interpreter option in the
environment: PYTHON*, LANG, LC_*) go through a real `python -m app.cli` instead.
tests/cli/test_true_doors.py proves both doors give byte-identical results.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
MAIN = ROOT / "app" / "cli" / "__main__.py"
# imported once in the zygote: what the CLI's commands import, lazily or not
PRELOAD = ("app.cli", "app.service", "app.store.database", "app.store.audit", "app.store.backup",
           "app.transfer", "app.secrets", "app.preflight", "app.engine.simulate", "app.cli.engine",
           "keyring", "tests.support.file_keyring")
# variables read once at interpreter start-up: a call that changes one gets a real start
STARTUP_PREFIXES = ("PYTHON", "LC_", "LANG")
STARTUP_EXEMPT = ("PYTHONPATH", "PYTHON_KEYRING_BACKEND", "PYTEST_")


# -- the zygote ------------------------------------------------------------------------------

def serve(path: str) -> None:
    """Import the CLI, listen on `path`, fork one child per request; stop when stdin ends."""
    import importlib

    # `python -m` put the working folder first, then PYTHONPATH's entries; the rest is the
    # interpreter's own (the standard library, site-packages and their .pth files)
    base_path = sys.path[1 + len(_pythonpath(os.environ)):]
    for name in PRELOAD:
        importlib.import_module(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    listener.listen(64)
    os.rename(path + ".new", path)  # the path appears only once it is listened on
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the wakeup fd hears it
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(wake_r, selectors.EVENT_READ, "child")
    selector.register(sys.stdin, selectors.EVENT_READ, "parent")
    children: dict[int, socket.socket] = {}
    while True:
        for key, _ in selector.select():
            if key.data == "parent":
                if not os.read(sys.stdin.fileno(), 4096):
                    return  # the test process is gone
            elif key.data == "child":
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 4096)
                _reap(children)
            else:
                conn, _ = listener.accept()
                try:
                    request, fds = _receive(conn)
                except (OSError, ValueError):
                    conn.close()
                    continue
                if threading.active_count() != 1 or _threads() != 1:
                    raise RuntimeError("the zygote forks only with one thread")
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    for fd in (listener.fileno(), wake_r, wake_w, sys.stdin.fileno()):
                        os.close(fd)
                    for other in children.values():
                        other.close()
                    _child(conn, request, fds, base_path)  # never returns
                for fd in fds:
                    os.close(fd)
                children[pid] = conn
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        _reap(children)


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _reap(children: dict[int, socket.socket]) -> None:
    while children:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is None:
            continue
        code = os.waitstatus_to_exitcode(status)  # -N for a signal, as Popen says
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps({"returncode": code, "cpu": usage.ru_utime + usage.ru_stime})
                         .encode() + b"\n")
        conn.close()


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    header = b""
    fds: list[int] = []
    while len(header) < 4:
        data, got, _flags, _addr = socket.recv_fds(conn, 4 - len(header), 3)
        if not data:
            raise ValueError("the client went away")
        header += data
        fds += got
    (size,) = struct.unpack("!I", header)
    body = b""
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("the client went away")
        body += chunk
    return json.loads(body), fds


def _child(conn: socket.socket, request: dict[str, Any], fds: list[int],
           base_path: list[str]) -> None:
    """In the forked child: become `python -m app.cli ARGS` and exit like it."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)  # inheritable, like a Popen child's 0, 1, 2
            os.close(fd)
        conn.close()
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        os.chdir(request["cwd"])
        os.umask(request["umask"])
        # sys.path as `python -m` builds it: the working folder, PYTHONPATH, then the rest
        sys.path[:] = [os.getcwd(), *_pythonpath(os.environ), *base_path]
        sys.argv[:] = [str(MAIN), *request["args"]]
        code = _run_main()
    finally:
        os._exit(code)


def _run_main() -> int:
    import runpy

    try:
        runpy.run_module("app.cli", run_name="__main__", alter_sys=True)
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())
        _finish()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        code = 1
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:
        print(code, file=sys.stderr)
        status = 1
    return _finish(status)


def _finish(status: int = 0) -> int:
    """What the interpreter does on its way out, in its order."""
    threading._shutdown()  # type: ignore[attr-defined]  # joins non-daemon threads
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout:
                status = 120  # Python's own code when stdout cannot be flushed at exit
    return status


def _pythonpath(env: Mapping[str, str]) -> list[str]:
    return [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]


# -- the client -------------------------------------------------------------------------------

class Zygote:
    """The client's end: starts the zygote on first use and asks it for children."""

    def __init__(self, folder: Path) -> None:
        self.socket = str(folder / "zygote.sock")
        self.log = folder / "zygote.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] | None = None  # the zygote's own, once started

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT)
        for name in [n for n in env if n.startswith("PYTEST_")]:
            del env[name]
        self.env = env
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.zygote", self.socket], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log.open("ab"))
        deadline = time.monotonic() + 60
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test zygote did not start:\n{self.log.read_text()}")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def fits(self, env: Mapping[str, str]) -> bool:
        """Can a child of this zygote run with `env` exactly as a new interpreter would?"""
        started = self.env if self.env is not None else os.environ
        return not startup_differs(env, started)

    def launch(self, args: Sequence[str], *, env: Mapping[str, str], cwd: str | Path,
               stdin: int, stdout: int, stderr: int) -> Launch:
        """A child running `python -m app.cli *args` with these descriptors as 0, 1, 2."""
        self.start()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(self.socket)
        body = json.dumps({"args": list(args), "env": dict(env), "cwd": str(cwd),
                           "umask": _umask()}).encode()
        socket.send_fds(conn, [struct.pack("!I", len(body))], [stdin, stdout, stderr])
        conn.sendall(body)
        return Launch(conn)


def _umask() -> int:
    """This process's umask (read without changing it: other threads may create files)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    raise RuntimeError("no Umask line in /proc/self/status")


def startup_differs(env: Mapping[str, str], base: Mapping[str, str]) -> bool:
    """Does `env` change a variable Python reads only when it starts?"""
    names = {n for n in (*env, *base) if n.startswith(STARTUP_PREFIXES)
             and not n.startswith(STARTUP_EXEMPT)}
    return any(env.get(n) != base.get(n) for n in names)


class Launch:
    """One child of the zygote, used like a `subprocess.Popen`."""

    def __init__(self, conn: socket.socket) -> None:
        self.returncode: int | None = None
        self._conn = conn
        self._buffer = b""
        self._lock = threading.Lock()
        first = self._line(None)
        if first is None:
            raise RuntimeError("the test zygote did not start a child")
        self.pid = int(first["pid"])

    def poll(self) -> int | None:
        return self._collect(0)

    def wait(self, timeout: float | None = None) -> int:
        code = self._collect(timeout)
        if code is None:
            raise subprocess.TimeoutExpired(["tickwork", str(self.pid)], timeout or 0)
        return code

    def _collect(self, timeout: float | None) -> int | None:
        with self._lock:
            if self.returncode is None:
                message = self._line(timeout)
                if message is None:
                    return None
                self.returncode = int(message["returncode"])
                CHILDREN_CPU[0] += float(message.get("cpu", 0.0))
                self._conn.close()
            return self.returncode

    def _line(self, timeout: float | None) -> dict[str, Any] | None:
        """The zygote's next message, waiting up to `timeout` seconds (None: for ever)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._conn], [], [], left)
            if not ready:
                return None
            chunk = self._conn.recv(4096)
            if not chunk:
                raise RuntimeError("the test zygote went away before its child ended")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return dict(json.loads(line))

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


_ZYGOTES: dict[int, Zygote] = {}
CHILDREN_CPU = [0.0]  # CPU seconds of this process's zygote children collected so far


def stop_zygote() -> None:
    """Stop this process's zygote, if it started one (and wait for it: its CPU is counted)."""
    found = _ZYGOTES.get(os.getpid())
    if found is not None:
        found.stop()


def zygote() -> Zygote:
    """This test process's zygote (one per process, in its own temp folder; started on
    first use, stopped when the process exits)."""
    found = _ZYGOTES.get(os.getpid())
    if found is None:
        folder = Path(tempfile.mkdtemp(prefix="tickwork-zygote-"))
        found = _ZYGOTES[os.getpid()] = Zygote(folder)
        atexit.register(found.stop)
        atexit.register(shutil.rmtree, folder, True)  # registered last: runs after stop
    return found


if __name__ == "__main__":
    serve(sys.argv[1])
