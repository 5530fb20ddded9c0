"""Python actions for the worker-process tests (tests.engine.worker_actions:NAME): each
notes its worker's pid in a file when it needs to be found, then misbehaves its own way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _note_pid(path: str) -> None:
    Path(path).write_text(str(os.getpid()))


def spin(path: str) -> None:
    """A busy loop that asks nobody anything."""
    _note_pid(path)
    while True:
        pass


def heed_cancel(path: str, seen: str, context: Any) -> str:
    """Busy until its context says cancelled, then notes that it saw it and returns."""
    _note_pid(path)
    while not context.cancelled:
        pass
    Path(seen).write_text("cancelled seen")
    return "stopped"


def die_first(path: str, how: str, context: Any) -> str:
    """The first attempt kills its own worker (`exit`: os._exit, `kill`: SIGKILL)."""
    if context.attempt > 1:
        return "second attempt"
    _note_pid(path)
    if how == "exit":
        os._exit(3)
    os.kill(os.getpid(), signal.SIGKILL)
    return "unreachable"


def wait_to_be_killed(path: str, context: Any) -> str:
    """Sleeps (heeding cancel) until someone kills its worker."""
    _note_pid(path)
    while not context.cancelled:
        time.sleep(0.02)
    return "cancelled"


def count_then_die(n: int, die_at: int, steps: str, context: Any) -> int:
    """Counts to n with a checkpoint per step; attempt 1 kills its worker after `die_at`."""
    start = (context.resume_state or {}).get("done", 0)
    for i in range(start + 1, n + 1):
        with open(steps, "a") as fh:
            fh.write(f"{i}\n")
        context.checkpoint({"done": i})
        if context.attempt == 1 and i == die_at:
            os._exit(1)
    return n


def chatty(context: Any) -> int:
    """Talks every way a callable can."""
    print("printed to stdout")
    print("printed to stderr", file=sys.stderr)
    os.write(1, b"written to fd 1\n")
    context.log("a log line")
    context.progress(0.5, "half way")
    subprocess.run(["echo", "from a child process"], check=True)
    return 42


def show_secret(path: str, context: Any) -> str:
    value = context.env["TOKEN"]
    Path(path).write_text(value)
    print(f"the token is {value}")
    return value


def checkpoint_secret(context: Any) -> str:
    """Tries to keep its secret in a checkpoint (refused), then keeps what is safe."""
    try:
        context.checkpoint({"token": context.env["TOKEN"]})
    except Exception as exc:
        print(f"refused: {type(exc).__name__}: {exc}")
    context.checkpoint({"step": 1})
    return "kept the step"


def checkpoint_secret_forms(context: Any) -> None:
    """Tries to keep its secret in the forms output masking hides, and upper case."""
    import base64
    import urllib.parse

    secret = context.env["TOKEN"]
    forms = {"base64": base64.b64encode(secret.encode()).decode(),
             "percent": urllib.parse.quote(secret, safe=""),
             "json": json.dumps(secret)[1:-1], "upper": secret.upper()}
    for name, form in forms.items():
        try:
            context.checkpoint({"form": form})
            print(f"{name}: kept")
        except Exception as exc:
            print(f"{name}: refused: {type(exc).__name__}")


def checkpoint_nan(context: Any) -> str:
    """Tries to keep NaN and an infinity (refused: no JSON has them), then a number."""
    for odd in (float("nan"), {"rate": float("inf")}):
        try:
            context.checkpoint(odd)
        except ValueError as exc:
            print(f"refused: {exc}")
    context.checkpoint({"rate": 0.5})
    return "kept the rate"


def whoami(path: str) -> None:
    _note_pid(path)


RUNS = 0


def counted() -> str:
    """How many times this worker ran it (module state), its pid and the folder it ran in."""
    global RUNS
    RUNS += 1
    return f"run {RUNS} pid {os.getpid()} in {os.getcwd()}"


def burn(path: str, context: Any) -> None:
    """Holds ~100 MB and burns CPU until cancelled."""
    _note_pid(path)
    blob = b"x" * 100_000_000
    while not context.cancelled:
        sum(range(10_000))
    del blob


def wait_for_file(path: str) -> None:
    """Busy until a file appears at `path` (looked for every millisecond)."""
    while not os.path.exists(path):
        time.sleep(0.001)


def note_then_wait(path: str, go: str) -> None:
    """Notes its worker's pid, then waits for a file at `go`."""
    _note_pid(path)
    wait_for_file(go)


