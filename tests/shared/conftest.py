"""The shared setup for real: a PostgreSQL server and a Redis server started by the tests
(tests/support/postgres.py, tests/support/redis.py), engines and `tickwork worker`s as
subprocesses (benchmarks/shared_store.py runs the burst and reads the ledger's verdict).
Skipped with one line where either server's binaries are absent."""

from __future__ import annotations

from tests.support.postgres import pg_server
from tests.support.redis import redis_server, redis_session

__all__ = ["pg_server", "redis_server", "redis_session"]
