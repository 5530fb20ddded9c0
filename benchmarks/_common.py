"""Shared helpers for the scripts in ``benchmarks/``.

Every benchmark script prints exactly one JSON object on stdout (progress goes to
stderr) so that a driver can run them side by side on the same machine and compare
ratios. This module holds what they have in common:

* :func:`percentiles` -- p50/p99/max of a list of durations, in milliseconds;
* :class:`ResourceMeter` -- process CPU seconds and peak RSS over a ``with`` block;
* :func:`emit` -- print the result JSON (and optionally write it to a file);
* :func:`common_parser` / :func:`effective_window` -- the shared
  ``--rates/--window/--quick/--out`` command line;
* :func:`log` and :func:`environment_info` -- stderr progress and machine facts.

Only the standard library and psutil are used, so the helpers can be imported from
any benchmark without pulling in the application.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil

__all__ = [
    "DEFAULT_RATES",
    "DEFAULT_WINDOW",
    "QUICK_WINDOW",
    "ResourceMeter",
    "common_parser",
    "effective_window",
    "emit",
    "environment_info",
    "log",
    "parse_rates",
    "percentiles",
    "quantile",
]

#: Fires per minute exercised by default.
DEFAULT_RATES: tuple[int, ...] = (10_000, 100_000, 300_000)
#: Seconds over which a case's one-shot jobs are spread.
DEFAULT_WINDOW: float = 30.0
#: Window used by ``--quick`` (smoke test).
QUICK_WINDOW: float = 6.0

_MB = 1024.0 * 1024.0


def log(message: str) -> None:
    """Write one progress line to stderr (stdout is reserved for the JSON result)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (the same definition as numpy's default)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of already sorted values, e.g. 0.999 for p99.9."""
    return _quantile(sorted_values, q)


def percentiles(values: Sequence[float], scale: float = 1000.0) -> dict[str, float | None]:
    """Return ``{"p50", "p99", "max"}`` of *values*, multiplied by *scale*.

    *values* are durations in seconds; with the default ``scale`` the figures are in
    milliseconds, rounded to 3 decimals. An empty input gives ``None`` for each key
    (JSON ``null``) rather than a misleading zero.
    """
    if not values:
        return {"p50": None, "p99": None, "max": None}
    ordered = sorted(values)
    return {
        "p50": round(_quantile(ordered, 0.50) * scale, 3),
        "p99": round(_quantile(ordered, 0.99) * scale, 3),
        "max": round(ordered[-1] * scale, 3),
    }


class ResourceMeter:
    """Measure this process's CPU time and peak RSS over a ``with`` block.

    CPU seconds are ``user + system`` from :func:`psutil.Process.cpu_times` (all
    threads of the process) taken at entry and exit. RSS is sampled by a daemon
    thread every *interval* seconds, plus once at entry and once at exit; the peak
    is the largest sample, so a spike shorter than the interval can be missed.

    After the block, read :attr:`cpu_seconds`, :attr:`wall_seconds`,
    :attr:`peak_rss_mb`, :attr:`start_rss_mb` or :meth:`as_dict`.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self._process = psutil.Process(os.getpid())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cpu_start = 0.0
        self._wall_start = 0.0
        self._peak_rss = 0
        self.start_rss_mb = 0.0
        self.cpu_seconds = 0.0
        self.wall_seconds = 0.0
        self.peak_rss_mb = 0.0

    def _cpu_now(self) -> float:
        times = self._process.cpu_times()
        return float(times.user + times.system)

    def _sample(self) -> int:
        rss = int(self._process.memory_info().rss)
        if rss > self._peak_rss:
            self._peak_rss = rss
        return rss

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> ResourceMeter:
        self._peak_rss = 0
        self.start_rss_mb = round(self._sample() / _MB, 1)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ResourceMeter", daemon=True)
        self._thread.start()
        self._wall_start = time.perf_counter()
        self._cpu_start = self._cpu_now()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cpu_seconds = round(self._cpu_now() - self._cpu_start, 3)
        self.wall_seconds = round(time.perf_counter() - self._wall_start, 3)
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        self.peak_rss_mb = round(self._peak_rss / _MB, 1)

    def as_dict(self) -> dict[str, float]:
        """The measured figures, ready to merge into a result dict."""
        return {
            "cpu_seconds": self.cpu_seconds,
            "wall_seconds": self.wall_seconds,
            "start_rss_mb": self.start_rss_mb,
            "peak_rss_mb": self.peak_rss_mb,
        }


def emit(result: dict[str, Any], out: str | None = None) -> None:
    """Print *result* as JSON on stdout and, if *out* is given, write it there too."""
    text = json.dumps(result, indent=2, sort_keys=False)
    print(text, flush=True)
    if out:
        path = Path(out)
        if path.parent != Path():
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")


def parse_rates(text: str) -> list[int]:
    """Parse ``"10000,100000"`` into ``[10000, 100000]`` (argparse ``type=``)."""
    try:
        rates = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad --rates {text!r}: {exc}") from exc
    if not rates or any(rate <= 0 for rate in rates):
        raise argparse.ArgumentTypeError(f"--rates needs positive integers, got {text!r}")
    return rates


def common_parser(
    description: str,
    default_rates: Sequence[int] = DEFAULT_RATES,
    default_window: float = DEFAULT_WINDOW,
) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` with the options every load benchmark shares.

    ``--rates`` (fires per minute, comma separated; parsed to ``list[int]``),
    ``--window`` (seconds), ``--quick`` (use :data:`QUICK_WINDOW`) and ``--out``.
    Scripts add their own options to the returned parser; use
    :func:`effective_window` to honour ``--quick``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--rates",
        type=parse_rates,
        default=list(default_rates),
        help="fires per minute, comma separated (default: %(default)s)",
    )
    parser.add_argument(
        "--window",
        type=float,
        default=default_window,
        help="seconds over which each case's jobs are spread (default: %(default)s)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: window of {QUICK_WINDOW:g} s (overrides --window)",
    )
    parser.add_argument("--out", default=None, help="also write the JSON result to this file")
    return parser


def effective_window(args: argparse.Namespace) -> float:
    """The window in seconds, taking ``--quick`` into account."""
    return QUICK_WINDOW if getattr(args, "quick", False) else float(args.window)


def compile_app() -> None:
    """Compile the app's modules to bytecode, as an installed package has them (pip
    compiles at install). Where PYTHONDONTWRITEBYTECODE is set, as on the machine this
    project is measured on, every new process — a CLI call, a Python worker, a launcher —
    would otherwise compile every module it imports again (about 50 ms of a `task list`)."""
    import subprocess

    import app

    subprocess.run([sys.executable, "-m", "compileall", "-q",
                    str(Path(app.__file__).resolve().parent)],
                   check=True, stdout=subprocess.DEVNULL)


def environment_info() -> dict[str, Any]:
    """Facts about the machine and interpreter, to store next to the figures."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "total_memory_mb": round(psutil.virtual_memory().total / _MB),
        "speed_probe_s": speed_probe(),
    }


def speed_probe() -> float:
    """Seconds one core takes for a fixed piece of pure-Python work (2 million dict updates
    and a recursive fib(25)), the best of three. The machine's speed is not constant — the
    same probe took 0.25 s at one moment and 0.47–0.51 s at others of one morning, nothing
    else running (a shared host) — so figures taken at different times are compared with
    this beside them."""
    def fib(n: int) -> int:
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        counts: dict[int, int] = {}
        for i in range(2_000_000):
            counts[i % 1000] = counts.get(i % 1000, 0) + i
        fib(25)
        best = min(best, time.perf_counter() - started)
    return round(best, 3)
