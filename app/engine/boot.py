"""Which boot of this machine the engine runs in: `@reboot` tasks fire once per boot.

Linux names each boot (/proc/sys/kernel/random/boot_id, a new UUID at every boot); elsewhere
the boot's start time (`psutil.boot_time()`) is its name. Tests name a boot of their own
through $TICKWORK_TEST_BOOT_ID (a test's way in, as a fake clock is: nothing else sets it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs installed

TEST_BOOT_VAR = "TICKWORK_TEST_BOOT_ID"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def boot_identity(environ: Mapping[str, str] = os.environ) -> str:
    """This boot's name: the same for every engine started until the machine reboots."""
    if given := environ.get(TEST_BOOT_VAR, "").strip():
        return given
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or _boot_time()
    except OSError:
        return _boot_time()


def _boot_time() -> str:
    return f"booted {psutil.boot_time():.0f}"
