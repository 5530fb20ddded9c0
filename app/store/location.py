"""Where the store is: the SQLite file under the data home (the default), or a shared
PostgreSQL database named by a URL (`tickwork --store URL`, else `$TICKWORK_STORE`).

The URL is checked here, before anything is opened, so a mistyped one is one line naming
the option. A URL reads `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS]`
(libpq's own form, `postgres://` too); HOST may be left out when `?host=/socket/dir` says
where the server's socket is. A password is better kept in `~/.pgpass` than in the URL:
it is never shown in messages either way.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

from app.core.errors import ValidationError

ENV = "TICKWORK_STORE"
SCHEMES = ("postgresql", "postgres")
FORM = "postgresql://USER@HOST[:PORT]/DATABASE"


def check_url(text: str) -> str:
    """The URL in the form the driver takes (scheme `postgresql`), or ValueError naming
    what is wrong with it."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a store URL ({exc}): expected {FORM}") from None
    if parts.scheme not in SCHEMES:
        raise ValueError(f"{text!r} is not a PostgreSQL URL: expected {FORM}")
    if not parts.path.strip("/"):
        raise ValueError(f"the URL names no database: expected {FORM}")
    if "/" in parts.path.strip("/"):
        raise ValueError(f"{parts.path!r} is not a database name: expected {FORM}")
    if not parts.hostname and "host" not in parse_qs(parts.query):
        raise ValueError(f"the URL names no server: expected {FORM}")
    if port == 0:
        raise ValueError("port 0 is not a server's port")
    return "postgresql" + text[len(parts.scheme):]


def resolve_store(arg: str | None) -> str | None:
    """The PostgreSQL URL chosen by `--store` (`arg`) or `$TICKWORK_STORE`; None for the
    SQLite file under the home. A bad URL is a ValidationError naming where it came from."""
    field = "--store"
    if not arg:
        arg, field = os.environ.get(ENV) or None, ENV
    if arg is None:
        return None
    try:
        return check_url(arg)
    except ValueError as exc:
        raise ValidationError(field, str(exc)) from None
