"""A Python worker process: runs one action at a time, as the engine hands them over.

Started by the engine (app/engine/pyworkers/pool.py) as a fresh interpreter with two socket
pairs (`protocol`): the main thread reads runs and calls them; a control thread hears
cancels and checkpoint commits while a callable runs. Its fds 1 and 2 are pipes the engine
reads itself (print(), a C library, a child process write there), so nothing written there
can corrupt the channel, and what was written before the worker died is not lost with it.
Each run starts from the worker's own process state (`baseline`); a run that leaves threads
or processes running says so at its end, and the engine retires the worker. The worker
exits as soon as the engine's end of either channel closes (the engine stopped or died), so
a worker never outlives its engine; a process it forks does not hold the channels.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import select
import signal
import socket
import sys
import threading
import traceback
from typing import Any, NoReturn

from app.engine.lineage import TOKEN_VAR, Parent, become_subreaper
from app.engine.pyworkers import protocol
from app.engine.pyworkers.baseline import Baseline, kill_children, note_fork
from app.engine.pyworkers.bounds import bound
from app.engine.pyworkers.context import RunContext, refusal
from app.engine.pyworkers.modules import Modules
from app.platform.os_text import for_os
from app.platform.pipes import unread
from app.platform.users import enter_home

PATH_VAR = "TICKWORK_WORKER_PATH"  # the engine's sys.path, JSON: the callable's search path
PYTHONPATH_VAR = "TICKWORK_WORKER_PYTHONPATH"  # the engine's own PYTHONPATH (JSON), put back
FORKS_VAR = "TICKWORK_WORKER_FORKS"  # the fd of the pipe that tells the engine of each fork
RECV_SIZE = 65536  # bytes a read of the run channel takes at most
REPLY_TIMEOUT = 120.0  # seconds a checkpoint waits for the engine's answer at most

def cpu_seconds() -> float:
    """This process's CPU time, its reaped children's included (as psutil counts it)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Current:
    """The run the worker is in, as the control thread sees it."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.context: RunContext | None = None
        self.cancelled = False


class Link:
    """The worker's side of the channels: every frame to the engine goes through `send`,
    under one lock, after the callable's buffered output is flushed to fds 1 and 2. Log
    lines and progress go into fd 1 itself (progress as records of the worker's `mark`),
    so the engine reads them in the order they were said, with what the action printed."""

    def __init__(self, run_sock: socket.socket, control: socket.socket,
                 baseline: Baseline, token: str = "") -> None:
        self.mark = protocol.mark(token)
        self.run_sock = run_sock
        self.control = control
        self.baseline = baseline
        self.forks_fd: int | None = None
        self.lock = threading.Lock()
        self.current: Current | None = None
        self.modules = Modules()
        self.ran: set[tuple[str | None, str]] = set()  # (folder, module) of runs it has had
        self.own_folder = _own_folder()  # where each run leaves it: where it started
        self.home: str | None = None  # where a run with no folder starts, once known
        self.replies: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        # the engine's pipes (the baseline's copies), whatever a run makes of fds 1 and 2
        self.pipes = [saved for saved, fd in baseline.fds if fd in (1, 2)]

    def send(self, data: bytes) -> None:
        _flush()
        with self.lock:
            self.run_sock.sendall(data)

    def forked(self) -> None:
        """In a process the callable forked: the channels are the worker's alone (the
        engine hears the worker's death as their end, not the child's); the engine hears of
        the child (`note_fork`)."""
        self.current = None
        if self.forks_fd is not None:
            note_fork(self.forks_fd)
        for sock in (self.run_sock, self.control):
            with contextlib.suppress(OSError):
                sock.close()

    def listen(self) -> None:
        """The control thread: cancels and checkpoint answers; the engine gone ends us."""
        frames = protocol.Frames()
        while True:
            try:
                data = self.control.recv(65536)
            except OSError:
                data = b""
            if not data:
                engine_gone()
            for kind, payload in frames.feed(data):
                if kind == protocol.CANCEL:
                    current = self.current
                    if current is not None and current.run_id == int(payload):
                        current.cancelled = True
                        if current.context is not None:
                            current.context.cancel()
                        with self.lock:
                            self.run_sock.sendall(protocol.frame(protocol.CANCEL_SEEN))
                elif kind == protocol.COMMITTED:
                    self.replies.put(protocol.loads(payload))

    # -- one run ---------------------------------------------------------------------------

    def run(self, request: dict[str, Any]) -> None:
        end: dict[str, Any] = {}
        self.current = Current(request["run_id"])
        # what the callable starts carries the run's token, as a command's processes do: a
        # timeout, a cancel or the next engine's recovery finds them when they left the group
        os.environ[TOKEN_VAR] = str((request.get("env") or {}).get(TOKEN_VAR, ""))
        folder = request.get("cwd") or None
        module = (folder, str(request["target"]).partition(":")[0])
        self.baseline.kept.before(module)  # (before its import: a new import sets its own)
        # where the engine wants it (cpus.py) — but a module's first run here, which may
        # import a library that sizes its threads by the CPUs it sees, for the worker's life
        self.baseline.limits.place(request.get("cpus") if module in self.ran else None)
        self.ran.add(module)
        try:
            self._call(request, folder, end)
        finally:  # the next run starts where the worker started, not where this one went
            os.chdir(self.own_folder)
            self.modules.settle()
            self.modules.path_back()
        cpu = cpu_seconds()
        left = self.baseline.leftovers()
        if left:
            end["left"] = left
        changed = self.baseline.kept_back(module)
        if changed:
            end["changed"] = changed
        crowded = self.baseline.crowded()
        if crowded:
            end["crowded"] = crowded
        if end:
            end["cpu"] = cpu
            done = protocol.json_frame(protocol.DONE, end)
        else:  # returned None: the common case needs no JSON
            done = protocol.frame(protocol.QUIET_DONE, protocol.CPU.pack(cpu))
        _flush()
        if _unread(self.pipes):  # (a child's last line): the engine reads it before the end
            done = protocol.frame(protocol.UNREAD) + done
        os.environ.pop(TOKEN_VAR, None)  # what later starts is not this run's
        with self.lock:  # from here on this run's context refuses (RunLink)
            self.current = None
            self.run_sock.sendall(done)
        self.baseline.restore()  # for the next run (while the engine reads this one's end)

    def _call(self, request: dict[str, Any], folder: str | None, end: dict[str, Any]) -> None:
        """Call the run's function in its task's folder, else in the user's home folder, as
        a command runs; what to tell the engine in `end`. With no folder its module is
        looked for on the engine's path alone (`Modules`): a stray `json.py` at home stands
        in front of nothing."""
        current = self.current
        assert current is not None
        try:
            if folder is None:  # (HOME is the engine's, put back each run: looked up once)
                self.home = enter_home(os.environ, self.home)
            else:
                # one the locale cannot hold goes in UTF-8, as a command's, read back as
                folder = os.fsdecode(for_os(folder))  # the locale decodes it: imports find it
                os.chdir(folder)  # (a relative one from the worker's own, as a command's)
        except OSError as exc:  # said as a command's: "cannot start …: [Errno 2] …"
            end["start_error"] = str(exc)
            return
        if folder is not None and not os.path.isabs(folder):
            folder = os.getcwd()
        try:
            func, wants_context = self.modules.resolve(request["target"], folder)
        except BaseException as exc:
            end["load_error"] = _repr(exc)
            _missing(exc, folder, end)
            return
        kwargs = dict(request.get("kwargs") or {})
        if wants_context:
            if refused := refusal(request, kwargs):  # (secrets unread, kwargs' own `context`)
                end.update(refused)
                return
            context = kwargs["context"] = current.context = RunContext(
                RunLink(self, current), request)
            if current.cancelled:  # asked before the context existed
                context.cancel()
        worker = os.getpid()
        try:
            try:
                result = func(**kwargs)
            except SystemExit as exc:
                if exc.code not in (None, 0):  # (False is 0)
                    raise
                result = None  # `sys.exit(0)`: a script's way to say it is done, as a
                # command's exit 0 (every one read "failed: SystemExit: 0", and was retried)
            if result is not None:
                end["result"] = _repr(result)
        except BaseException as exc:  # its traceback from the action's own frames on
            _forked_child_ends(worker, 1)
            end["traceback"] = "".join(traceback.format_exception(
                type(exc), exc, exc.__traceback__.tb_next if exc.__traceback__ else None))
            end["error"] = _error(exc)
            _missing(exc, folder, end)
        _forked_child_ends(worker, 0)
        bound(end, (request.get("secrets") or {}).values())  # no more than the engine keeps


def _missing(exc: BaseException, folder: str | None, end: dict[str, Any]) -> None:
    """A module not found: its name and the run's working folder (absolute; None: none set)
    for the engine to say where it was looked for."""
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        end["missing_module"], end["folder"] = exc.name, folder


def _forked_child_ends(worker: int, code: int) -> None:
    """A child the action forked that returned (or raised) out of it ends here: it must not
    go on as the worker, answering for the run with the worker's sockets (it printed a
    traceback of the worker's own into the run's log: a fault hunt)."""
    if os.getpid() != worker:
        _flush()
        os._exit(code)


class RunLink:
    """One run's way to the engine (what its RunContext asks, context.Link): refused once
    the run has ended, so nothing the run left behind speaks as a later run."""

    def __init__(self, link: Link, current: Current) -> None:
        self.link = link
        self.current = current

    def _send(self, data: bytes) -> None:
        _flush()
        with self.link.lock:
            self._check()
            self.link.run_sock.sendall(data)

    def _check(self) -> None:
        if self.link.current is not self.current:
            raise RuntimeError(f"run {self.current.run_id} has ended: its context is closed")

    def log(self, text: str) -> None:
        """Into the run's stdout, where it falls in order with what the action printed;
        what UTF-8 cannot hold is escaped as in a progress message ("caf\\udce9.txt")."""
        self._write(text.encode("utf-8", "backslashreplace"))

    def progress(self, fraction: float | None, message: str) -> None:
        """Into the run's stdout too, as a record the engine takes out (protocol.Marked)."""
        self._write(protocol.progress_record(self.link.mark, fraction, message))

    def _write(self, data: bytes) -> None:
        _flush()
        fd = self.link.baseline.out_fd
        with self.link.lock:
            self._check()
            while data:
                try:
                    data = data[os.write(fd, data):]
                except BlockingIOError:  # the pipe made non-blocking (asyncio, a child
                    select.select([], [fd], [])  # program) and full: the engine drains it

    def checkpoint(self, text: str) -> dict[str, Any]:
        self._send(protocol.frame(protocol.CHECKPOINT, text.encode()))
        try:
            return self.link.replies.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            return {"error": f"the engine did not answer within {REPLY_TIMEOUT:g} s"}