def spawn_children(path: str) -> None:
    """Starts a child in its worker's process group and one that leaves it (`setsid`),
    notes both pids, then waits as if it worked on."""
    same = subprocess.Popen(["sleep", "60"])
    escaped = subprocess.Popen(["sleep", "60"], start_new_session=True)
    Path(path).write_text(f"{same.pid} {escaped.pid}")
    time.sleep(60)


def child_says_last(context: Any) -> None:
    """A child process, started beforehand, prints just before the callable returns: its
    line is in the pipe, and the end right behind it in the channel."""
    child = subprocess.Popen(["sh", "-c", "read go; echo child-$go"], stdin=subprocess.PIPE)
    assert child.stdin is not None
    context.progress(0.5, "told")
    child.stdin.write(b"said\n")
    child.stdin.close()
    child.wait()


def percent(context: Any) -> None:
    """Progress given as a percentage, not a fraction (twice: said once)."""
    context.progress(50, "half way")
    context.progress(50, "half way")


def fraction_given(context: Any, given: Any) -> None:
    """Progress given `given` ("nan": NaN), twice; a refusal is printed."""
    fraction = float("nan") if given == "nan" else given
    for _ in range(2):
        try:
            context.progress(fraction, "given")
        except ValueError as error:
            print(f"refused: {error}")


def undecodable_name(context: Any) -> None:
    """Says its progress with a file name that is not UTF-8, as os.listdir gives it (a
    lone surrogate for each byte it could not decode)."""
    name = os.fsdecode(b"caf\xe9.txt")
    print("before")
    context.progress(0.5, f"copying {name}")
    print("after")


def log_undecodable_name(context: Any) -> None:
    """Logs a file name that is not UTF-8, as os.listdir gives it."""
    name = os.fsdecode(b"caf\xe9.txt")
    context.log(f"copying {name}")
    context.log("copied")


def progress_over_lines(context: Any) -> None:
    """Says its progress in a message of several lines, as an exception's text gives it."""
    print("before")
    context.progress(0.5, "copying\nthe second line\r\nand the third\u2028and more\n")
    print("after")


def progress_on_a_full_pipe(context: Any, calls: int) -> None:
    """Says its progress while its stdout, made non-blocking as asyncio or a child program
    leaves it, is kept full by a child that writes all it can until it is stopped."""
    os.set_blocking(1, False)
    ready, told = os.pipe()
    flood = (f"import os\nos.write({told}, b'r')\nwhile True:\n    try:\n"
             "        os.write(1, b'C' * 65536)\n    except BlockingIOError:\n        pass\n")
    child = subprocess.Popen([sys.executable, "-c", flood], pass_fds=(told,))
    os.read(ready, 1)
    for call in range(1, calls + 1):
        context.progress(call / calls / 2, f"call {call}")
    child.kill()
    child.wait()
    context.progress(1.0, "all said")


def leaves_stdout_non_blocking(path: str) -> None:
    """Notes whether its stdout was blocking when it began (its worker's pid beside it),
    then leaves it non-blocking, as asyncio's write pipe or a child program such as node
    does."""
    with open(path, "a") as notes:
        notes.write(f"{os.getpid()} {os.get_blocking(1)}\n")
    os.set_blocking(1, False)


def steps_said(context: Any, steps: int) -> None:
    """Prints a line, then says its progress, step after step; a line printed without its
    end comes before a progress report, and one from a child process too."""
    for step in range(1, steps + 1):
        print(f"doing step {step}")
        context.progress(step / steps, f"step {step}")
    print("almost", end="")
    context.progress(None, "the last word")
    subprocess.run(["echo", "said by a child"], check=True)
    context.progress(1.0, "done")


