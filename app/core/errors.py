"""Errors the domain raises; each says what is wrong in one line a user can act on."""

from __future__ import annotations


class TickworkError(Exception):
    """Base of every error Tickwork raises on purpose."""


class ValidationError(TickworkError):
    """User input that cannot be accepted; names the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class EnvironmentCheckError(ValidationError):
    """An action naming something this machine does not have (yet): a program, a module, a
    folder. The CLI's `--no-verify` stores the task anyway."""


class CycleError(ValidationError):
    """A dependency edge that would close a cycle; carries the cycle's task names."""

    def __init__(self, cycle: list[str], field: str = "depends_on") -> None:
        self.cycle = cycle
        super().__init__(field, "would create a dependency cycle " + " → ".join(cycle))


class NotFoundError(TickworkError):
    """A task, run or secret that does not exist."""

    def __init__(self, kind: str, ref: object) -> None:
        self.kind = kind
        self.ref = ref
        super().__init__(f"{kind} not found: {ref}")


class StoreError(TickworkError):
    """The store cannot be opened or used (corrupt, newer schema, unreadable)."""


class SecretStoreUnavailable(TickworkError):
    """No usable keyring backend: secrets are refused rather than written in plain text."""
