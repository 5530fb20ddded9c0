"""A store URL as Tickwork says it: without its password, whether written before the `@`
or as `?password=` (libpq takes both). It imports nothing of the store, so any part may
use it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit, urlunsplit


def passwords(url: str) -> list[str]:
    """The passwords the URL carries: before its `@`, and as `?password=`."""
    parts = urlsplit(url)
    found = [] if parts.password is None else [parts.password]
    return found + [v for k, v in parse_qsl(parts.query, keep_blank_values=True)
                    if k == "password"]


def safe_url(url: str) -> str:
    """A PostgreSQL URL without its password (before the `@`, or `?password=`), for
    messages and keyring names; the rest as written."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = user.partition(":")[0] + "@" + host
    query = "&".join(pair for pair in parts.query.split("&")
                     if pair.partition("=")[0] != "password")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
