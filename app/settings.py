"""The user's settings, one API for `tickwork settings` and the window's Settings dialog:
the global history keep default (in the store, audited as `settings.keep`), starting
Tickwork at login (an XDG autostart entry) and the engine as a background service (a
systemd user unit). The last two live outside the store, in the user's config folder, and
are read back from there, so every way of looking at them agrees. Whether an engine
schedules the store now (a window's, the service's, or the detached one the window's Quit →
"Keep scheduling in the background" starts) is the store's engine lock, asked apart from the
settings: a running engine is no setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.keep import KeepPolicy
from app.platform import autostart, service_unit
from app.store import audit, retention
from app.store.database import Store
from app.store.lock import engine_lock


@dataclass(frozen=True)
class Settings:
    """Everything `tickwork settings` shows."""

    keep: KeepPolicy
    start_at_login: bool
    background_engine: bool
    packaged_unit: bool = False  # the service is the package's unit, enabled with systemctl

    def to_json(self) -> dict[str, Any]:
        return {**self.keep.to_json(), "start_at_login": self.start_at_login,
                "background_engine": self.background_engine,
                "autostart_file": str(autostart.entry_path()),
                "service_file": str(service_unit.wants_link().resolve() if self.packaged_unit
                                    else service_unit.unit_path()),
                "service_packaged": self.packaged_unit}


def current(store: Store) -> Settings:
    with store.read():
        keep = retention.global_policy()
    return Settings(keep, autostart.is_enabled(), service_unit.is_installed(),
                    service_unit.packaged())


def service_home(store: Store) -> str | None:
    """The other home whose engine the background service runs (None: this one's, or none):
    one service serves one home."""
    return service_unit.other_home(store.home)


def engine_now(store: Store) -> dict[str, Any] | None:
    """Who holds the store's engine lock now, as they wrote it (`pid`, `engine`); None when
    no engine schedules it."""
    return engine_lock(store.home, store.url).holder()


def keep_default(store: Store) -> KeepPolicy:
    with store.read():
        return retention.global_policy()


def set_keep_default(store: Store, actor: str, *, runs: int | None = None,
                     days: int | None = None, now: datetime | None = None) -> KeepPolicy:
    """Change the global default (only the values given); audited when it changes."""
    with store.write():
        before = retention.global_policy()
        after = KeepPolicy(before.runs if runs is None else runs,
                           before.days if days is None else days)
        if after != before:
            retention.set_global_policy(after)
            audit.append(actor, "settings.keep", None, before.to_json(), after.to_json(),
                         now or datetime.now(UTC))
    return after


def check_start_at_login(*, to_change: bool) -> None:
    """FileInTheWay (one line: what is there, what to do) when something Tickwork must leave
    alone stands where its start-at-login entry goes, so a command can refuse before it
    shows or changes anything; the window's look shows such an entry as off."""
    autostart.check(to_change=to_change)


def set_start_at_login(home: Path, on: bool, tray: bool = True) -> str:
    """Write or remove the autostart entry; one line saying what was done (`tray`: whether
    the desktop has a system tray to start in; with none, the window opens)."""
    if on:
        how = ("minimised to the tray at login" if tray else
               "at login with its window open (this desktop has no system tray)")
        return f"Tickwork starts {how}: wrote {autostart.enable(home)}"
    removed = autostart.disable()
    return (f"removed {autostart.entry_path()}" if removed
            else "start at login was not on: nothing to remove")


def set_background_engine(home: Path, on: bool) -> service_unit.ServiceReport:
    """Install or remove the engine's systemd user service."""
    return service_unit.install(home) if on else service_unit.remove(home=home)
