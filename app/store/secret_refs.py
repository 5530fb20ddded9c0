"""The names of secrets kept in the OS keyring; their values never enter the store."""

from __future__ import annotations

from datetime import datetime

from app.store.models import SecretRef


def exists(name: str) -> bool:
    return SecretRef.get_or_none(SecretRef.name == name) is not None


def add(name: str, now: datetime) -> None:
    SecretRef.create(name=name, created_at=now)


def names() -> list[str]:
    """Every secret's name, sorted."""
    return [s.name for s in SecretRef.select().order_by(SecretRef.name)]


def delete(name: str) -> None:
    SecretRef.delete().where(SecretRef.name == name).execute()
