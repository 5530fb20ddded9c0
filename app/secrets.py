"""Secrets live in the OS keyring, never in the store.

The store keeps only a secret's name (a reference). Each data home has its own keyring
service name, so two homes never see each other's secrets.

Which keyring backends are refused (every secret operation then fails with one line saying
why and how to fix it; Tickwork never falls back to plain text):

- keyring's own `fail` and `null` backends (no keyring at all);
- every backend of the `keyrings.alt` package: its file backends keep values in a plain-text
  file (`PlaintextKeyring`) or need a password typed at a prompt that a headless engine cannot
  answer (`EncryptedKeyring`), and the rest are legacy or remote stores;
- a chainer (keyring's `ChainerBackend`, chosen when several backends are installed) none of
  whose members is accepted. A chainer that has an accepted member is never used as such:
  Tickwork talks to its highest-priority accepted member directly, so a locked desktop
  keyring can never make a write fall through to a plain-text member.

Any other backend is accepted: a backend the user installed and chose is trusted unless it
is known to be unsafe. This is a deny-list, because an allow-list would refuse sound
third-party backends; its limit is that a plain-text backend unknown to this list passes.
The tests' file backend (tests/support/file_keyring.py) is accepted by that same rule and
needs no exception here: product code names no test backend.

Tickwork also keeps two reserved entries of its own in the home's slot (the audit chain's
key and head, see app/store/audit.py). Their names contain ':', which a secret's name cannot,
so a user's secret can never overwrite them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from app.core.errors import SecretStoreUnavailable, ValidationError

_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
REFUSED_PACKAGES = ("keyrings.alt",)
FIX = ("install and unlock GNOME Keyring or KWallet, or set PYTHON_KEYRING_BACKEND "
       "to a secure backend")
NO_BACKEND = (
    "no usable keyring backend: secrets cannot be stored safely, so they are refused "
    f"({FIX})"
)
RESERVED_PREFIX = "tickwork:"
SLOW_AFTER = 2.0  # seconds a keyring may take to answer before `on_slow` is called
# called (once per call, on a timer's thread) when the keyring takes longer than SLOW_AFTER:
# a command says it waits (app/cli/entry.py). The engine bounds its own waits (executor.py).
on_slow: Callable[[], None] | None = None
T = TypeVar("T")


def answered(call: Callable[[], T]) -> T:
    """`call()`, a keyring backend's, with `on_slow` called if it has not answered within
    SLOW_AFTER s (locked, its unlock prompt unanswered: `export`, `task add`, any write,
    waited on it for ever, silently — a fault hunt)."""
    said = on_slow
    if said is None:
        return call()
    timer = threading.Timer(SLOW_AFTER, said)
    timer.daemon = True
    timer.start()
    try:
        return call()
    finally:
        timer.cancel()
        timer.join()  # (a command leaves as soon as it is the only thread: entry.leave)


def missing_said(name: str) -> str:
    """A secret a task uses that the keyring lacks, as `task show` and the editor say it."""
    return f"secret {name}: missing from the keyring"


def validate_secret_name(name: str, field: str = "secret") -> str:
    if not _NAME.fullmatch(name or ""):
        raise ValidationError(field, f"not a valid secret name: {name!r} "
                              "(letters, digits, '.', '_', '-'; at most 128)")
    return name


def _qualified(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def refusal(backend: Any) -> str | None:
    """Why `backend` may not keep secrets (one line with the fix), or None when it may."""
    from keyring.backends import chainer, fail, null

    name = _qualified(backend)
    if isinstance(backend, fail.Keyring | null.Keyring):
        return NO_BACKEND
    if isinstance(backend, chainer.ChainerBackend):
        if not any(refusal(member) is None for member in backend.backends):
            members = ", ".join(_qualified(m) for m in backend.backends) or "none"
            return (f"no usable keyring backend (the installed ones are refused: {members}): "
                    f"secrets are refused ({FIX})")
        return None
    if any(name == pkg or name.startswith(pkg + ".") for pkg in REFUSED_PACKAGES):
        kind = ("keeps values in a plain-text file" if "Plaintext" in name
                else "keeps values in a file behind a password prompt, or in a legacy store")
        return (f"the keyring backend {name} {kind}: secrets are refused ({FIX})")
    return None


def chosen_backend() -> tuple[Any | None, str | None]:
    """keyring's chosen backend and why it is refused (None when accepted)."""
    import keyring

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a backend that cannot even load (missing dependency, ...)
        return None, f"the keyring backend cannot be loaded ({exc}): secrets are refused ({FIX})"
    return backend, refusal(backend)


def usable_backend() -> Any | None:
    """The backend Tickwork talks to (a chainer's best accepted member), or None."""
    from keyring.backends import chainer

    backend, refused = chosen_backend()
    if refused is not None:
        return None
    if isinstance(backend, chainer.ChainerBackend):
        return next(m for m in backend.backends if refusal(m) is None)
    return backend


class Keyring:
    """The keyring slot of one data home."""

    def __init__(self, home: Path) -> None:
        digest = hashlib.sha256(os.fsencode(home.resolve())).hexdigest()[:16]  # any bytes
        self.service = f"tickwork-{digest}"

    @staticmethod
    def backend_name() -> str | None:
        """The usable backend's name, or None when there is none."""
        backend = usable_backend()
        return None if backend is None else _qualified(backend)

    @staticmethod
    def _backend() -> Any:
        backend = usable_backend()
        if backend is None:
            raise SecretStoreUnavailable(chosen_backend()[1] or NO_BACKEND)
        return backend

    def require(self) -> None:
        self._backend()

    def set(self, name: str, value: str) -> None:
        backend, name = self._backend(), validate_secret_name(name)
        answered(lambda: backend.set_password(self.service, name, value))

    def get(self, name: str) -> str | None:
        backend = self._backend()
        value: str | None = answered(lambda: backend.get_password(self.service, name))
        return value

    def missing(self, names: list[str]) -> list[str] | None:
        """Of these secret names, those this slot holds no value for (a store restored or
        moved from another home, whose slot was elsewhere); None when there is no usable
        keyring backend; SecretStoreUnavailable when the keyring fails (locked, its prompt
        dismissed), saying how."""
        try:
            backend = self._backend()
        except SecretStoreUnavailable:
            return None
        try:
            return [n for n in names
                    if answered(partial(backend.get_password, self.service, n)) is None]
        except Exception as exc:  # (a backend's own errors: KeyringLocked, D-Bus, ...)
            raise SecretStoreUnavailable(
                f"the keyring failed ({type(exc).__name__}: {exc})") from None

    def delete(self, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        backend = self._backend()
        with contextlib.suppress(PasswordDeleteError):  # already gone is fine
            answered(lambda: backend.delete_password(self.service, name))

    # -- Tickwork's own entries (names a secret cannot have) -------------------------------

    def get_reserved(self, entry: str) -> str | None:
        backend = self._backend()
        value: str | None = answered(
            lambda: backend.get_password(self.service, RESERVED_PREFIX + entry))
        return value

    def set_reserved(self, entry: str, value: str) -> None:
        backend = self._backend()
        answered(lambda: backend.set_password(self.service, RESERVED_PREFIX + entry, value))