def engine_gone() -> NoReturn:
    """The engine stopped or died: exit, and what the callable started goes too — its
    children and their orphans (`kill_children`: a child forked out of the group carries no
    token the next engine could find), then this worker's process group (a worker leads its
    own group); what left the group otherwise carries the run's token, which the next
    engine's recovery looks for."""
    kill_children()
    with contextlib.suppress(OSError):
        if os.getpgid(0) == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(0)


def _own_folder() -> int | str:
    """The worker's start folder, to go back to after each run: a descriptor (one system
    call back, the folder renamed or not), O_PATH where there is one (it needs no right to
    read the folder); else its name."""
    try:
        return os.open(".", getattr(os, "O_PATH", os.O_RDONLY))
    except OSError:
        return os.getcwd()


def _error(exc: BaseException) -> str:
    """`Type: message` (`Type` alone with no message: `raise KeyboardInterrupt` read
    "KeyboardInterrupt: "), or what Python's own traceback says of a message that cannot
    be made (an exception whose `__str__` raises killed the worker: the run said its
    worker died, with the worker's own traceback, and was retried as if cut off)."""
    try:
        message = str(exc)
    except Exception:
        message = "<exception str() failed>"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:
        return f"<{type(value).__name__} object: repr failed: {exc!r}>"


