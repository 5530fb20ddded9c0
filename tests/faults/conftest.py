"""The fault suite in `make test` starts `tickwork` through the tests' zygote (real processes,
no interpreter start-up each); `make faults` keeps `python -m app.cli`."""

from __future__ import annotations

from typing import Any

import pytest

from faults.harness import Doors
from tests.support import tickwork


@pytest.fixture(autouse=True)
def _zygote_doors(monkeypatch: pytest.MonkeyPatch) -> None:
    def start(args: list[str], **kwargs: Any) -> Any:
        return tickwork.start(args, **kwargs)

    def run(args: list[str], **kwargs: Any) -> Any:
        return tickwork.run(args, **kwargs)

    monkeypatch.setattr(Doors, "start", staticmethod(start))
    monkeypatch.setattr(Doors, "run", staticmethod(run))
