"""A keyring that does not answer (locked, its unlock prompt unanswered) when a run reads
its secrets holds up that run only, and not for ever. Each such run held one of the
engine's threads for as long as the keyring was silent; a cancel went unheard, and once the
keyring answered the cancelled run's command ran, recorded `cancelled` (a fault hunt). A run
waiting for its keyring still counts among the runs at once, as any run that has begun."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine import executor
from app.engine.engine import Engine
from tests.engine.conftest import wait_until


@pytest.fixture
def hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """While this file is there, the test keyring does not answer (`<it>.waiting` says one
    asked); gone at the end whatever happened, so nothing waits on."""
    path = tmp_path / "locked"
    monkeypatch.setenv("TICKWORK_TEST_KEYRING_HOLD", str(path))
    yield path
    path.unlink(missing_ok=True)


@pytest.fixture
def two_threads(store: Any, service: Any) -> Iterator[Engine]:
    eng = Engine(store, workers=3, metrics=False)  # two waiting runs and one more
    service.subscribe(eng.on_service_change)
    eng.start()
    yield eng
    eng.stop(grace=0.5)


def _secret_task(name: str, marker: Path) -> dict[str, Any]:
    return {"name": name, "timezone": "UTC", "secret_env": {"TOK": "tok"},
            "action": {"kind": "command", "argv": [f'echo "{name} $TOK" >> {marker}'],
                       "shell": True}}


def _ended(service: Any, run_id: int, timeout: float = 10) -> Any:
    return wait_until(lambda: (r := service.get_run(run_id)).finished_at and r, timeout)


def test_a_silent_keyring_holds_up_only_the_runs_that_need_it(
        two_threads: Engine, service: Any, tmp_path: Path, hold: Path) -> None:
    service.set_secret("tok", "tw-value")
    marker = tmp_path / "ran"
    for name in ("one", "two"):
        service.create_task(_secret_task(name, marker))
    service.create_task({"name": "plain", "timezone": "UTC",
                         "action": {"kind": "command", "argv": ["true"]}})
    hold.touch()
    runs = {name: service.run_now(name) for name in ("one", "two")}
    wait_until(lambda: Path(f"{hold}.waiting").exists())
    plain = _ended(service, service.run_now("plain").id)
    assert plain.status == "succeeded"

    service.cancel_run(runs["one"].id)  # heard while it waits: ends, never starts
    one = _ended(service, runs["one"].id, 5)
    assert one.status == "cancelled"
    hold.unlink()
    assert _ended(service, runs["two"].id).status == "succeeded"
    assert marker.read_text() == "two tw-value\n"  # the cancelled run's command never ran
    assert service.get_run(runs["one"].id).status == "cancelled"


def test_a_run_whose_keyring_stays_silent_fails_saying_so(
        two_threads: Engine, service: Any, tmp_path: Path, hold: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    service.set_secret("tok", "tw-value")
    marker = tmp_path / "ran"
    service.create_task(_secret_task("needs", marker))
    hold.touch()
    monkeypatch.setattr(executor, "KEYRING_WAIT", 0.5)
    run = _ended(service, service.run_now("needs").id)
    assert run.status == "failed"
    assert run.error == "the keyring did not answer within 0.5 s (is it locked?)"
    assert not marker.exists()
