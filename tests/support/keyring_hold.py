"""A command started while the tests' file keyring gives no answer (a locked keyring, its
unlock prompt unanswered: tests/support/file_keyring.py's `$TICKWORK_TEST_KEYRING_HOLD`)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork


@contextmanager
def keyring_held(home: Path, tmp_path: Path, args: list[str], stdin: bytes | None = None,
                 **held: str) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`tickwork --home HOME ARGS…` started with the keyring holding every read, given once
    it has asked the keyring: the process and the file of its stderr. The keyring answers as
    the block ends. `held`: the keyring's other settings (`ONLY="token"`: only that name,
    `ON="writes"`, `LOCKED=path`: see file_keyring.py), each `TICKWORK_TEST_KEYRING_HOLD_…`
    but LOCKED (`TICKWORK_TEST_KEYRING_LOCKED`)."""
    hold = tmp_path / "keyring-locked"
    hold.touch()
    env = {**os.environ, "TICKWORK_TEST_KEYRING_HOLD": str(hold),
           **{("TICKWORK_TEST_KEYRING_" if k == "LOCKED" else "TICKWORK_TEST_KEYRING_HOLD_")
              + k: v for k, v in held.items()}}
    err_file, in_file = tmp_path / "err", tmp_path / "in"
    in_file.write_bytes(stdin or b"")
    with err_file.open("w") as err, in_file.open("rb") as given:
        proc = tickwork.start(["--home", str(home), *args], env=env, cwd=ROOT, stdin=given,
                              stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: Path(f"{hold}.waiting").exists(), 30)  # it asks the keyring
        yield proc, err_file
    finally:
        hold.unlink()
        Path(f"{hold}.waiting").unlink(missing_ok=True)
