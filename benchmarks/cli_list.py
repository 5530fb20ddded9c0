"""Wall time of `tickwork task list` (and `--json`) with 1,000 tasks, as a user runs it:
a new process each time, median of several runs. Qt must stay out of the CLI's imports.

The app's modules are compiled to bytecode first (`_common.compile_app`): without it, where
PYTHONDONTWRITEBYTECODE is set, every run compiled them all again — about 50 ms of every
figure (measured 2026-12-03: 249 → 195 ms median)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import compile_app, emit, environment_info, log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out")
    args = parser.parse_args()
    from app.store.database import Store
    from benchmarks import _tasks

    home = Path(tempfile.mkdtemp(prefix="tw-cli-")) / "home"
    store = Store.open(home)
    _tasks.cron_tasks(args.tasks)
    store.close()
    compile_app()
    env = {**os.environ, "TICKWORK_HOME": str(home)}
    results = {}
    for label, extra in (("task list", []), ("task list --json", ["--json"])):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "app.cli", "task", "list", *extra], env=env,
                           stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - t0)
        results[label] = {"median_ms": round(statistics.median(times) * 1000, 1),
                          "min_ms": round(min(times) * 1000, 1)}
        log(f"{label}: {results[label]}")
    probe = subprocess.run([sys.executable, "-c", "import sys, app.cli; app.cli.main(['--home',"
                            f" {str(home)!r}, 'task', 'list', '--json']);"
                            " print('PySide6' in sys.modules, file=sys.stderr)"],
                           capture_output=True, text=True, check=True)
    emit({"benchmark": "cli_list", "tasks": args.tasks, "repeat": args.repeat,
          "bytecode": "compiled first",
          "qt_imported": probe.stderr.strip().endswith("True"),
          "environment": environment_info(), "results": results}, args.out)


if __name__ == "__main__":
    main()
