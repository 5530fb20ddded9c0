"""On a shared PostgreSQL store the status bar says who leads, where and since when: a
window whose engine waits as a standby names the leading engine, its host and the time it
took the lead; once that engine lets go, this window's engine leads and says since when."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.engine import Engine
from app.gui.session import Session
from app.gui.window.status_bar import StatusBar
from app.service import Service
from app.store.database import Store
from app.store.leader import LeaderLease
from tests.support.postgres import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]


@pytest.fixture
def shared(home: Path, pg_url: str) -> Iterator[tuple[Store, Service]]:
    store = Store.open(home, actor="gui", url=pg_url)
    yield store, Service(store, "gui")
    store.close()


def test_the_status_bar_says_who_leads_where_and_since_when(
        shared: tuple[Store, Service], pg_url: str, qtbot: Any) -> None:
    store, service = shared
    other = LeaderLease(pg_url)
    assert other.try_acquire("elsewhere:4242:1")  # another machine's engine leads
    engine = Engine(store, metrics=False, backups=False, workers=2, pace=0.1)
    session = Session(store, service, engine)
    bar = StatusBar(session)
    qtbot.addWidget(bar)
    bar.show()
    bar.resize(2000, bar.sizeHint().height())  # room for the whole of its words (else cut)
    try:
        session.start()
        qtbot.waitUntil(lambda: session.mode == "standby", timeout=30_000)
        text = bar.engine.text()
        assert "Scheduling is done by another engine (" in text
        assert f"engine elsewhere:4242:1 on {socket.gethostname()} leads since" in text
        assert other.info["epoch"] == 1 and other.info["since"] > 0

        other.release()  # that engine stops: this window's engine takes the lead
        qtbot.waitUntil(lambda: session.mode == "running", timeout=30_000)
        qtbot.waitUntil(lambda: "leading since" in bar.engine.text(), timeout=10_000)
        assert bar.engine.text().startswith("● Engine running — leading since")
        assert "(epoch 2)" in bar.engine.text()
        holder = LeaderLease(pg_url).holder()
        assert holder is not None and holder["engine"] == engine.id
    finally:
        other.release()
        session.stop(grace=2.0)
