"""A shared PostgreSQL store's audit trail, verified from two machines (two homes, each its
own keyring): its key is in the keyring of the home that made the store, so the events the
other writes are recorded unkeyed. Both `audit --verify`s said it as for a lone SQLite home
— "recorded while the keyring was unavailable, or forged" on the first, "the data home was
copied or moved: … `tickwork backup FILE` … `tickwork restore FILE`" (commands a shared
store refuses), BROKEN, on the other — where the cause is the shared store (found following
README's "A shared store" by hand: an engine on a second home). Now the second says NOT
VERIFIED (its order and links hold; its keys are the first home's to check)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import ROOT, CliResult
from tests.support import tickwork
from tests.support.postgres import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]


def test_verify_on_each_machine_names_the_shared_store_as_the_cause(
        tmp_path: Path, pg_url: str) -> None:
    def cli(machine: str, *args: str) -> CliResult:
        env = {**os.environ, "TICKWORK_STORE": pg_url,
               "TICKWORK_TEST_KEYRING": str(tmp_path / f"{machine}-keyring.json")}
        proc = tickwork.run(["--home", str(tmp_path / machine), *args], timeout=60,
                            cwd=ROOT, env=env)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    made = cli("laptop", "task", "add", "a", "--command", "true", "--manual")
    assert made.code == 0, made.err  # the store made here: keyed with this keyring's key
    assert cli("laptop", "audit", "--verify").code == 0
    other = cli("server", "task", "add", "b", "--command", "true", "--manual")
    assert other.code == 0, other.err
    assert "the keyring of the home that made it" in other.err, other.err
    there = cli("server", "audit", "--verify")
    assert there.code == 1, there
    assert there.err.startswith("audit trail NOT VERIFIED: ") and there.err.endswith(
        "(a shared store's key is in the keyring of the home that made it, and events "
        "written from this home are recorded unkeyed: verify it there)\n"), there
    assert "tickwork backup" not in there.out + there.err, there
    here = cli("laptop", "audit", "--verify")
    assert here.code == 1, here
    assert "not keyed (recorded by a home whose keyring lacks this shared store's key — " \
           "another machine's engine, window or CLI — or while the keyring was unavailable, " \
           "or forged)" in here.err, here
