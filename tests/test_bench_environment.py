"""Every benchmark's JSON says how fast the machine was when it ran (README: the machine's
speed moves between minutes, so figures are compared with `speed_probe_s` beside them) —
through the door `make bench` uses: a benchmark module run as a program."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_benchmark_s_json_records_the_machine_s_speed(tmp_path: Path) -> None:
    out = tmp_path / "spawn.json"
    subprocess.run([sys.executable, "-m", "benchmarks.spawn_baseline", "--methods",
                    "posix_spawn", "--seconds", "0.2", "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)
    environment = json.loads(out.read_text())["environment"]
    assert 0 < environment["speed_probe_s"] < 60
    assert environment["cpu_count"] >= 1
