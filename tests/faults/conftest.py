"""The fault suite in `make test` starts `tickwork` through the tests' zygote (real processes,
no interpreter start-up each) and runs its engines at the tests' quick pace
(tests/engine/conftest.py); `make faults` keeps `python -m app.cli` and the engine's own pace."""

from __future__ import annotations

import pytest

from faults.harness import Doors
from tests.engine.conftest import quick_engines
from tests.support import tickwork

__all__ = ["quick_engines"]


@pytest.fixture(autouse=True)
def _zygote_doors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Doors, "start", staticmethod(tickwork.start))
    monkeypatch.setattr(Doors, "run", staticmethod(tickwork.run))
