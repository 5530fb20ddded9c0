"""What a Python action sees of its run, inside its worker process: who it is, the state to
resume from, its environment (secrets resolved), whether it was asked to stop, and the way
to report progress, log lines and checkpoints to the engine."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any, Protocol

MAX_CHECKPOINT = 64 * 1024  # bytes of JSON
# a checkpoint's own JSON: an action's run shares its worker's interpreter, and one that
# replaced json.dumps (a library's monkeypatching) made its own checkpoint "not json", as
# the worker's channel was once garbled (protocol.py)
_encode = json.JSONEncoder(allow_nan=False).encode


def state_json(state: Any) -> str:
    """A checkpoint's state as JSON text; ValueError when it is not JSON — a NaN or an
    infinity too, which Python writes as `NaN` and no JSON reader takes (`run show --json`
    printed it: a fault hunt)."""
    try:
        return _encode(state)
    except ValueError as exc:  # (a state that holds itself said it held NaN: a fault hunt)
        if not str(exc).startswith("Out of range float"):
            raise ValueError(f"checkpoint is not JSON: {exc}") from None
        raise ValueError("checkpoint is not JSON: it holds NaN or an infinity, which JSON "
                         "has no number for") from None


def checkpoint_text(state: Any) -> str:
    """A checkpoint's JSON text; ValueError when it is not JSON or larger than 64 KiB."""
    text = state_json(state)
    if len(text.encode()) > MAX_CHECKPOINT:
        raise ValueError(f"checkpoint is larger than {MAX_CHECKPOINT} bytes")
    return text


def refusal(request: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, str] | None:
    """Why a run whose function takes `context` cannot be called, as its end says it: its
    secrets could not be read, or its kwargs give a `context` of their own (it was replaced
    by the run's, unsaid: a fault hunt)."""
    if request.get("secret_error"):
        return {"secret_error": request["secret_error"]}
    if "context" in kwargs:
        return {"error": f"kwargs: 'context' is given, but {request['target']} takes the "
                         "run's context under that name: give that keyword another name"}
    return None


class CheckpointError(RuntimeError):
    """A checkpoint could not be made durable in time; the action should not go on as if
    it were saved."""


class Masks(Protocol):
    def mask_data(self, value: Any) -> Any: ...


def secret_free(state: Any, masker: Masks | None) -> str:
    """`state`'s JSON when it holds no value of a secret the run received; CheckpointError
    if it does: it would be stored (and, from a Celery worker, cross the broker on its way),
    and masked it would not resume."""
    text = state_json(state)
    if masker is not None and _encode(masker.mask_data(state)) != text:
        raise CheckpointError("the checkpoint holds the value of a secret this run received; "
                              "secrets never go to the store: read them from the "
                              "environment again on resume")
    return text


class Link(Protocol):
    """The worker's channel to the engine, as the context uses it."""

    def log(self, text: str) -> None: ...
    def progress(self, fraction: float | None, message: str) -> None: ...
    def checkpoint(self, text: str) -> dict[str, Any]: ...


def checked_fraction(fraction: float | None) -> tuple[float | None, str | None]:
    """`progress`'s fraction from 0 to 1, and what to say when it was not one: a number past
    the bounds is shown at the nearest (a copy that grew: 1.05 is 100 %) and said (50 was
    shown as "5000 %"); what is no number is refused (ValueError)."""
    if fraction is None:
        return None, None
    if isinstance(fraction, bool) or not isinstance(fraction, int | float):
        raise ValueError(f"progress takes a fraction from 0 to 1, got {fraction!r}")
    if 0 <= fraction <= 1:
        return float(fraction), None
    shown = None if fraction != fraction else min(max(float(fraction), 0.0), 1.0)  # (NaN)
    return shown, (f"progress takes a fraction from 0 to 1 (0.4 for 40 %), got {fraction!r}: "
                   + ("not shown" if shown is None else f"shown as {shown:.0%}"))


class RunContext:
    """The `context` argument of a Python action that declares one."""

    def __init__(self, link: Link, request: dict[str, Any]) -> None:
        self._link = link
        self._lock = threading.Lock()
        self._cancelled = False
        self._said_fraction = False  # a fraction past 0..1 was said in the output
        self.run_id: int = request["run_id"]
        self.task_name: str = request["task_name"]
        self.scheduled_for = datetime.fromisoformat(request["scheduled_for"])
        self.attempt: int = request["attempt"]
        self.resume_state: Any = request.get("resume_state")
        self.env: dict[str, str] = {**request.get("env", {}), **request.get("secrets", {})}

    @property
    def cancelled(self) -> bool:
        """True once the run was cancelled, timed out or cut off by the engine's stop."""
        return self._cancelled

    def cancel(self) -> None:
        """The engine asked the run to stop (the worker's control thread)."""
        self._cancelled = True

    def checkpoint(self, state: Any) -> None:
        """Save a small JSON state that the next attempt of this run receives.

        Returns once the state is committed to the store, so work done after the call is
        never repeated by a resumed attempt; raises CheckpointError when the store could not
        commit it in time, and ValueError when it is not JSON or larger than 64 KiB.
        """
        text = checkpoint_text(state)
        with self._lock:  # one checkpoint at a time, whichever thread of the action calls
            reply = self._link.checkpoint(text)
        error = reply.get("error")
        if error:
            raise (ValueError if reply.get("type") == "ValueError" else CheckpointError)(error)

    def progress(self, fraction: float | None = None, message: str = "") -> None:
        """How far the run is: `fraction` from 0 to 1 (or None), and a message; one past
        the bounds is said once in the run's output."""
        shown, said = checked_fraction(fraction)
        if said is not None and not self._said_fraction:
            self._said_fraction = True
            self.log(f"tickwork: {said}")
        self._link.progress(shown, message)

    def log(self, text: object) -> None:
        """A line of the run's output: `text` as print() writes it (`log(42)` failed the run
        with "'int' object has no attribute 'endswith'", from Tickwork's own code)."""
        text = str(text)
        self._link.log(text if text.endswith("\n") else text + "\n")
