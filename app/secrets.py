"""Secrets live in the OS keyring, never in the store.

The store keeps only a secret's name (a reference). Each data home has its own keyring
service name, so two homes never see each other's secrets. With no usable keyring backend
(keyring's `fail` or `null` backends) every secret operation is refused with a clear
message: Tickwork never falls back to plain text.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path

from app.core.errors import SecretStoreUnavailable, ValidationError

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")
NO_BACKEND = (
    "no usable keyring backend: secrets cannot be stored safely, so they are refused "
    "(install and unlock a keyring such as GNOME Keyring or KWallet, or set "
    "PYTHON_KEYRING_BACKEND)"
)


def validate_secret_name(name: str, field: str = "secret") -> str:
    if not _NAME.match(name or ""):
        raise ValidationError(field, f"not a valid secret name: {name!r} "
                              "(letters, digits, '.', '_', '-'; at most 128)")
    return name


class Keyring:
    """The keyring slot of one data home."""

    def __init__(self, home: Path) -> None:
        digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:16]
        self.service = f"tickwork-{digest}"

    @staticmethod
    def backend_name() -> str | None:
        """The usable backend's name, or None when there is none."""
        import keyring
        from keyring.backends import chainer, fail, null

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring | null.Keyring):
            return None
        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            return None
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def require(self) -> None:
        if self.backend_name() is None:
            raise SecretStoreUnavailable(NO_BACKEND)

    def set(self, name: str, value: str) -> None:
        import keyring

        self.require()
        keyring.set_password(self.service, validate_secret_name(name), value)

    def get(self, name: str) -> str | None:
        import keyring

        self.require()
        value: str | None = keyring.get_password(self.service, name)
        return value

    def delete(self, name: str) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        self.require()
        with contextlib.suppress(PasswordDeleteError):  # already gone is fine
            keyring.delete_password(self.service, name)
