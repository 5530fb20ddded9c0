"""A file-backed keyring backend for tests only (selected with PYTHON_KEYRING_BACKEND).

It stores values in $TICKWORK_TEST_KEYRING (a JSON file in the test's temp dir), so tests
exercise the real keyring code path without a desktop keyring daemon. Writes replace the
file atomically under a lock, since the CLI and an engine process use it at the same time.
`$TICKWORK_TEST_KEYRING_HOLD` names a file whose presence makes every read wait (a locked
keyring's unanswered prompt; with `$TICKWORK_TEST_KEYRING_HOLD_ONLY`, only reads of that
one name; with `$TICKWORK_TEST_KEYRING_HOLD_ON=writes`, its writes and deletes instead of
its reads); `$TICKWORK_TEST_KEYRING_LOCKED` one whose presence makes every
read, write and delete fail as a locked keyring does (`KeyringLocked`: the prompt dismissed).
It keeps values in plain text, which is fine for tests; Tickwork accepts it because it is
not one of the backends app/secrets.py refuses (nothing in the product names it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked


def _refuse_when_locked() -> None:
    locked = os.environ.get("TICKWORK_TEST_KEYRING_LOCKED")
    if locked and os.path.exists(locked):
        raise KeyringLocked("the test keyring is locked")


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @staticmethod
    def _path() -> Path:
        return Path(os.environ["TICKWORK_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        path = self._path()
        return json.loads(path.read_text()) if path.exists() else {}

    def _save(self, data: dict[str, str]) -> None:
        path = self._path()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(str(self._path()) + ".lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    @staticmethod
    def _hold(username: str, kind: str) -> None:
        """A locked keyring's prompt: no answer while the hold file is there (`<hold>.waiting`
        says one is asked), for `username` if it is the one held, `kind` ("reads" or
        "writes") if it is the kind held."""
        hold = os.environ.get("TICKWORK_TEST_KEYRING_HOLD")
        only = os.environ.get("TICKWORK_TEST_KEYRING_HOLD_ONLY")
        held = os.environ.get("TICKWORK_TEST_KEYRING_HOLD_ON", "reads")
        if hold and os.path.exists(hold) and only in (None, username) and held == kind:
            Path(f"{hold}.waiting").touch()
            while os.path.exists(hold):
                time.sleep(0.05)

    def get_password(self, service: str, username: str) -> str | None:
        _refuse_when_locked()
        self._hold(username, "reads")
        return self._load().get(f"{service}\x1f{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        _refuse_when_locked()
        self._hold(username, "writes")
        with self._locked():
            data = self._load()
            data[f"{service}\x1f{username}"] = password
            self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        _refuse_when_locked()
        self._hold(username, "writes")
        with self._locked():
            data = self._load()
            data.pop(f"{service}\x1f{username}", None)
            self._save(data)
