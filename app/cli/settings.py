"""`tickwork settings`: show every setting, or change some: the global history keep default
(`--keep-runs N`, `--keep-days N`), `--start-at-login on|off`, `--background-engine
on|off`, and `--shared-store URL|off`: the PostgreSQL store this home uses from now on (the
window's File → Connect to a shared store…), or its own SQLite file again; that one is set
without opening either store, so a home whose shared store is away can always be brought
back. Bad values exit 2 naming the option, nothing changed. Something other than a file
Tickwork can read where the start-at-login entry goes (a fifo, a folder, a file it cannot
read; for `--start-at-login`, a link too) exits 1 in one line saying what is there, before
anything is shown or changed (app/platform/autostart.py). Turning the background
engine on where systemctl or the user bus is missing still writes and enables the unit for
the next login and exits 0 (the output says it was not started now); exit 1 only when
systemctl was there and refused.

Shown, "background service" is that unit (on: the engine starts at login), and "engine now"
whether an engine schedules this home's tasks at this moment and which process: a window's,
the service's, or the detached one the window's Quit → "Keep scheduling in the background"
leaves running (no setting of its own, so "background engine: off" beside it read as if
nothing scheduled). --json keeps `background_engine` (the service) and adds `engine_running`
and `engine_pid`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.output import card, print_json, shown

EXIT_OK, EXIT_FAILURE = 0, 1
_SWITCH = {"on": True, "off": False}


def add_settings_command(sub: Any) -> None:
    sub.add_command("settings", _settings_options, help="show or change settings (history "
                    "kept, start at login, engine in the background)")


def _settings_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep-runs", metavar="N",
                   help="global default: keep at least the last N runs of each task")
    p.add_argument("--keep-days", metavar="N",
                   help="global default: keep every run of the last N days")
    p.add_argument("--start-at-login", metavar="on|off",
                   help="open Tickwork minimised to the tray when you log in")
    p.add_argument("--background-engine", metavar="on|off",
                   help="run the engine as a systemd user service (without the window)")
    p.add_argument("--shared-store", metavar="URL|off",
                   help="use this PostgreSQL store from now on in this home (off: this "
                        "machine's SQLite file); --store and $TICKWORK_STORE still win")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _switch(value: str | None, name: str) -> bool | None:
    from app.core.errors import ValidationError

    if value is None:
        return None
    on = _SWITCH.get(value.strip().lower())
    if on is None:
        raise ValidationError(name, f"must be on or off, got {value!r}")
    return on


def cmd_settings(args: argparse.Namespace) -> int:
    from app import settings
    from app.cli.store import service
    from app.core.keep import parse_text

    runs = (None if args.keep_runs is None
            else parse_text(args.keep_runs, "keep-runs", allow_default=False))
    days = (None if args.keep_days is None
            else parse_text(args.keep_days, "keep-days", allow_default=False))
    login = _switch(args.start_at_login, "start-at-login")
    background = _switch(args.background_engine, "background-engine")
    changing = (runs, days, login, background) != (None, None, None, None)
    if login is not None or (not changing and args.shared_store is None):
        settings.check_start_at_login(to_change=login is not None)  # as a bad value: first
    done: list[str] = []  # a line per change made, in order (printed as made, but for --json)
    if args.shared_store is not None:
        _did(args, done, [_remember_store(args)])
        if not changing:
            _say(args, done, None)
            return EXIT_OK
    svc = service(args)  # every value is valid: only now is anything changed
    store, home = svc.store, svc.store.home
    code = EXIT_OK
    if runs is not None or days is not None:
        keep = settings.set_keep_default(store, "cli", runs=runs, days=days)
        _did(args, done, [f"history kept: {keep.describe()} (tasks without their own values)"])
    if login is not None:
        _did(args, done, [settings.set_start_at_login(home, login)])
    if background is not None:
        report = settings.set_background_engine(home, background)
        if report.failed:
            for line in report.lines:
                print(f"tickwork: {line}", file=sys.stderr)
        else:
            _did(args, done, report.lines)
        code = EXIT_FAILURE if report.failed else EXIT_OK
    if changing:
        _say(args, done, store)
        return code
    if args.json:
        print_json(_document(store))
    else:
        now = settings.current(store)
        on = {True: "on", False: "off"}
        other = settings.service_home(store) if now.background_engine else None
        by = "the package's unit, enabled with systemctl" if now.packaged_unit else ""
        unit = ("off" if not now.background_engine else
                f"on ({by + ': ' if by else ''}the engine starts at login, without the window)"
                if other is None else
                f"on for another home ({other}): this home's engine does not start at login"
                + (f" ({by})" if by else ""))
        card([("keep runs", str(now.keep.runs)), ("keep days", str(now.keep.days)),
              ("start at login", on[now.start_at_login]), ("background service", unit),
              ("engine now", _engine_words(store, now.background_engine, _stop_command(args))),
              ("store", store.name)], width=18)
    return code


def _stop_command(args: argparse.Namespace) -> str:
    """`tickwork engine stop`, with a --home where this command's is not the default, and
    the --store this command was given (without it, the stop would look at another store)."""
    from app.store.home import resolve_home, stop_command

    return stop_command(resolve_home(getattr(args, "home", None)), getattr(args, "store", None))


def _engine_words(store: Any, service: bool = False,
                  stop: str = "tickwork engine stop") -> str:
    """Whether an engine schedules the store now, and which, in words: a window's (quitting
    the window stops it), or one without a window the service does not keep (the one the
    window's "Keep scheduling in the background" leaves running): how to stop that one."""
    from app import settings
    from app.engine.lineage import local_pid
    from app.platform import command_line
    from app.store.lock import restoring

    try:
        holder = settings.engine_now(store)
    except OSError as exc:
        return _unknown(exc)
    if holder is None:
        return "not running: nothing schedules this home's tasks"
    restored = restoring(holder)
    if restored is not None:
        return f"not running: a restore of {restored} holds the store"
    engine, pid = str(holder.get("engine") or ""), _local_pid(holder)
    if engine.count(":") >= 2 and local_pid(engine) is None:
        return f"running on {engine.rsplit(':', 2)[0]}"
    if pid is None:
        return "running"
    argv = command_line(pid)
    if argv is None or service:
        return f"running (process {pid})"
    if "engine" not in argv:
        return f"running (process {pid}), in a Tickwork window: quitting it stops it"
    return (f"running (process {pid}), without a window (not the background service: it "
            f"does not start again at login); to stop it: {stop} (its runs get a few "
            "seconds to finish)")


def _unknown(exc: OSError) -> str:
    """The engine's lock cannot be looked at (another user's file, as `sudo tickwork engine`
    leaves it; the engine refuses to start on it): said, where `settings` ended in "failed:
    PermissionError"."""
    return f"not known: {exc.filename or 'its lock'} cannot be read ({exc.strerror or exc})"


def _local_pid(holder: dict[str, Any]) -> int | None:
    """The engine's process id on this machine; None for one on another host (its pid is
    some other process here: `--json` gave it, for a script to signal) or none written."""
    from app.engine.lineage import local_pid

    engine, pid = str(holder.get("engine") or ""), holder.get("pid")
    if engine.count(":") >= 2 and local_pid(engine) is None:
        return None
    return pid if type(pid) is int else None


def _did(args: argparse.Namespace, done: list[str], lines: list[str]) -> None:
    """Lines saying what a change did: printed now (a later step may fail), or with --json
    kept for `_say`'s document."""
    done += lines
    if not args.json:
        for line in lines:
            print(shown(line))


def _say(args: argparse.Namespace, done: list[str], store: Any) -> None:
    """With --json, what the changes did as one document: the settings as they are now (as
    `settings --json` shows them; not read when only --shared-store was given, whose store
    may be away) and `done`, a line per change."""
    if args.json:
        print_json({**({} if store is None else _document(store)), "done": done})


def _document(store: Any) -> dict[str, Any]:
    """The settings as `settings --json` shows them."""
    from app import settings
    from app.store.lock import restoring

    doc = {**settings.current(store).to_json(), "store": store.name}
    try:
        holder = settings.engine_now(store)
    except OSError:  # (not known: null; the text says why)
        return {**doc, "engine_running": None, "engine_pid": None}
    running = holder is not None and restoring(holder) is None
    return {**doc, "engine_running": running,
            "engine_pid": _local_pid(holder) if holder is not None and running else None}


def _remember_store(args: argparse.Namespace) -> str:
    """`--shared-store URL|off`: checked, then kept in the home (app/store/location.py); the
    line that says so."""
    from app.cli.store import refuse_gone
    from app.core.errors import ValidationError
    from app.store.home import make_private_dir, resolve_home
    from app.store.location import save_store

    home = resolve_home(args.home)
    refuse_gone(args, home)  # (its choice would be kept in a new home made there)
    value = args.shared_store.strip()
    url = None if value.lower() in ("off", "local", "") else value
    make_private_dir(home)
    try:
        save_store(home, url)
    except ValueError as exc:
        raise ValidationError("shared-store", str(exc)) from None
    return (f"this home now uses the shared store {url}" if url
            else f"this home now uses its own store file under {home}")
