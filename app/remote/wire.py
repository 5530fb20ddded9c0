"""The words between the engine and a `tickwork worker`: the job a run is sent as (the
Celery task's keyword arguments, JSON), the replies a worker pushes on the engine's list,
and the two Redis scripts that decide, atomically, who has a run.

Job: `{"run_id", "attempt", "task_name", "scheduled_for", "argv", "env", "cwd", "stdin",
"timeout", "resume", "reply", "engine", "secrets", "signature"}`, plus `"python":
{"target", "kwargs"}` for a Python action (then `argv` is empty) — `argv` as exec gets it
(a shell command already `[shell, "-c", text]`), `env` the task's environment plus the
`TICKWORK_*` variables every attempt gets, `resume` the checkpoint (JSON text) a retry
resumes from, `reply` the engine's reply list, `engine` its liveness key, `secrets` whether
a secret key waits for it, `signature` every other field and the run's Celery id signed
with the home's workers' key (app/remote/sealing.py: a worker runs no job it cannot check;
None when the engine could not read the key: run only by a worker started `--unsigned`).
Secret values are never in the job (it stays in Redis until acknowledged, and Celery can
log or show it).

Replies, each a JSON list `[kind, celery id, run id, attempt, ..., seal]`, the seal last:
the worker's signature of the rest with the workers' key that signed the run's job, and
the reply's number in its run (app/remote/sealing.py: `mark`), or None from a worker that
has no key for the job (it runs unsigned jobs only, `--unsigned`, or refuses it). The
engine hears a reply for a run it sent signed only when its seal is good and its number
new (app/remote/genuine.py); the one exception is a refusal — `done`, `failed`, sent before
the worker took the run: it lacks the job's key, or runs another version — which fails the
run only when no worker has taken it, and no worker takes it afterwards (`REFUSE`).
- `claim`, nonce — the worker took the run and asks its engine whether to start it: the
  engine answers on `tickwork:go:<celery id>.<nonce>` (app/remote/claims.py), and says `go` once
  per run: a job sent again through the broker after its run started or ended is not run;
- `started`, host, at — the command exists (wall time `at`) on that worker;
- `out`, stream, text — output, decoded, masked and bounded by the worker's capture;
- `progress`, fraction, message — a Python action's `context.progress()`;
- `checkpoint`, state (JSON text) — a Python action's `context.checkpoint()`: the engine
  commits it, then pushes `{"error": None | text, "seal": …}` on `tickwork:ack:<celery id>`,
  signed for that checkpoint (app/remote/checkpoints.py), which its `checkpoint()` waits for;
- `done`, status, exit code, error, at, checkpoint — how it ended as the worker's launcher
  saw it (`succeeded`, `failed`, `timed_out`, `cancelled` after the engine's revoke,
  `interrupted` when the worker stopped it by itself or its launcher died) and the
  checkpoint file's text (or None). The engine settles it against its own attempt (a
  cancel there says why: a person, its stop, a timeout).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Final

# A worker takes a run: not if the engine gave up on it, not if another worker has it; else
# mark it taken, beat once, and hand back its secrets (read and deleted in one step).
# KEYS: ended, taken, beat, secret; ARGV: host, beat ttl (ms), keep (s).
# Returns [0] given up, [1] already taken, [2, secrets JSON or ""] taken now.
TAKE: Final = """
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[3]) then return {1} end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
local secrets = redis.call('GET', KEYS[4]) or ''
redis.call('DEL', KEYS[4])
return {2, secrets}
"""

# The engine gives up on a run: no worker may take it from now on, its secrets go.
# KEYS: ended, taken, secret; ARGV: keep (s). Returns 1 when a worker had already taken it.
GIVE_UP: Final = """
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
redis.call('DEL', KEYS[3])
return redis.call('EXISTS', KEYS[2])
"""


# The engine takes a worker's unsigned refusal of a run: not when a worker has taken it
# (then the refusal is not its worker's word); else no worker may take it from now on.
# KEYS: ended, taken, secret; ARGV: keep (s). Returns 1 when a worker had taken it.
REFUSE: Final = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
redis.call('DEL', KEYS[3])
return 0
"""

CLAIM: Final = "claim"

# each reply's length, its seal included: one shorter is in the form of a worker from before
# signed replies (it had no seal), which the engine does not hear (app/remote/genuine.py)
LENGTHS: Final = {CLAIM: 6, "started": 7, "out": 7, "progress": 7, "checkpoint": 6, "done": 10}


def encode(message: list[Any], seal: str | None = None) -> str:
    """A reply as a worker pushes it: `message` and its seal, last."""
    return json.dumps([*message, seal], separators=(",", ":"), ensure_ascii=False)


def unseal(message: list[Any]) -> tuple[list[Any], Any]:
    """A reply `decode` read, and its seal apart."""
    return message[:-1], message[-1]


STATUSES: Final = frozenset({"succeeded", "failed", "timed_out", "cancelled", "interrupted"})


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _text_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _time(value: Any) -> bool:  # (a wall time a datetime can hold: seconds since 1970)
    return _number(value) and 0 <= value < 1e11


def _time_or_none(value: Any) -> bool:
    return value is None or _time(value)


def _fraction_or_none(value: Any) -> bool:
    return value is None or _number(value)


def _code_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def _status(value: Any) -> bool:
    return value in STATUSES


# what each field after the attempt must be, as this version's workers send it
FIELDS: Final[dict[str, tuple[Callable[[Any], bool], ...]]] = {
    CLAIM: (_text,), "started": (_text, _time), "out": (_text, _text),
    "progress": (_fraction_or_none, _text), "checkpoint": (_text,),
    "done": (_status, _code_or_none, _text_or_none, _time_or_none, _text_or_none)}


def whole(body: list[Any]) -> bool:
    """Whether a reply (`unseal`'s body) has the fields of its kind, as this version's
    workers send it (their number: `fits` says what each is)."""
    return LENGTHS.get(body[0]) == len(body) + 1


def fits(body: list[Any]) -> bool:
    """Whether each field of a `whole` reply is what this version's workers send there: a
    time that was no number, or a status no run has, was read after a run sent unsigned was
    taken off the runs waited for — it failed there, and the run stood `running` for good."""
    checks = FIELDS.get(body[0], ())
    return all(check(value) for check, value in zip(checks, body[4:], strict=True))


def older(body: list[Any]) -> bool:
    """Whether a reply (`unseal`'s body) is in the form of a worker from before signed
    replies: the last field taken for its seal was its own, so it is two short."""
    return LENGTHS.get(body[0]) == len(body) + 2


def decode(text: bytes | str) -> list[Any] | None:
    """A reply, or None when it is not one (never raised: a stray push is not our crash)."""
    try:
        message = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    if (not isinstance(message, list) or len(message) < 5 or not isinstance(message[0], str)
            or not isinstance(message[1], str)):
        return None
    return message
