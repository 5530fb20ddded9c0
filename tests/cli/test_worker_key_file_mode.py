"""A workers' key file others can read is said when the worker starts: whoever reads it opens
every sealed secret of this home's runs in the broker (`secret workers-key FILE` writes it
0600; a copy made with `cat >` under umask 022 is 0644)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.postgres import free_port
from tests.support.processes import stop
from tests.support.tickwork import run, start


def _worker_says(home: Path, key: Path, tmp_path: Path, line: str) -> str:
    """The worker's log until `line` is in it (or 60 s pass); the broker is never reached."""
    err = tmp_path / f"{key.name}.err"
    with err.open("wb") as out:
        proc = start(["--home", str(home), "worker", "--key-file", str(key), "--broker",
                      f"redis://127.0.0.1:{free_port()}/0"], stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 60
            while line not in err.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop(proc)
    return err.read_text()


def test_a_key_file_others_can_read_is_said_at_the_workers_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    key = tmp_path / "workers.key"
    made = run(["--home", str(home), "secret", "workers-key", str(key)])
    assert made.returncode == 0, made.stderr
    loose = tmp_path / "copy.key"
    loose.write_text(key.read_text())
    loose.chmod(0o644)
    said = _worker_says(home, loose, tmp_path, "runs run only when signed with")
    assert (f"WARNING tickwork.worker: the key file {loose} can be read by other users (mode "
            "0644): whoever reads it opens the secrets of this home's runs in the broker; "
            f"`chmod 600 {loose}`") in said, said
    said = _worker_says(home, key, tmp_path, "runs run only when signed with")
    assert "can be read by other users" not in said, said


def test_a_key_file_that_never_ends_is_refused_at_once(tmp_path: Path) -> None:
    """`--key-file /dev/zero` (a stream, not a key file) was read until MemoryError, then
    "failed: MemoryError" (a fault hunt); a key file is read no further than a key's size."""
    res = run(["--home", str(tmp_path / "home"), "worker", "--key-file", "/dev/zero"],
              timeout=60)
    assert (res.returncode, res.stdout) == (2, ""), res
    assert res.stderr == ("tickwork: error: key-file: /dev/zero holds no workers' key (write "
                          "one with `tickwork secret workers-key FILE` where the engine "
                          "runs)\n"), res.stderr
