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

Replies, each a JSON list `[kind, celery id, run id, attempt, ...]`:
- `started`, host, at — the command exists (wall time `at`) on that worker;
- `out`, stream, text — output, decoded, masked and bounded by the worker's capture;
- `progress`, fraction, message — a Python action's `context.progress()`;
- `checkpoint`, state (JSON text) — a Python action's `context.checkpoint()`: the engine
  commits it, then pushes `{"error": None | text}` on `tickwork:ack:<celery id>`, which the
  worker's `checkpoint()` waits for;
- `done`, status, exit code, error, at, checkpoint — how it ended as the worker's launcher
  saw it (`succeeded`, `failed`, `timed_out`, `cancelled` after the engine's revoke,
  `interrupted` when the worker stopped it by itself or its launcher died) and the
  checkpoint file's text (or None). The engine settles it against its own attempt (a
  cancel there says why: a person, its stop, a timeout).
"""

from __future__ import annotations

import json
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


def encode(message: list[Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def decode(text: bytes | str) -> list[Any] | None:
    """A reply, or None when it is not one (never raised: a stray push is not our crash)."""
    try:
        message = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    if (not isinstance(message, list) or len(message) < 4 or not isinstance(message[0], str)
            or not isinstance(message[1], str)):
        return None
    return message
