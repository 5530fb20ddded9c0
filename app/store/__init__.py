"""The store: peewee models and the only code that touches SQL (see DESIGN.md).

peewee imports the PostgreSQL driver (psycopg) as it loads, if it is installed: a cost of
0.1-0.5 s at every start, SQLite's too. So peewee is loaded here, before any module of the
store, with the driver hidden from it; app/store/backend.py imports the driver only when a
PostgreSQL store opens.
"""

import sys

if "peewee" not in sys.modules and "psycopg" not in sys.modules:
    sys.modules["psycopg"] = None  # type: ignore[assignment]  # `import psycopg` fails fast
    try:
        import peewee  # noqa: F401
    finally:
        del sys.modules["psycopg"]
