"""GUI event-loop stalls while the engine fires 10,000 and 100,000 tasks a minute.

The main window is open (offscreen) with the engine running in its process, as `tickwork`
runs it. N = rate × window / 60 one-shot tasks calling the trivial Python action
`benchmarks.actions:noop` (with `--command`: running `/bin/true`) are written straight into
the store (the columns the service writes, `next_run_at` set), spread evenly over the window
and starting `--lead` seconds after the window opens (moved there once written, so the time
writing them takes is not lateness), before the engine starts. Fire lateness (started −
scheduled, from the ledger) is measured with the window open. A 10 ms precise QTimer ticks
on the GUI thread throughout the window; a stall is the gap between two ticks minus 10 ms.
The view shown is the Runs view by default (the busiest: every run is inserted and updated live).

Each rate runs in its own child process (one store per process). Prints one JSON object:
    {"<rate>": {"stall_p50_ms", "stall_p99_ms", "stall_max_ms", "ticks", "tasks", "fired",
                "missed", "lateness_ms": {...}, "gui_batches", ...}, ...}
Targets (issue 4): stall p99 ≤ 50 ms, max ≤ 200 ms; issue 12: the same at 100,000 command
fires a minute (`--command --rates 100000`), and fire lateness p99 ≤ 25 ms as headless.

Usage: QT_QPA_PLATFORM=offscreen python benchmarks/gui_stall.py --rates 10000,100000 --window 20
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import common_parser, effective_window, log, percentiles  # noqa: E402

TICK_MS = 10
VIEWS = {"tasks": 0, "runs": 3}


def run_case(rate: int, window: float, lead: float, tail: float, view: str,
             workers: int, command: bool = False) -> dict[str, Any]:
    """In this process: the window, the engine, N tasks, and the tick timer."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    from app.engine.engine import Engine
    from app.gui.bootstrap import install_qt_log_handler
    from app.gui.main_window import MainWindow
    from app.gui.qt import QApplication, Qt, QTimer
    from app.gui.session import Session
    from app.service import Service
    from app.store.database import Store
    from app.store.models import RunRow
    from benchmarks import _tasks

    install_qt_log_handler()
    app = QApplication.instance() or QApplication(["gui_stall"])
    tmp = Path(tempfile.mkdtemp(prefix="tw-gui-stall-"))
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")
    store = Store.open(tmp / "home")
    n = int(rate * window / 60)
    far = datetime.now(UTC) + timedelta(days=1)
    t_add = time.perf_counter()
    _tasks.one_shots(n, far, window, _tasks.TRUE_CMD if command else _tasks.PY_NOOP)
    add_seconds = time.perf_counter() - t_add
    first = datetime.now(UTC).timestamp() + lead
    _tasks.move_one_shots(far, datetime.fromtimestamp(first, UTC))
    service = Service(store, "gui")
    engine = Engine(store, workers=workers, metrics=False)
    session = Session(store, service, engine)
    win = MainWindow(session)
    win.resize(1280, 800)
    win.show()
    win.show_view(VIEWS[view])
    session.start()

    ticks: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    wall_first = time.perf_counter() + (first - datetime.now(UTC).timestamp())
    end = wall_first + window + tail

    def check() -> None:
        now = time.perf_counter()
        if now > end or (now > wall_first + window and engine.stats.finished >= n):
            app.quit()

    checker = QTimer()
    checker.timeout.connect(check)
    checker.start(200)
    app.exec()  # the real event loop, as `tickwork` runs it
    checker.stop()
    timer.stop()
    measured = [t for t in ticks if t >= wall_first]
    gaps = [max(0.0, b - a - TICK_MS / 1000) for a, b in itertools.pairwise(measured)]
    stalls = percentiles(gaps)
    batches = session.bridge.delivered
    rows_shown = win.runs_model.rowCount()
    win.hide()
    session.stop(grace=5)
    with store.read():
        fired = RunRow.select().where(RunRow.status.in_(["succeeded", "failed"])).count()
        lateness = [ms / 1000 for (ms,) in RunRow.select(RunRow.lateness_ms)
                    .where(RunRow.lateness_ms.is_null(False)).tuples()]
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "stall_p50_ms": stalls["p50"], "stall_p99_ms": stalls["p99"],
        "stall_max_ms": stalls["max"], "ticks": len(measured),
        "measured_s": round(measured[-1] - wall_first, 1) if measured else 0.0,
        "expected_ticks": int((measured[-1] - wall_first) * 1000 / TICK_MS) if measured else 0,
        "tasks": n, "fired": int(fired), "missed": n - int(fired),
        "lateness_ms": percentiles(lateness), "gui_batches": batches,
        "runs_view_rows": rows_shown, "view": view, "window_s": window,
        "bulk_add_s": round(add_seconds, 2), "workers": workers,
        "action": "command /bin/true" if command else "python noop",
    }


def main() -> None:
    parser = common_parser(__doc__ or "", default_rates=(10_000, 100_000), default_window=20)
    parser.add_argument("--lead", type=float, default=5.0,
                        help="seconds from opening the window to the first fire")
    parser.add_argument("--tail", type=float, default=5.0,
                        help="seconds to keep measuring after the window")
    parser.add_argument("--view", choices=sorted(VIEWS), default="runs")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--command", action="store_true",
                        help="run /bin/true commands instead of a trivial Python action")
    parser.add_argument("--case", type=int, help=argparse_hidden())
    args = parser.parse_args()
    window = effective_window(args)
    if args.case:
        print(json.dumps(run_case(args.case, window, args.lead, args.tail, args.view,
                                  args.workers, args.command)), flush=True)
        os._exit(0)
    result: dict[str, Any] = {}
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    for rate in args.rates:
        log(f"gui_stall: {rate} {'command' if args.command else 'Python'} fires/min over "
            f"{window:g}s with the {args.view} view shown")
        proc = subprocess.run(
            [sys.executable, __file__, "--case", str(rate), "--window", str(window),
             "--lead", str(args.lead), "--tail", str(args.tail), "--view", args.view,
             "--workers", str(args.workers), *(["--command"] if args.command else [])],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=window * 10 + 300)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            sys.stderr.write(proc.stderr[-4000:])
            result[str(rate)] = {"error": f"exit {proc.returncode}"}
            continue
        result[str(rate)] = json.loads(lines[-1])
        log(f"  {result[str(rate)]}")
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
