"""The PostgreSQL server's disk fills up under a running engine: the store's database lives
in a tablespace on a small tmpfs of its own, which the test fills while a run is about to
print. The engine pauses as on a full SQLite disk — `stalled`, said once, its writes held —
and once space is freed the run's whole output and end land. Before, PostgreSQL's "could not
extend file" was taken for one bad write: the engine stayed `running`, logged a traceback
per write and dropped them (a run recorded `succeeded` with not one of its lines kept); the
CLI said psycopg's words over two lines, and one more of psycopg's own.

Mounting the tmpfs needs root (CAP_SYS_ADMIN): elsewhere the test is skipped, saying so."""

from __future__ import annotations

import json
import logging
import os
import pwd
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from app.engine.engine import Engine
from app.engine.events import EngineState, Notification
from app.service import Service
from app.store.database import Store
from tests.conftest import ROOT, command_task
from tests.engine.conftest import Recorder, wait_until
from tests.support import tickwork
from tests.support.postgres import USER, PgServer


@pytest.fixture
def small_disk_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh database whose files live on a 24 MiB tmpfs (its own tablespace)."""
    if os.geteuid() != 0:
        pytest.skip("a small disk for the server is a tmpfs mounted by root")
    mount = Path(tempfile.mkdtemp(prefix="tickwork-small-disk-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        mount.rmdir()
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    space, name = "small_" + uuid.uuid4().hex[:8], "full_" + uuid.uuid4().hex[:12]
    try:
        folder = mount / "ts"
        folder.mkdir()
        if pg_server.as_user:  # the server runs as its own user
            entry = pwd.getpwnam(USER)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        with pg_server.admin() as admin:
            admin.execute(f"CREATE TABLESPACE {space} LOCATION '{folder}'")
            admin.execute(f"CREATE DATABASE {name} TEMPLATE tickwork_blank TABLESPACE {space}")
        yield pg_server.url(name)
    finally:
        with pg_server.admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"DROP TABLESPACE IF EXISTS {space}")
        subprocess.run(["umount", str(mount)], check=False)
        mount.rmdir()


def fill(url: str) -> psycopg.Connection:
    """Fill the database's disk to the last byte; the connection (its table frees it)."""
    con = psycopg.connect(url, autocommit=True)
    con.execute("CREATE TABLE filler (x text)")
    con.execute("ALTER TABLE filler ALTER COLUMN x SET STORAGE EXTERNAL")  # not compressed
    with pytest.raises(psycopg.errors.DiskFull):
        for _ in range(1000):
            con.execute("INSERT INTO filler SELECT string_agg(md5(random()::text), '')"
                        " FROM generate_series(1, 16000)")
    return con


def test_a_full_disk_on_the_server_stalls_the_engine_and_loses_no_output(
        home: Path, small_disk_url: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    go = tmp_path / "go"
    store = Store.open(home, url=small_disk_url)
    service = Service(store, "cli")
    loud = service.create_task(command_task("loud", action={
        "kind": "command", "argv": ["sh", "-c", f"while [ ! -e {go} ]; do sleep 0.05; done; "
                                    "seq 1 30000; echo last"]}))
    engine = Engine(store, workers=2, metrics=False, backups=False)
    service.subscribe(engine.on_service_change)
    events = Recorder()
    engine.subscribe(events)
    def cli(*args: str) -> tuple[int, str, str]:
        done = tickwork.run(["--home", str(home), "--store", small_disk_url, *args],
                            timeout=60, cwd=ROOT)
        return done.returncode, done.stdout, done.stderr

    many = tmp_path / "many.json"  # an import that needs room: 1,000 tasks
    assert cli("export", str(many))[0] == 0
    exported = json.loads(many.read_text())
    exported["tasks"] = [{**exported["tasks"][0], "name": f"copy{i}"} for i in range(1000)]
    many.write_text(json.dumps(exported))
    filler = None
    try:
        assert engine.start() == "running"
        run_id = service.run_now(loud.id).id
        wait_until(lambda: service.get_run(run_id).status == "running", 10)
        filler = fill(small_disk_url)
        go.touch()  # its output comes now, to a disk with no room for it
        wait_until(lambda: engine.state == "stalled", 10)
        # the CLI says it in one line (before: psycopg's words, its HINT on a second line)
        assert cli("import", str(many)) == (1, "", "tickwork: error: the disk holding the "
                                            "store is full; nothing was changed — free space "
                                            "and try again\n")
        filler.execute("DROP TABLE filler")
        wait_until(lambda: engine.state == "running", 15)
        done = wait_until(lambda: (r := service.get_run(run_id)).status == "succeeded" and r,
                          15)
        text = "".join(t for _seq, _stream, t in service.run_output(run_id))
    finally:
        if filler is not None:
            filler.close()
        engine.stop(grace=2)
        store.close()
    assert done.exit_code == 0
    assert [t["name"] for t in json.loads(cli("task", "list", "--json")[1])] == ["loud"]
    assert text.splitlines() == [*map(str, range(1, 30001)), "last"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "No space left on device" in errors[0], errors
    assert errors[0].count("\n") == 0 and store.name in errors[0], errors[0]
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
    assert events.phases().count("stalled") == 1, events.events  # one pause (its detail
    stalled = [e.detail for e in events.of(EngineState) if e.state == "stalled"]  # may be
    assert "cannot be written" in stalled[0], stalled  # said anew: the outage test's failure)
    titles = [n.title for n in events.of(Notification)]
    assert titles.count("Tickwork cannot write its store") == 1, titles
