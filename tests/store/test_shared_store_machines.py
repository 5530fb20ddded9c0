"""A shared PostgreSQL store from two machines (two homes, each its own keyring): its audit
trail, and a task's secret.

The audit trail's key is in the keyring of the home that made the store, so the events the
other writes are recorded unkeyed. Both `audit --verify`s said it as for a lone SQLite home
— "recorded while the keyring was unavailable, or forged" on the first, "the data home was
copied or moved: … `tickwork backup FILE` … `tickwork restore FILE`" (commands a shared
store refuses), BROKEN, on the other — where the cause is the shared store (found following
README's "A shared store" by hand: an engine on a second home). Now the second says NOT
VERIFIED (its order and links hold; its keys are the first home's to check)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT, CliResult
from tests.support import tickwork
from tests.support.postgres import pg_server, pg_url

__all__ = ["on_machine", "pg_server", "pg_url"]


def on_machine(tmp_path: Path, store: str) -> Callable[..., CliResult]:
    """`cli(machine, *args)`: the CLI in the home of `machine` (a folder of `tmp_path`) with
    its own keyring (a test keyring file of its own), on the shared `store`."""
    def cli(machine: str, *args: str) -> CliResult:
        env = {**os.environ, "TICKWORK_STORE": store,
               "TICKWORK_TEST_KEYRING": str(tmp_path / f"{machine}-keyring.json")}
        proc = tickwork.run(["--home", str(tmp_path / machine), *args], timeout=60,
                            cwd=ROOT, env=env)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return cli


def test_verify_on_each_machine_names_the_shared_store_as_the_cause(
        tmp_path: Path, pg_url: str) -> None:
    cli = on_machine(tmp_path, pg_url)
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
        "written from this home are recorded unkeyed: verify it there, or carry the key "
        "here: `tickwork audit --export-key FILE` in that home, `tickwork audit --import-key "
        "FILE` in this one)\n"), there
    assert "tickwork backup" not in there.out + there.err, there
    here = cli("laptop", "audit", "--verify")
    assert here.code == 1, here
    assert "not keyed (recorded by a home whose keyring lacks this shared store's key — " \
           "another machine's engine, window or CLI — or while the keyring was unavailable, " \
           "or forged)" in here.err, here


def test_a_secret_set_on_another_machine_says_which_keyring_lacks_it(
        tmp_path: Path, pg_url: str) -> None:
    """A secret set where the task was made (the laptop) is not in the keyring of the
    engine's home on the server: its run failed "secret 'TOKEN' for T is not in the
    keyring", while `secret list` on the laptop listed it. Now it names the engine's host
    and where to set it. A real `tickwork engine` in its own home and keyring."""
    import platform
    import subprocess
    import sys

    from faults.harness import wait_until
    from tests.support.processes import stop

    def env(machine: str) -> dict[str, str]:
        return {**os.environ, "TICKWORK_STORE": pg_url,
                "TICKWORK_TEST_KEYRING": str(tmp_path / f"{machine}-keyring.json")}

    def laptop(*args: str, stdin: str | None = None) -> CliResult:
        proc = tickwork.run(["--home", str(tmp_path / "laptop"), *args], timeout=60,
                            cwd=ROOT, env=env("laptop"), input=stdin)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    assert laptop("secret", "set", "TOKEN", stdin="tok123456").code == 0
    added = laptop("task", "add", "sec", "--command", "echo $T", "--shell", "--secret-env",
                   "T=TOKEN", "--manual")
    assert added.code == 0, added.err
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        engine = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "--home", str(tmp_path / "server"), "engine",
             "--grace", "1"], cwd=ROOT, env=env("server"), stdout=subprocess.DEVNULL,
            stderr=err)
    try:
        wait_until(lambda: "engine running" in log.read_text(), 60)
        assert laptop("task", "run", "sec").code == 0
        run = wait_until(lambda: (r := laptop("run", "list", "--json").json()[0])[
            "status"] not in ("queued", "running") and r, 30)
    finally:
        stop(engine)
    assert run["status"] == "failed", run
    assert run["error"] == (
        f"secret 'TOKEN' for T is not in the keyring of the engine's home (on "
        f"{platform.node()}): set it where the engine runs, in its home (`tickwork secret "
        "set TOKEN`)"), run