def chatty_progress(context: Any, calls: int) -> None:
    """Says its progress at every step of a long loop: far past what a run's output keeps."""
    for step in range(1, calls + 1):
        context.progress(step / calls, f"step {step} of {calls}")


class Unsayable(Exception):
    """An exception whose message cannot be made."""

    def __str__(self) -> str:
        raise RuntimeError("no words for it")


def raise_unsayable() -> None:
    raise Unsayable()


def size_and_end(text: str) -> str:
    return f"{len(text)} {text[-3:]}"


def return_large(n: int) -> str:
    return "x" * n + "END"


def raise_large(n: int) -> None:
    raise ValueError("z" * n + "END")


def checkpoint_itself(context: Any) -> None:
    """Checkpoints a state that holds itself."""
    state: list[Any] = []
    state.append(state)
    context.checkpoint(state)


def interrupt_itself() -> None:
    raise KeyboardInterrupt


def close_channels_then_sleep(path: str) -> None:
    """Closes every fd of its worker past 2 (the worker's channels to the engine among
    them), then sleeps on."""
    _note_pid(path)
    os.closerange(3, 65536)
    time.sleep(60)


def log_a_number(context: Any) -> str:
    context.log(42)
    return "logged"


def exit_with(code: Any) -> None:
    """Ends as a script does: `sys.exit(code)`."""
    print("done here")
    sys.exit(code)


def raise_with_secret(at: int, context: Any) -> None:
    """Raises an error of 10,000 characters with its secret `at` characters in."""
    raise ValueError("x" * at + context.env["TOKEN"] + "y" * 10_000)


def print_then_raise() -> None:
    """Prints a character cut in two (its first byte alone), then raises."""
    sys.stdout.flush()
    sys.stdout.buffer.write("café".encode()[:-1])
    sys.stdout.buffer.flush()
    raise ValueError("boom")


def raise_lines() -> None:
    """Raises an error of two lines, as many an exception's message is."""
    raise ValueError("no such account\nchecked: ledger, archive")


def noop() -> None:
    """Nothing: a run as short as a run can be."""


def cpus(path: str, take: list[int] | None = None) -> None:
    """Notes the CPUs it may run on (after taking `take` for itself, when given)."""
    if take:
        os.sched_setaffinity(0, take)
    Path(path).write_text(json.dumps(sorted(os.sched_getaffinity(0))))


def child_then_wait(path: str, go: str) -> None:
    """Starts a child (`sleep`), notes its pid, then waits for a file at `go`."""
    child = subprocess.Popen(["sleep", "60"])
    Path(path).write_text(str(child.pid))
    wait_for_file(go)


def patch_json() -> dict[str, int]:
    """Replaces json.dumps and json.loads in its worker (the interpreter its run shares),
    then returns a value the worker sends as JSON."""
    import json
    json.dumps = lambda *_a, **_k: "not json"  # type: ignore[assignment]
    json.loads = lambda *_a, **_k: {}  # type: ignore[assignment]
    return {"patched": 1}


def send_garbage() -> None:
    """Sends an end of its own, not JSON, on its worker's run channel (the worker's first
    argument), and then returns (the worker's own end follows it)."""
    import socket
    import struct
    sock = socket.socket(fileno=os.dup(int(sys.argv[1])))
    try:
        sock.sendall(struct.pack("<IB", 8, ord("D")) + b"not json")
    finally:
        sock.close()


def patch_json_then_checkpoint(context: Any) -> str:
    """Replaces json.dumps in its worker (as a library's monkeypatching does), then keeps a
    checkpoint."""
    import json
    json.dumps = lambda *_a, **_k: "not json"  # type: ignore[assignment]
    context.checkpoint({"step": 3, "name": "Zoë"})
    return "kept"


def progress_without_words(context: Any) -> None:
    """Progress given as a fraction alone, then with a message."""
    context.progress(1.0)
    context.progress(0.5, "half")
