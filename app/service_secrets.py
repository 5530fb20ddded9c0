"""The Service's secrets: a value goes to the OS keyring, its name to the store, and the
audit names it without its value.

A task's own secret is one the editor stored for its variable: named `<task>.<VARIABLE>`
(`own_secret_name`) and last set by the window (which has no other way to store one). When
the task no longer uses it (the variable removed in the editor or with `--unset-env`, the
task deleted) and no other task does, it leaves the keyring, audited as `secret.delete`:
removing a variable in the editor left its value in the keyring for good (a run-through
under X). A secret made with `tickwork secret set` stays until it is deleted by hand, even
under such a name.

A command gets its secrets in its environment, so they count toward what Linux starts it
with (`fields.oversize`): a task whose secrets (as the keyring holds them) make it too large
is refused where it is saved, and a secret that would make a task using it too large where
it is set; a value the keyring cannot give is not counted (its runs fail for that, and say
so). The values are read before the write takes the store's lock (`secret_values`), as the
audit chain's key is (app/store/database.py's `write`): a keyring that waits — locked, its
unlock prompt unanswered — holds up that command only, not every writer behind the lock.

A value is written to (or deleted from) the keyring outside the store's write transaction
too (`keyring_first`): `secret set` and `secret delete` held the lock while the keyring
waited. A task saved with new secrets (the editor's) is checked whole before any of them is
written, so a save refused (a name taken, a command too large with them) leaves nothing in
the keyring, where it left them there for good, unused.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from app.core import fields
from app.core.errors import (
    NotFoundError,
    SecretStoreUnavailable,
    TickworkError,
    ValidationError,
    naming,
)
from app.core.task import Task, TaskSpec
from app.core.task_keys import unkept
from app.secrets import Keyring, validate_secret_name
from app.store import secret_refs, tasks
from app.store.database import Store

log = logging.getLogger(__name__)

MAX_SECRET = 1 << 20  # bytes of a secret's value: a keyring keeps small values (`secret
# set < /dev/zero` read for ever, memory and all, to refuse a NUL at the end: a fault hunt)
Values = dict[str, str | None]  # secret name -> its value (None: the keyring cannot give it)


def own_secret_name(task_name: str, variable: str) -> str:
    """The name a task's secret variable is stored under when the editor stores it."""
    base = re.sub(r"[^A-Za-z0-9_.\-]+", "-", task_name.strip()).strip("-") or "task"
    return f"{base}.{variable}"[:128]


