"""`--exclude FILE.ics` naming what is not a calendar's file: a device (`/dev/zero`, here
through a link named `.ics`) was read until "failed: MemoryError", a FIFO with no writer
waited for ever, and a file of any size was read whole (a fault hunt). Each is refused in
one line naming --exclude, exit 2, nothing added."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize("kind", ["device", "fifo", "huge"])
def test_what_is_not_a_calendar_file_is_refused_at_once(cli: Any, tmp_path: Path,
                                                        kind: str) -> None:
    ics = tmp_path / "holidays.ics"
    if kind == "device":
        ics.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(ics)
    else:
        ics.write_bytes(b"BEGIN:VCALENDAR\r\n" + b" " * (16 << 20))
    res = cli("task", "add", "t", "--command", "true", "--every", "1h", "--exclude", str(ics),
              timeout=30)
    assert (res.code, res.out) == (2, ""), res
    said = ("holidays.ics is larger than 16 MiB: not a calendar of days off" if kind == "huge"
            else "holidays.ics is not a file (a device or a pipe)")
    assert res.err == f"tickwork: error: exclude: {said}\n", res.err
    assert cli("task", "list", "--json").json() == []
