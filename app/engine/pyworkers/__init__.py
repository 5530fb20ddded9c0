"""Python actions run in worker processes, so a timeout or a cancel stops them for real and
a callable that crashes or leaks takes only its own run down.

- `protocol`: the frames the engine and a worker exchange (length-prefixed, over socket pairs);
- `context`: what a callable sees of its run inside the worker (`RunContext`);
- `modules`: which code a run calls — its task's module as on disk, found first in the
  task's folder, each folder's modules its own;
- `worker`: the worker process's main (`python -m app.engine.pyworkers.worker`, or the
  bundle's hidden `tickwork --tickwork-worker python`);
- `baseline`: the process state each run in a worker starts from, and what a run left
  running (which retires its worker);
- `process`: one worker process as the engine holds it (start, channels, output pipes, stop);
- `reader`: the one engine thread that reads every worker's frames, output and exit;
- `run`: one run as the engine follows it, from the hand-over to its end;
- `pool`: the engine's side — at most one worker per executor thread, one per CPU started
  ahead of the first Python fire and more as runs wait for one, replaced when it dies or is
  killed; an executor thread hands a run over (or leaves it waiting for the first worker
  free) and goes on.

Only `pool`, `process` and `run` import the rest of the engine: a worker starts a bare
interpreter and imports only the standard library and the callable's own module.
"""