class SecretOperations:
    store: Store
    keyring: Keyring

    def _audit(self, action: str, target: str | None, before: Any, after: Any,
               now: datetime) -> None:
        raise NotImplementedError  # (the Service's)

    def set_secret(self, name: str, value: str, now: datetime | None = None) -> None:
        """Store a secret's value in the keyring and its name in the store."""
        now = now or datetime.now(UTC)
        self.new_secrets({name: value})
        with self.keyring_first({name: value}), self.store.write():
            self.record_secrets([name], now)

    def new_secrets(self, secrets: Mapping[str, str], but: int | None = None) -> None:
        """Refuse, before anything is written, a secret's name or value no keyring or run can
        keep, and a value too large for a task using it (but task `but`: its save checks
        the task as it is saved)."""
        for name, value in secrets.items():
            validate_secret_name(name)
            if not value:
                raise ValidationError("value", "the secret is empty")
            too_large(len(value.encode("utf-8", "surrogateescape")))
            if "\x00" in value:  # it was kept, and every run given it failed ("embedded
                raise ValidationError("value", "holds a NUL character, which no program's "
                                      "environment can carry")  # null byte")
            refused = unkept(value)  # bytes that are not UTF-8: no keyring keeps them as text
            if refused is not None:
                raise ValidationError("value", refused)
        if secrets:
            self.keyring.require()
        for name, value in secrets.items():
            self._fits_its_tasks(name, value, but)

    def _checked(self, batch: list[tuple[TaskSpec, int | None]], values: Values,
                 label: Any = None, new: Iterable[str] = ()) -> Any:
        raise NotImplementedError  # (the Service's)

    def ahead(self, secrets: Mapping[str, str], values: Values | None, names: Iterable[str],
              saved: Callable[[], tuple[Task | None, TaskSpec | None]]) -> Values:
        """Before a task's save takes the store's lock: the values of its secrets (`names`,
        or `values` a caller read), the new `secrets` among them. With new secrets, the save
        is checked first, in a read (`saved`: the task as stored, if it is, and as saved,
        None if unchanged), so a save that is refused writes nothing to the keyring."""
        if values is None:
            values = self.secret_values(n for n in names if n not in secrets)
        values = {**values, **secrets}
        if secrets:
            with self.store.read():
                before, spec = saved()
                if spec is not None:
                    self._checked([(spec, before.id if before else None)], dict(values),
                                  new=secrets)
            self.new_secrets(secrets, before.id if before and spec else None)
        return values

    @contextmanager
    def keyring_first(self, changes: Mapping[str, str | None]) -> Iterator[None]:
        """Write these secrets' values to the keyring (None: delete them) before the store's
        write that records them (its names and audit, in the `with`), outside the store's
        lock; that write failing puts the keyring back as it was.

        Keyring first, store second: the keyring is what fails most (locked, its prompt
        dismissed), and failing first it leaves nothing to undo — no audit entry for a change
        that did not happen, no name in the store without its value. A store refusing after
        (a task took the secret meanwhile, a full disk) is undone here. A process killed in
        between leaves the keyring changed and the store as it was, unaudited but shown:
        `secret list` names a name whose value is gone, a value with no name in the store is
        used by no task, and the command run again writes the store and its audit."""
        if not changes:
            yield
            return
        was: Values = {}  # to put back
        done: list[str] = []
        try:
            for name, value in changes.items():
                try:
                    was[name] = self.keyring.get(name)
                    self._keep(name, value)
                except TickworkError:
                    raise
                except Exception as exc:  # one line saying so (it read "failed: KeyringLocked:
                    raise _failed(name, value, exc) from exc  # … TICKWORK_DEBUG=1 …")
                done.append(name)
            yield
        except BaseException as error:
            stuck = []
            for name in reversed(done):
                try:
                    self._keep(name, was[name])
                except Exception as exc:  # (a backend's own errors: KeyringLocked, D-Bus, ...)
                    stuck.append(_left(name, was[name], changes[name], exc))
            if stuck and isinstance(error, Exception):  # said with the failure, not hidden
                raise SecretStoreUnavailable(f"{error}; and the keyring could not be put back "
                                             f"as it was: {'; '.join(stuck)}") from error
            if stuck:  # (interrupted: logged)
                log.warning("the keyring could not be put back as it was: %s", "; ".join(stuck))
            raise

    def _keep(self, name: str, value: str | None) -> None:
        if value is None:
            self.keyring.delete(name)
        else:
            self.keyring.set(name, value)

    def record_secrets(self, names: Iterable[str], now: datetime) -> None:
        """In the store's write: these secrets set (their values in the keyring), audited."""
        for name in names:
            created = not secret_refs.exists(name)
            if created:
                secret_refs.add(name, now)
            # the audit names the secret and never records its value
            self._audit("secret.set", name, None, {"created": created}, now)

    def secret_values(self, names: Iterable[str]) -> Values:
        """These secrets' values, read from the keyring before a write takes the store's
        lock (None: a value it cannot give — locked, no backend — which is not counted)."""
        values: Values = {}
        for name in names:
            if name not in values:
                try:
                    values[name] = self.keyring.get(name)
                except Exception:  # (a backend's own errors: KeyringLocked, D-Bus, ...)
                    values[name] = None
        return values

    def secrets_of_update(self, ref: int | str, changes: Mapping[str, Any],
                          also: Iterable[str] = ()) -> Values:
        """The values of the secrets an update of a task may give its command: those it has,
        those `changes` name and `also` (read before the update takes the store's lock)."""
        with self.store.read():
            try:
                names = set(tasks.get(ref).spec.secret_env.values())
            except TickworkError:  # (said by the update itself)
                names = set()
        given = changes.get("secret_env")
        if isinstance(given, Mapping):
            names.update(str(name) for name in given.values())
        return self.secret_values([*names, *also])

    def check_secret_env(self, specs: list[tuple[TaskSpec, str]], values: Values) -> None:
        """Each task's secret names, and a command's secrets not too large to start it with
        (`field`: where to say so). `values` were read ahead, before the store's lock; one
        not among them (a task changed meanwhile) is read here, added to them."""
        for spec, field in specs:
            for secret in spec.secret_env.values():
                validate_secret_name(secret, field)
            if spec.action.kind == "command":
                values.update(self.secret_values(
                    s for s in spec.secret_env.values() if s not in values))
            found = _oversize(spec, values)
            if found is not None:
                raise _too_large(field, spec, found)

    def _fits_its_tasks(self, name: str, value: str, but: int | None = None) -> None:
        """Refuse a secret's new value that would make a command using it too large to start
        (the tasks read, then their other secrets, before the write takes the lock)."""
        with self.store.read():
            using = [task for task in _using(name) if task.id != but]
        values = self.secret_values(other for task in using
                                    for other in task.spec.secret_env.values() if other != name)
        values[name] = value
        for task in using:
            found = _oversize(task.spec, values)
            if found is not None:
                raise _too_large_for(name, task.name, found)

    def missing_secrets(self, task: Task) -> list[str] | None:
        """The secrets the task's variables use that this home's keyring holds no value for
        (a store restored into another home: its runs fail); None when that is not known
        (no usable keyring, or it cannot be asked now)."""
        names = sorted(set(task.spec.secret_env.values()))
        try:
            return self.keyring.missing(names) if names else []
        except SecretStoreUnavailable:
            return None

    def list_secrets(self) -> list[str]:
        with self.store.read():
            return secret_refs.names()

    def delete_secret(self, name: str, now: datetime | None = None) -> None:
        """Delete a secret no task uses: from the keyring first (`keyring_first`)."""
        now = now or datetime.now(UTC)
        with self.store.read():
            _deletable(name)
        with self.keyring_first({name: None}), self.store.write():
            _deletable(name)  # again: a task that took it meanwhile puts its value back
            secret_refs.delete(name)
            self._audit("secret.delete", name, None, None, now)

    def forget_own_secrets(self, before: TaskSpec, after: TaskSpec | None,
                           now: datetime) -> None:
        """After a change of a task committed: its own secrets it no longer uses (`after`
        None: it was deleted) are deleted, unless another task uses them. A keyring that
        fails here is logged: the change stands."""
        from app.store import audit_log

        kept = set(after.secret_env.values()) if after is not None else set()
        for variable, name in before.secret_env.items():
            if name in kept or name != own_secret_name(before.name, variable):
                continue
            with self.store.read():  # stored by the editor (the window has no other way)
                if audit_log.last_actor("secret.set", name) != "gui":
                    continue  # made by hand (`secret set`) under that name: it stays
            try:
                self.delete_secret(name, now)
            except (NotFoundError, ValidationError):
                continue  # gone already, or another task's too
            except (TickworkError, OSError, RuntimeError) as exc:
                log.warning("the secret %s no task uses could not be deleted: %s", name, exc)


