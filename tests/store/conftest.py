"""Store fixtures: the session's own PostgreSQL server and a fresh database per test
(tests/support/postgres.py), beside the SQLite home every test has."""

from tests.support.postgres import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]
