"""A Python worker process: runs one action at a time, as the engine hands them over.

Started by the engine (app/engine/pyworkers/pool.py) as a fresh interpreter with two socket
pairs (`protocol`): the main thread reads runs and calls them; a control thread hears
cancels and checkpoint commits while a callable runs; a drain thread passes on what the
callable writes to file descriptors 1 and 2 (print(), a C library, a child process), which
are pipes of the worker's own, so nothing written there can corrupt the channel. The
worker exits as soon as the engine's end of either channel closes (the engine stopped or
died), so a worker never outlives its engine.
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

from app.engine.lineage import TOKEN_VAR, Parent
from app.engine.pyworkers import protocol
from app.engine.pyworkers.context import RunContext
from app.engine.pyworkers.modules import Modules

PATH_VAR = "TICKWORK_WORKER_PATH"  # the engine's sys.path, JSON: the callable's search path
PYTHONPATH_VAR = "TICKWORK_WORKER_PYTHONPATH"  # the engine's own PYTHONPATH (JSON), put back
REPLY_TIMEOUT = 120.0  # seconds a checkpoint waits for the engine's answer at most

def cpu_seconds() -> float:
    """This process's CPU time, its reaped children's included (as psutil counts it)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Current:
    """The run the worker is in, as the control and drain threads see it."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.context: RunContext | None = None
        self.cancelled = False


class Link:
    """The worker's side of the channels: every frame to the engine goes through `send`,
    under one lock, with the callable's pending output passed on first, so the engine
    hears output, log lines and progress in the order they happened."""

    def __init__(self, run_sock: socket.socket, control: socket.socket, out_fd: int,
                 err_fd: int) -> None:
        self.run_sock = run_sock
        self.control = control
        self.pipes = ((out_fd, protocol.STDOUT), (err_fd, protocol.STDERR))
        self._kinds = dict(self.pipes)
        self._poll = select.poll()
        for fd, _kind in self.pipes:
            self._poll.register(fd, select.POLLIN)
        self.lock = threading.Lock()
        self.current: Current | None = None
        self.modules = Modules()
        self.home = _own_folder()  # where each run leaves it: where it started
        self.replies: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()

    def _pump(self) -> None:
        """Pass on what fds 1 and 2 hold now (lock held); dropped between runs. One poll
        asks both (a run that printed nothing costs one system call)."""
        while True:
            ready = self._poll.poll(0)
            if not ready:
                return
            for fd, _events in ready:
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not data:  # every writer closed it (the callable closed fd 1 or 2)
                    self._poll.unregister(fd)
                elif self.current is not None:
                    self.run_sock.sendall(protocol.frame(self._kinds[fd], data))

    def send(self, data: bytes) -> None:
        _flush()
        with self.lock:
            self._pump()
            self.run_sock.sendall(data)

    def drain(self) -> None:
        """The drain thread: output as it is written, while a run goes."""
        fds = [fd for fd, _ in self.pipes]
        while True:
            select.select(fds, [], [])
            with self.lock:
                self._pump()

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
                    self.replies.put(json.loads(payload))

    # -- what RunContext asks (context.Link) --------------------------------------------

    def log(self, text: str) -> None:
        self.send(protocol.frame(protocol.LOG, text.encode()))

    def progress(self, fraction: float | None, message: str) -> None:
        self.send(protocol.json_frame(protocol.PROGRESS,
                                      {"fraction": fraction, "message": message}))

    def checkpoint(self, text: str) -> dict[str, Any]:
        self.send(protocol.frame(protocol.CHECKPOINT, text.encode()))
        try:
            return self.replies.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            return {"error": f"the engine did not answer within {REPLY_TIMEOUT:g}s"}

    # -- one run ---------------------------------------------------------------------------

    def run(self, request: dict[str, Any]) -> None:
        end: dict[str, Any] = {}
        self.current = Current(request["run_id"])
        # what the callable starts carries the run's token, as a command's processes do: a
        # timeout, a cancel or the next engine's recovery finds them when they left the group
        os.environ[TOKEN_VAR] = str((request.get("env") or {}).get(TOKEN_VAR, ""))
        folder = request.get("cwd") or None
        try:
            self._call(request, folder, end)
        finally:  # the next run starts where the worker started, not where this one went
            if folder is not None:
                os.chdir(self.home)
            self.modules.settle()
        cpu = cpu_seconds()
        if end:
            end["cpu"] = cpu
            done = protocol.json_frame(protocol.DONE, end)
        else:  # returned None: the common case needs no JSON
            done = protocol.frame(protocol.QUIET_DONE, protocol.CPU.pack(cpu))
        _flush()
        os.environ.pop(TOKEN_VAR, None)  # what later starts is not this run's
        with self.lock:
            self._pump()
            self.current = None
            self.run_sock.sendall(done)

    def _call(self, request: dict[str, Any], folder: str | None, end: dict[str, Any]) -> None:
        """Call the run's function in its task's folder; what to tell the engine in `end`."""
        current = self.current
        assert current is not None
        if folder is not None:
            try:
                os.chdir(folder)  # (a relative one from the worker's own, as a command's)
            except OSError as exc:  # said as a command's: "cannot start …: [Errno 2] …"
                end["start_error"] = str(exc)
                return
            folder = os.getcwd() if not os.path.isabs(folder) else folder
        try:
            func, wants_context = self.modules.resolve(request["target"], folder)
        except BaseException as exc:
            end["load_error"] = repr(exc)
            return
        kwargs = dict(request.get("kwargs") or {})
        if wants_context:
            if request.get("secret_error"):
                end["secret_error"] = request["secret_error"]
                return
            context = kwargs["context"] = current.context = RunContext(self, request)
            if current.cancelled:  # asked before the context existed
                context.cancel()
        try:
            result = func(**kwargs)
            if result is not None:
                end["result"] = _repr(result)
        except BaseException as exc:  # its traceback from the action's own frames on
            end["traceback"] = "".join(traceback.format_exception(
                type(exc), exc, exc.__traceback__.tb_next if exc.__traceback__ else None))
            end["error"] = f"{type(exc).__name__}: {exc}"


def engine_gone() -> NoReturn:
    """The engine stopped or died: exit, and what the callable started in this worker's
    process group goes too (a worker leads its own group); what left the group carries the
    run's token, which the next engine's recovery looks for."""
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


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:
        return f"<{type(value).__name__} object: repr failed: {exc!r}>"


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()


def _capture_output() -> tuple[int, int]:
    """Make fds 1 and 2 pipes of our own; return their read ends (non-blocking)."""
    ends = []
    for fd in (1, 2):
        read, write = os.pipe()
        os.dup2(write, fd)  # inheritable: a child the callable starts writes here too
        os.close(write)
        os.set_blocking(read, False)
        ends.append(read)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    return ends[0], ends[1]


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
    run_sock = socket.socket(fileno=int(args[0]))
    control = socket.socket(fileno=int(args[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the engine's
    _search_path()
    out_fd, err_fd = _capture_output()
    link = Link(run_sock, control, out_fd, err_fd)
    threading.Thread(target=link.listen, name="tickwork-worker-control", daemon=True).start()
    threading.Thread(target=link.drain, name="tickwork-worker-output", daemon=True).start()
    link.send(protocol.json_frame(protocol.HELLO, {"pid": os.getpid(), "cpu": cpu_seconds()}))
    frames = protocol.Frames()
    while True:
        data = run_sock.recv(262144)
        if not data or parent.gone():  # a run sent just before the engine died: not run
            engine_gone()
        for kind, payload in frames.feed(data):
            if kind == protocol.RUN:
                link.run(json.loads(payload))


if __name__ == "__main__":
    sys.exit(main())
