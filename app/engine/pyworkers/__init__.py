"""Python actions run in worker processes, so a timeout or a cancel stops them for real and
a callable that crashes or leaks takes only its own run down.

- `protocol`: the frames the engine and a worker exchange (length-prefixed, over socket pairs);
- `context`: what a callable sees of its run inside the worker (`RunContext`);
- `worker`: the worker process's main (`python -m app.engine.pyworkers.worker`, or the
  bundle's hidden `tickwork --tickwork-worker python`);
- `pool`: the engine's side — one worker per executor thread, started on its first Python
  action, replaced when it dies or is killed; a run's frames are read and reported to the
  `Sink` by the executor thread that handed the run over.

Nothing here but `pool` imports Qt or the rest of the engine: a worker starts a bare
interpreter and imports only the standard library and the callable's own module.
"""
