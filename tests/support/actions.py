"""Python actions used by engine tests (importable as tests.support.actions:NAME)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def noop() -> None:
    return None


def append(path: str, text: str) -> None:
    with open(path, "a") as fh:
        fh.write(text + "\n")


def boom(message: str = "boom") -> None:
    raise RuntimeError(message)


def sleepy(seconds: float, context: Any) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if context.cancelled:
            return "stopped"
        time.sleep(0.02)
    return "slept"


def count_to(n: int, path: str, context: Any, pause: float = 0.0) -> int:
    """Counts to n, checkpointing each step; records every step it really did in `path`."""
    start = (context.resume_state or {}).get("done", 0)
    for i in range(start + 1, n + 1):
        with Path(path).open("a") as fh:
            fh.write(f"{i}\n")
        context.checkpoint({"done": i})
        context.progress(i / n, f"step {i}")
        if pause:
            time.sleep(pause)
    return n


def secret_env(path: str, context: Any) -> None:
    Path(path).write_text(context.env.get("TOKEN", "<missing>"))


def env_value(path: str, name: str) -> None:
    Path(path).write_text(os.environ.get(name, "<missing>"))


def nap_first(seconds: float, context: Any) -> str:
    """The first attempt naps (stopping when asked); later attempts return at once."""
    if context.attempt > 1:
        return "done"
    return sleepy(seconds, context)


def stubborn(seconds: float) -> str:
    """Ignores every request to stop (it has no context to ask)."""
    time.sleep(seconds)
    return "slept"


def leak_secret(context: Any) -> str:
    """Shows its secret every way a Python action can: a log line, progress, its result."""
    value = context.env["MYSECRET"]
    context.log(f"the token is {value}")
    context.progress(0.5, f"using {value}")
    return value


def leak_secret_in_error(context: Any) -> None:
    raise ValueError(f"rejected token {context.env['MYSECRET']}")


def tickwork_names(context: Any) -> None:
    """Prints which TICKWORK_* variables it finds in context.env and in os.environ."""
    for where, env in (("context.env", context.env), ("os.environ", os.environ)):
        print(where, " ".join(sorted(k for k in env if k.startswith("TICKWORK_"))))


def leak_secret_encoded(context: Any) -> None:
    """Fails with its secret base64-encoded inside a longer text, as an HTTP client's error
    might show a basic-auth header."""
    import base64

    header = base64.b64encode(f"me:{context.env['MYSECRET']}".encode()).decode()
    raise ValueError(f"rejected Authorization: Basic {header}")
