"""A shared PostgreSQL store's audit key is kept in the keyring of the home, whatever folder
a command runs from. Its keyring slot was named after the store's URL taken as a file path,
which a process resolved against its working folder: the same home's CLI run from another
folder (a terminal's, the detached engine's own, the window's) found no key, and said the
trail NOT VERIFIED ("its key is not in the keyring") while its events went on unkeyed."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tests.conftest import CliResult
from tests.support import tickwork
from tests.support.postgres import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]


def test_one_homes_audit_key_serves_it_from_any_folder(tmp_path: Path, pg_url: str) -> None:
    env = {**os.environ, "TICKWORK_STORE": pg_url,
           "TICKWORK_TEST_KEYRING": str(tmp_path / "keyring.json")}
    home = tmp_path / "home"

    def cli(folder: Path, *args: str) -> CliResult:
        folder.mkdir(exist_ok=True)
        proc = tickwork.run(["--home", str(home), *args], timeout=60, cwd=folder, env=env)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    made = cli(tmp_path / "here", "task", "add", "a", "--command", "true", "--manual")
    assert made.code == 0 and not made.err, made
    elsewhere = cli(tmp_path / "there", "task", "add", "b", "--command", "true", "--manual")
    assert elsewhere.code == 0 and not elsewhere.err, elsewhere  # (keyed: nothing said)
    for folder in ("here", "there", "third"):
        verified = cli(tmp_path / folder, "audit", "--verify")
        assert verified.code == 0, (folder, verified)
        assert "OK" in verified.out or "verified" in verified.out, verified


def test_a_key_kept_where_an_earlier_tickwork_kept_it_is_found(tmp_path: Path,
                                                               pg_url: str) -> None:
    """A store keyed before: its key in the slot named after the URL from the folder the
    commands ran in. Found there (and kept in the home's own slot from then on), so the
    trail still verifies, from that folder and then from any other."""
    env = {**os.environ, "TICKWORK_STORE": pg_url,
           "TICKWORK_TEST_KEYRING": str(tmp_path / "keyring.json")}
    home = tmp_path / "home"
    folder = tmp_path / "here"
    folder.mkdir()

    def cli(where: Path, *args: str) -> CliResult:
        proc = tickwork.run(["--home", str(home), *args], timeout=60, cwd=where, env=env)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    assert cli(folder, "task", "add", "a", "--command", "true", "--manual").code == 0
    # as an earlier Tickwork kept it: the key's entry in the slot of the URL taken as a
    # path, resolved from the folder the command ran in (tests/support/file_keyring.py)
    ring = tmp_path / "keyring.json"
    held = json.loads(ring.read_text())
    (entry, value), = [(k, v) for k, v in held.items() if k.endswith("audit-key")]
    service, name = entry.split("\x1f")
    url_folder = (folder / Path(pg_url).parent).resolve()
    legacy = "tickwork-" + hashlib.sha256(os.fsencode(url_folder)).hexdigest()[:16]
    assert legacy != service
    del held[entry]
    held[f"{legacy}\x1f{name}"] = value
    ring.write_text(json.dumps(held))
    assert cli(folder, "audit", "--verify").code == 0
    assert cli(tmp_path, "audit", "--verify").code == 0  # (kept in the home's slot now)
