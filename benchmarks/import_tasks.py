"""Wall time of `tickwork import FILE` into a fresh home, as a user runs it (a new process),
for export files of 1,000 and 10,000 tasks that depend on each other, chain, fall back to
each other and share concurrency groups. Target: 10,000 tasks in at most 3 s."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import emit, environment_info, log

TARGET_S = {10_000: 3.0}


def export_file(n: int, path: Path) -> dict[str, int]:
    """An export of `n` tasks: chains of ten (every fifth link triggered `--after` the one
    before, the others waiting on it), a fallback handler per fifty, four groups."""
    items: list[dict[str, Any]] = []
    counts = {"depends_on": 0, "after": 0, "fallback": 0}
    for i in range(n):
        task: dict[str, Any] = {
            "id": i + 1, "name": f"t{i}", "timezone": "UTC",
            "action": ({"kind": "command", "argv": ["/bin/true"], "shell": False, "cwd": None}
                       if i % 2 else {"kind": "python", "target": "benchmarks.actions:noop",
                                      "kwargs": {"i": i}, "cwd": None}),
            "schedule": {"kind": "cron", "expr": f"{i % 60} {i % 24} * * *"},
            "group": f"g{i % 4}", "group_limit": 2, "env": {"N": str(i)}, "tags": ["bench"],
            "retries": i % 3,
        }
        if i % 10:
            if i % 10 == 5:
                task["schedule"] = {"kind": "after", "tasks": [f"t{i - 1}"]}
                counts["after"] += 1
            else:
                task["depends_on"] = [f"t{i - 1}"]
                counts["depends_on"] += 1
        if i % 50:
            task["fallback"] = f"t{i - i % 50}"
            counts["fallback"] += 1
        items.append(task)
    path.write_text(json.dumps({"version": 1, "tasks": items}))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--out")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tw-import-"))
    results: dict[str, Any] = {}
    for n in (int(s) for s in args.sizes.split(",")):
        path = folder / f"export-{n}.json"
        links = export_file(n, path)
        home = folder / f"home-{n}"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), "import",
                               str(path)], env=dict(os.environ), capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"import of {n} tasks failed: {proc.stderr.strip()}")
        listed = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), "task",
                                 "list", "--json"], capture_output=True, text=True, check=True)
        created = len(json.loads(listed.stdout))
        results[str(n)] = {"seconds": round(seconds, 2), "created": created, **links,
                           "target_s": TARGET_S.get(n)}
        log(f"import {n}: {results[str(n)]}")
    emit({"benchmark": "import_tasks", "environment": environment_info(),
          "results": results}, args.out)


if __name__ == "__main__":
    main()