def _failed(name: str, value: str | None, exc: Exception) -> SecretStoreUnavailable:
    """A keyring that failed to store (`value`) or delete (None) secret `name` (locked,
    its prompt dismissed, its service gone), in one line."""
    return SecretStoreUnavailable(
        f"cannot {'delete' if value is None else 'store'} secret {name!r}: the keyring "
        f"failed ({type(exc).__name__}: {exc})")


def too_large(size: int) -> None:
    """Refuse a secret's value of `size` bytes when it is over MAX_SECRET."""
    if size > MAX_SECRET:
        raise ValidationError("value", f"is over {MAX_SECRET:,} bytes (1 MiB): a keyring "
                              "keeps small values; keep large data in a file the task reads")


def _left(name: str, was: str | None, written: str | None, exc: Exception) -> str:
    """What a keyring that could not be put back holds for secret `name`, and why."""
    held = ("its value is gone" if written is None else
            "it holds the value written, which no task uses" if was is None else
            "it holds its new value, not its old one")
    return f"secret {name!r}: {held} ({type(exc).__name__}: {exc})"


def _using(name: str) -> list[Task]:
    """The tasks that use secret `name` (in the caller's transaction)."""
    return [t for t in tasks.page(0, -1, sort="id") if name in t.spec.secret_env.values()]


def _deletable(name: str) -> None:
    """Refuse to delete a secret the store does not name, or one a task uses."""
    if not secret_refs.exists(name):
        raise NotFoundError("secret", name)
    users = [t.name for t in _using(name)]
    if users:
        raise ValidationError("secret", f"{name!r} is used by {', '.join(users)}")


def _oversize(spec: TaskSpec, values: Values) -> fields.Oversize | None:
    """What makes this command too large for Linux to start with its secrets' `values` (one
    the keyring could not give, None, is not counted); a Python action gets them in
    `context.env`, where no such limit holds."""
    if spec.action.kind != "command" or not spec.secret_env:
        return None
    env = dict(spec.env)
    for key, secret in spec.secret_env.items():
        if (known := values.get(secret)) is not None:
            env[key] = known
    return fields.oversize(env, spec.action.argv)


def _too_large(field: str, spec: TaskSpec, found: fields.Oversize) -> ValidationError:
    """A task whose secrets make its command too large to start, in words."""
    size, key = found.words, found.key
    if key is None:
        return ValidationError(field, "its variables, its secrets' values included, and "
                               f"arguments are too large to run a command with: {size}")
    secret = spec.secret_env.get(key, "")
    return naming(field, lambda q: f"{key} is too large to run a command with: its secret "
                  f"{q(secret)} makes {key}=… {size}")


def _too_large_for(name: str, task: str, found: fields.Oversize) -> ValidationError:
    """A secret's value too large for a task using it to start its command, in words."""
    said = (f"it makes {found.key}=… {found.words}" if found.key is not None else
            f"with it, the task's variables and arguments would be {found.words}")
    return naming("value", lambda q: f"secret {q(name)} is too large for task {q(task)} to "
                  f"run with: {said}")
