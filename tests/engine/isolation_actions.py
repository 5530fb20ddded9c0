"""Python actions that leave things behind in their worker, for
tests/engine/test_worker_isolation.py (tests.engine.isolation_actions:NAME)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


def leaky(context: Any) -> None:
    """Starts a child that prints the run's secret after the run returned."""
    subprocess.Popen(["sh", "-c", "sleep 0.5; echo late-token=$TOK"],
                     env={"TOK": context.env["TOK"], "PATH": os.environ["PATH"]})


def late_checkpoint(context: Any) -> None:
    """Leaves a thread that checkpoints after the run returned."""
    def later() -> None:
        time.sleep(0.5)
        context.checkpoint({"from": "the earlier run"})

    threading.Thread(target=later, daemon=True).start()


def patient(seconds: float, context: Any) -> str:
    """Outlasts what an earlier run left behind, and says what it saw."""
    time.sleep(seconds)
    return f"resume_state={context.resume_state!r}"


def fork_daemon(path: str, then: str = "spin") -> None:
    """A child forked out of the worker's group (setsid, no exec) that forks a grandchild,
    then a busy loop (or the worker's own death: `then="die"`)."""
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            Path(path + ".grandchild").write_text(str(os.getpid()))
            time.sleep(40)
            os._exit(0)
        Path(path + ".pid").write_text(str(os.getpid()))
        for _ in range(400):
            Path(path).write_text(str(time.time()))
            time.sleep(0.1)
        os._exit(0)
    if then == "die":  # once both have said who they are (a loaded machine is slow to say)
        while not (Path(path + ".pid").exists() and Path(path + ".grandchild").exists()):
            time.sleep(0.01)
        os._exit(3)
    while True:
        pass


def dies_after_printing() -> None:
    print("line before _exit", flush=True)
    os.write(2, b"stderr before _exit\n")
    os._exit(3)


def break_process(path: str) -> None:
    """Leaves the process as no other task expects it."""
    Path(path).write_text(str(os.getpid()))
    os.environ["HTTP_PROXY"] = "http://leaked.invalid:1"
    os.umask(0)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    os.close(1)
    os.close(0)


def report_process(path: str) -> None:
    """Prints, and notes the process state it was given."""
    print("printed as usual")
    umask = os.umask(0o022)
    os.umask(umask)
    Path(path).write_text(json.dumps({
        "proxy": os.environ.get("HTTP_PROXY"), "umask": umask,
        "sigterm": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
        "blocked": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
        "stdin": os.fstat(0).st_rdev == os.stat(os.devnull).st_rdev, "pid": os.getpid()}))


def settings() -> dict[str, Any]:
    """What this process's settings are now, as `change_settings` changes them."""
    import decimal
    import gc
    import locale
    import resource
    import socket
    import threading
    import warnings
    in_thread: list[int] = []  # a new thread's decimal context comes from DefaultContext
    thread = threading.Thread(target=lambda: in_thread.append(decimal.getcontext().prec))
    thread.start()
    thread.join()
    return {"memory": resource.getrlimit(resource.RLIMIT_AS)[0], "gc": gc.isenabled(),
            "thread_precision": in_thread[0],
            "gc_debug": gc.get_debug(), "stack": threading.stack_size(),
            "excepthook": sys.excepthook is sys.__excepthook__,
            "recursion": sys.getrecursionlimit(), "trace": sys.gettrace() is None,
            "warnings_fail": any(f[0] == "error" for f in warnings.filters),
            "zone": time.strftime("%z", time.localtime(0)), "tzname": list(time.tzname),
            "precision": decimal.getcontext().prec, "timeout": socket.getdefaulttimeout(),
            "locale": locale.setlocale(locale.LC_ALL), "nice": os.nice(0)}


def report_settings(path: str) -> None:
    """Allocates 1.5 GiB, warns, and notes its settings and pid."""
    block = bytearray(3 * 2**29)  # (MemoryError under another task's 1 GiB cap)
    del block
    import warnings
    warnings.warn("a later task's warning", UserWarning, stacklevel=1)
    Path(path).write_text(json.dumps({**settings(), "pid": os.getpid()}))


def lower_for_good(path: str) -> None:
    """Takes what an unprivileged process cannot give back: a hard memory limit, a nicer
    priority."""
    import resource
    Path(path).write_text(str(os.getpid()))
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
    os.nice(5)


def no_newline() -> str:
    sys.stdout.write("éé")
    return "fine"


_kept: list[Any] = []  # module-level state lives as long as the worker


def keep_context(context: Any) -> None:
    _kept.append(context)


def use_kept_context(path: str) -> None:
    """Another task's run tries the context an earlier run kept."""
    said = []
    for call in (lambda c: c.log("from the past"), lambda c: c.checkpoint({"from": "past"}),
                 lambda c: c.progress(0.5, "past")):
        try:
            call(_kept[-1])
            said.append("sent")
        except RuntimeError as exc:
            said.append(str(exc))
    Path(path).write_text(json.dumps(said))


def fork_and_return(then: str = "return") -> str:
    """A child forked that returns out of the action (or raises), as careless code does;
    the parent waits for it and returns."""
    child = os.fork()
    if child == 0:
        print("the child says hello", flush=True)
        if then == "raise":
            raise RuntimeError("the child's own error")
        return "the child's result"
    _, status = os.waitpid(child, 0)
    return f"parent; child exit {os.waitstatus_to_exitcode(status)}"


HOARD: list[Any] = []  # what `hoard_files` keeps: module-level state lives with its worker


def hoard_files(path: str, how: str) -> int:
    """Opens /dev/null until no more can be: kept by the module ("kept") or never closed
    ("leaked", no object holds them); notes its pid first (no file opens after)."""
    Path(path).write_text(str(os.getpid()))
    while True:
        try:
            HOARD.append(open(os.devnull) if how == "kept"  # noqa: SIM115
                         else os.open(os.devnull, os.O_RDONLY))
        except OSError:
            return len(HOARD)


def open_a_file(path: str) -> None:
    """Reads a file and notes its pid."""
    with open(os.devnull) as fh:
        fh.read()
    Path(path).write_text(str(os.getpid()))


def put_env(path: str) -> None:
    """Changes the environment a started process gets, behind os.environ's back."""
    Path(path).write_text(str(os.getpid()))
    os.putenv("LEAKED_TOKEN", "put-by-another-task")
    os.unsetenv("HOME")


def report_child_env(path: str) -> None:
    """What a process it starts finds in its environment, beside what os.environ says."""
    seen = subprocess.run(["env", "-0"], capture_output=True, check=True).stdout
    child = dict(entry.partition(b"=")[::2] for entry in seen.split(b"\0") if entry)
    Path(path).write_text(json.dumps({
        "leaked": (child.get(b"LEAKED_TOKEN") or b"").decode(),
        "home": (child.get(b"HOME") or b"").decode(), "own_home": os.environ.get("HOME"),
        "pid": os.getpid()}))


def move_home(path: str, to: str) -> None:
    """Sets HOME to `to`, in os.environ and behind it, and goes there; notes its pid."""
    Path(path).write_text(str(os.getpid()))
    os.environ["HOME"] = to
    os.putenv("HOME", to)
    os.chdir(to)


def report_cwd(path: str) -> None:
    """Where it started, and its pid."""
    Path(path).write_text(json.dumps({"cwd": os.getcwd(), "pid": os.getpid()}))
