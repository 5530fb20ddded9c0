"""The `tickwork` command line.

`tickwork` alone opens the window; `tickwork engine` runs the engine headless; the other
commands work on the store directly, whether or not an engine is running (a running engine
notices their changes within a second). Exit codes: 0 success, 2 bad usage or input (one
line on stderr naming the problem), 1 any other failure. Qt is never imported here unless
the window is asked for, so the commands start fast.
"""

from __future__ import annotations

import sys

from app.platform import stop_signals

# first: a stop signal while the rest is imported stops `tickwork engine` gracefully
stop_signals.hold(sys.argv)

from app.cli.entry import COMMANDS as COMMANDS  # noqa: E402
from app.cli.entry import main as main  # noqa: E402
from app.cli.parser import EXIT_FAILURE as EXIT_FAILURE  # noqa: E402
from app.cli.parser import EXIT_OK as EXIT_OK  # noqa: E402
from app.cli.parser import EXIT_USAGE as EXIT_USAGE  # noqa: E402
from app.cli.parser import Parser as Parser  # noqa: E402
from app.cli.parser import UsageError as UsageError  # noqa: E402
from app.cli.parser import build_parser as build_parser  # noqa: E402