def _flush() -> None:
    """print()'s streams, each once (sys.stdout is most often sys.__stdout__)."""
    streams = {id(s): s for s in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)}
    for stream in streams.values():
        if stream is not None:
            try:  # noqa: SIM105  (a `suppress` block costs more than the flush)
                stream.flush()
            except Exception:  # (one the action replaced or closed)
                pass


def _unread(pipes: list[int]) -> bool:
    """Whether the engine has not read all that was written to these pipes (or cannot be
    told: then it reads them)."""
    return any(unread(fd) != 0 for fd in pipes)


def _own_channel(fd: int) -> socket.socket:
    os.set_inheritable(fd, False)  # a process the callable starts does not hold it
    return socket.socket(fileno=fd)


def _line_buffered() -> None:
    """fds 1 and 2 are the engine's pipes: print() reaches them line by line."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]


def _search_path() -> None:
    """The engine's module search path, in its order; its own PYTHONPATH put back."""
    engine_path = json.loads(os.environ.pop(PATH_VAR, "null"))
    if engine_path is not None:
        with contextlib.suppress(OSError):  # a relative entry means the engine's folder: a
            engine_path = [os.path.abspath(p) for p in engine_path]  # run's is elsewhere
        sys.path[:] = [*engine_path, *(p for p in sys.path if p not in engine_path)]
    if PYTHONPATH_VAR in os.environ:
        was = json.loads(os.environ.pop(PYTHONPATH_VAR))
        if was is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = was


def main(argv: list[str] | None = None) -> int:
    """`worker RUN_FD CONTROL_FD`: serve runs until the engine closes the channel."""
    args = sys.argv[1:] if argv is None else argv
    parent = Parent()  # before anything copies the environment
    run_sock, control = _own_channel(int(args[0])), _own_channel(int(args[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the engine's
    _search_path()
    _line_buffered()
    become_subreaper()  # what a run leaves is found as a child (baseline.leftovers)
    forks_fd = int(os.environ.pop(FORKS_VAR, "-1"))  # (before the baseline's environment)
    token = os.environ.pop(protocol.MARK_VAR, "")  # (what the callable starts does not see)
    link = Link(run_sock, control, Baseline(), token)
    if forks_fd >= 0:
        os.set_inheritable(forks_fd, False)  # (a fork keeps it; an exec does not)
        link.forks_fd = forks_fd
    os.register_at_fork(after_in_child=link.forked)
    threading.Thread(target=link.listen, name="tickwork-worker-control", daemon=True).start()
    link.baseline.threads = threading.active_count()
    link.send(protocol.json_frame(protocol.HELLO, {"pid": os.getpid(), "cpu": cpu_seconds()}))
    frames = protocol.Frames()
    while True:
        # under malloc's mmap threshold (128 KiB): a 256 KiB buffer cost each run an mmap,
        # an mremap and a munmap (strace); a larger request comes in more than one read
        data = run_sock.recv(RECV_SIZE)
        if not data or parent.gone():  # a run sent just before the engine died: not run
            engine_gone()
        for kind, payload in frames.feed(data):
            if kind == protocol.RUN:
                link.run(protocol.loads(payload))


if __name__ == "__main__":
    sys.exit(main())
