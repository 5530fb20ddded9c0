"""The boot's name the engine fires `@reboot` tasks once for (app/engine/boot.py)."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from app.engine import boot
from app.engine.boot import TEST_BOOT_VAR, boot_identity


def test_linux_names_the_boot_by_its_boot_id() -> None:
    if not boot.BOOT_ID.exists():
        pytest.skip("no /proc boot_id here")
    assert boot_identity({}) == boot.BOOT_ID.read_text().strip()
    assert boot_identity({}) == boot_identity({})  # the same for every engine of the boot


def test_elsewhere_the_boot_time_names_it(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    monkeypatch.setattr(boot, "BOOT_ID", tmp_path / "no-such-file")
    assert boot_identity({}) == f"booted {psutil.boot_time():.0f}"


def test_a_test_names_its_own_boot() -> None:
    assert boot_identity({TEST_BOOT_VAR: " boot-2 "}) == "boot-2"
    assert boot_identity({TEST_BOOT_VAR: ""}) == boot_identity({})
