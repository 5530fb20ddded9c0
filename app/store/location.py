"""Where the store is: the SQLite file under the data home (the default), or a shared
PostgreSQL database named by a URL (`tickwork --store URL`, else `$TICKWORK_STORE`, else the
home's remembered choice: File → Connect to a shared store… in the window, or
`tickwork settings --shared-store URL|off`, kept in the home's `store-url` file, 0600).

Every door — the window, the CLI, the headless engine — resolves the store the same way, so
a window connected to a shared store and `tickwork task list` in the same home see the same
tasks.

The URL is checked here, before anything is opened, so a mistyped one is one line naming
the option. A URL reads `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS]`
(libpq's own form, `postgres://` too); HOST may be left out when `?host=/socket/dir` says
where the server's socket is. A password is better kept in `~/.pgpass` than in the URL:
it is never shown in messages either way, nor remembered, whether it is written before the
`@` or as `?password=` (which libpq takes too).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from app.core.errors import StoreError, ValidationError
from app.platform.key_files import others_read
from app.store.home import FILE_MODE
from app.store.said_url import passwords, safe_url

ENV = "TICKWORK_STORE"
CHOICE_NAME = "store-url"  # the home's remembered store: one URL line (absent: the file)
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
    if parts.scheme not in SCHEMES:  # (said without the password it may hold)
        # as typed where it holds no password (taken apart and put together again,
        # `sqlite:///x.db` read 'sqlite:/x.db')
        said = (repr(safe_url(text) if passwords(text) else text) if "://" in text
                else "the value" if "@" in text or "password" in text else repr(text))
        raise ValueError(f"{said} is not a PostgreSQL URL: expected {FORM}")
    if not parts.path.strip("/"):
        raise ValueError(f"the URL names no database: expected {FORM}")
    if "/" in parts.path.strip("/"):
        raise ValueError(f"{parts.path!r} is not a database name: expected {FORM}")
    if not parts.hostname and "host" not in parse_qs(parts.query):
        raise ValueError(f"the URL names no server: expected {FORM}")
    if port == 0:
        raise ValueError("port 0 is not a server's port")
    return "postgresql" + text[len(parts.scheme):]


def has_password(url: str) -> bool:
    """Does the URL carry a password (which a remembered choice must not keep)?"""
    return bool(passwords(url))


def saved_store(home: Path) -> str | None:
    """The home's remembered PostgreSQL URL (None: the SQLite file); unchecked."""
    try:
        text = (home / CHOICE_NAME).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(
            f"{home / CHOICE_NAME}: cannot read the remembered store ({exc})") from None
    return text or None


def save_store(home: Path, url: str | None) -> None:
    """Remember `url` (checked; no password in it) as the home's store, or forget it (None:
    the SQLite file again). Written whole, 0600, then renamed into place."""
    path = home / CHOICE_NAME
    if url is None:
        path.unlink(missing_ok=True)
        return
    url = check_url(url)
    if has_password(url):
        raise ValueError("keep the password in ~/.pgpass (mode 0600), not in a remembered URL")
    tmp = path.with_name(f".{CHOICE_NAME}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(url + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def connection_advice(url: str, detail: str, timeout: float) -> str:
    """`detail` (the driver's words on a failed connection), with what to do when the server
    wants a password it was not given, or refused the one it was: libpq's "fe_sendauth: no
    password supplied" did not say where Tickwork takes a password from. The ~/.pgpass line
    is written out for this URL (libpq matches it field by field; `*` matches any). A port
    where something else listens (Redis, a web server) said only "connection timeout
    expired" after `timeout` seconds, or libpq's puzzlement at the answer: it is named."""
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", str(parts.port or 5432)
    if "timeout expired" in detail:
        return (f"{detail}: nothing at {host}:{port} answered as a PostgreSQL server does "
                f"within {timeout:g} s (another kind of server on that port, or a firewall "
                "dropping the connection)")
    if any(w in detail for w in ("expected authentication request",
                                 "invalid response to SSL negotiation")):
        return (f"{detail}: what answers at {host}:{port} is not a PostgreSQL server (is it "
                "the right port?)")
    if not password_refused(detail):
        return detail
    why = ("the server asks for a password: give it" if "no password supplied" in detail
           else "the server refused the password: give the right one")
    fields = (host, port, parts.path.strip("/"), parts.username or "*")
    where = os.environ.get("PGPASSFILE") or "~/.pgpass"
    if "no password supplied" in detail and others_read(os.path.expanduser(where),
                                                        0o077) is not None:
        # libpq skips such a file (its warning aside): "give it in ~/.pgpass" sent a person
        # to the file that already held the line
        return (f"{detail}: the server asks for a password, and {where} is not read: others "
                f"can read it (`chmod 600 {where}`)")
    return f"{detail}: {why} in {where} (mode 0600), a line {':'.join(fields)}:PASSWORD"


def password_refused(detail: str) -> bool:
    """Do the driver's words say the server wants a password it was not given, or refused
    the one it was (rather than that it is away)?"""
    return "no password supplied" in detail or "password authentication failed" in detail


def resolve_store(arg: str | None, home: Path | None = None) -> str | None:
    """The PostgreSQL URL chosen by `--store` (`arg`), `$TICKWORK_STORE` or the home's
    remembered choice; None for the SQLite file under the home. A bad URL is a
    ValidationError naming where it came from."""
    field = "--store"
    if not arg:
        arg, field = os.environ.get(ENV) or None, ENV
    if not arg and home is not None:
        arg, field = saved_store(home), str(home / CHOICE_NAME)
    if arg is None:
        return None
    try:
        return check_url(arg)
    except ValueError as exc:
        raise ValidationError(field, str(exc)) from None


def reach(url: str, timeout: float = 5.0) -> str:
    """Connect to the PostgreSQL store at `url` once, apart from the open store, and say what
    is there in a few words ("a Tickwork store with 12 tasks", "an empty database: Tickwork
    creates its tables there"); StoreError in one line (never the password) when it cannot."""
    import psycopg

    url = check_url(url)
    try:
        with psycopg.connect(url, connect_timeout=max(1, int(timeout)),
                             application_name="tickwork") as conn:
            found = conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
            if not (found and found[0]):
                return "an empty database: Tickwork creates its tables there"
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            tasks = conn.execute("SELECT count(*) FROM task").fetchone()
    except psycopg.Error as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise StoreError(f"cannot reach {safe_url(url)}: "
                         f"{connection_advice(url, detail, max(1, int(timeout)))}") from None
    version = row[0] if row else "?"
    count = int(tasks[0]) if tasks else 0
    return f"a Tickwork store (schema {version}) with {count:,} task{'s' if count != 1 else ''}"
