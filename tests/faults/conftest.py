"""The fault suite in `make test` starts `tickwork` through the tests' zygote (real processes,
no interpreter start-up each); `make faults` keeps `python -m app.cli`."""

from __future__ import annotations

import pytest

from faults.harness import Doors
from tests.support import tickwork


@pytest.fixture(autouse=True)
def _zygote_doors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Doors, "start", staticmethod(tickwork.start))
    monkeypatch.setattr(Doors, "run", staticmethod(tickwork.run))
