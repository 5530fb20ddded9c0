"""Runs on Celery workers: a task marked `runs_on: celery[:QUEUE]` is claimed in the ledger
by the engine as usual, then sent through a Redis broker to a `tickwork worker` (a thin
Celery worker) which runs its command with the local semantics and reports back.

- `broker` — the broker URL, the Celery app both sides share, the Redis keys they meet at;
- `wire` — the words on the wire: the job a run is sent as, the replies a worker sends;
- `client` — the engine's side: send, hear, cancel;
- `watch` — what the engine looks for every beat: a lost worker, jobs a restarted broker lost;
- `worker` — the worker's side: take a job, run it through a launcher, reply;
- `heartbeat` — the worker's beat for its runs, and the runs it stops by itself;
- `python` — the worker's Python runs: a Python worker process each (app/engine/pyworkers),
  their context's checkpoints committed by the engine before `checkpoint()` returns;
- `checkpoints` — the engine's side of a run's checkpoints: committed, acknowledged, kept;
- `pool` — Celery's thread pool, made to hear a revoke with `terminate=True`.
- `listeners` — the engine's look at who listens on the queue of a run no worker took yet;
- `contact` — the worker's word on its broker: one line when it is lost, one when back.

Nothing is imported here, so the engine imports Celery only once a task runs on it."""
