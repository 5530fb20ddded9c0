"""What a Python action sees of its run, inside its worker process: who it is, the state to
resume from, its environment (secrets resolved), whether it was asked to stop, and the way
to report progress, log lines and checkpoints to the engine."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any, Protocol

MAX_CHECKPOINT = 64 * 1024  # bytes of JSON



def checkpoint_text(state: Any) -> str:
    """A checkpoint's JSON text; ValueError when it is not JSON or larger than 64 KiB."""
    text = json.dumps(state)
    if len(text.encode()) > MAX_CHECKPOINT:
        raise ValueError(f"checkpoint is larger than {MAX_CHECKPOINT} bytes")
    return text

class CheckpointError(RuntimeError):
    """A checkpoint could not be made durable in time; the action should not go on as if
    it were saved."""


class Masks(Protocol):
    def mask_data(self, value: Any) -> Any: ...


def secret_free(state: Any, masker: Masks | None) -> str:
    """`state`'s JSON when it holds no value of a secret the run received; CheckpointError
    if it does: it would be stored (and, from a Celery worker, cross the broker on its way),
    and masked it would not resume."""
    text = json.dumps(state)
    if masker is not None and json.dumps(masker.mask_data(state)) != text:
        raise CheckpointError("the checkpoint holds the value of a secret this run received; "
                              "secrets never go to the store: read them from the "
                              "environment again on resume")
    return text


class Link(Protocol):
    """The worker's channel to the engine, as the context uses it."""

    def log(self, text: str) -> None: ...
    def progress(self, fraction: float | None, message: str) -> None: ...
    def checkpoint(self, text: str) -> dict[str, Any]: ...


def checked_fraction(fraction: float | None) -> float | None:
    """`progress`'s fraction, or ValueError: one from 0 to 1 (50 was shown as "5000 %")."""
    if fraction is None:
        return None
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) \
            or not 0 <= fraction <= 1:
        raise ValueError(f"progress takes a fraction from 0 to 1 (0.4 for 40 %), got "
                         f"{fraction!r}")
    return float(fraction)


class RunContext:
    """The `context` argument of a Python action that declares one."""

    def __init__(self, link: Link, request: dict[str, Any]) -> None:
        self._link = link
        self._lock = threading.Lock()
        self._cancelled = False
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
        """How far the run is: `fraction` from 0 to 1 (or None), and a message."""
        self._link.progress(checked_fraction(fraction), message)

    def log(self, text: str) -> None:
        self._link.log(text if text.endswith("\n") else text + "\n")
