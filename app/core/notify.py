"""When a task's runs are told about on the desktop: never, on failure, always.

A task stores this as two flags, ``{"on_failure": bool, "on_success": bool}`` (the JSON that
`task show --json`, export and import carry, unchanged); the CLI and the editor speak in
modes. The four flag pairs map onto four modes, so nothing stored is lost: the three a user
picks (`never`, `failure`, `always`) and `success` (only successes), which older files and
the editor can hold. A task file may also give the mode as a word: ``"notify": "always"``.

Which statuses notify (after the last attempt: app/engine/outcomes.py, and for runs found
interrupted at start-up app/engine/notifier.py): a failure is `failed`, `timed_out` or
`interrupted` when no retry follows; a success is `succeeded`. `cancelled` (a person did
it) and `skipped` (an upstream failed, which was told already) never notify.
"""

from __future__ import annotations

from typing import Any, Final

from app.core import fields
from app.core.errors import ValidationError

NOTIFY_MODES: Final = ("never", "failure", "always")  # what the CLI offers
ALL_NOTIFY_MODES: Final = (*NOTIFY_MODES, "success")
_FLAGS: Final = {"never": (False, False), "failure": (True, False), "always": (True, True),
                 "success": (False, True)}
NOTIFY_WORDS: Final = {"never": "never", "failure": "when it fails",
                       "always": "always (fails or succeeds)", "success": "only when it succeeds"}


def notify_flags(mode: str) -> dict[str, bool]:
    """The stored form of a mode."""
    on_failure, on_success = _FLAGS[fields.choice(mode, "notify", ALL_NOTIFY_MODES)]
    return {"on_failure": on_failure, "on_success": on_success}


def notify_mode(flags: Any) -> str:
    """The mode of a stored ``notify`` mapping (missing keys take their defaults)."""
    notify = flags if isinstance(flags, dict) else {}
    pair = (bool(notify.get("on_failure", True)), bool(notify.get("on_success", False)))
    return next(mode for mode, value in _FLAGS.items() if value == pair)


def notify_from_json(value: object) -> dict[str, bool]:
    """A task file's ``notify``: the flags mapping, or a mode word; checked."""
    if isinstance(value, str):
        if value not in ALL_NOTIFY_MODES:
            raise ValidationError("notify", f"must be one of {', '.join(NOTIFY_MODES)}")
        return notify_flags(value)
    notify = fields.mapping(value, "notify")
    fields.only_keys(notify, {"on_failure", "on_success"}, "notify")
    return {"on_failure": fields.boolean(notify.get("on_failure", True), "notify.on_failure"),
            "on_success": fields.boolean(notify.get("on_success", False), "notify.on_success")}
