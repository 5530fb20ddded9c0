"""Store fixtures: the session's own PostgreSQL server and a fresh database per test
(tests/support/postgres.py), beside the SQLite home every test has.

Tests on PostgreSQL share one xdist group, so one test process starts a server (initdb and
a server cost ~1 CPU s each time) instead of every process that draws one of them."""

from __future__ import annotations

import pytest

from tests.support.postgres import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]


# first: pytest-xdist reads the groups in its own hook, which a conftest given on the command
# line (`pytest tests/gui`) would otherwise follow
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/store/" not in str(item.fspath).replace("\\", "/"):
            continue
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("location") == "postgres"
        if on_postgres or {"pg_url", "pg_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("postgres"))
