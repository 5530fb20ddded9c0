"""app/core is the domain in plain Python: it imports neither Qt nor the database layer, and
reading or describing a schedule does not load APScheduler."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def test_core_imports_neither_qt_nor_peewee_nor_the_store() -> None:
    code = (
        "import pkgutil, importlib, sys, app.core\n"
        "seen = [m.name for m in pkgutil.walk_packages(app.core.__path__, 'app.core.')]\n"
        "for name in seen:\n"
        "    importlib.import_module(name)\n"
        "assert 'app.core.schedule.triggers' in seen, seen\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'peewee')"
        " or n.startswith(('app.store', 'app.gui', 'app.engine', 'app.service')))\n"
        "print(','.join(bad))\n"
    )
    assert _run(code) == ""


def test_reading_and_describing_schedules_does_not_load_apscheduler() -> None:
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from app.core.schedule import Schedule, describe, next_fire_times, validate_schedule\n"
        "from app.core.task import TaskSpec\n"
        "import app.cli\n"
        "now = datetime(2026, 1, 1, tzinfo=UTC)\n"
        "s = Schedule.parse_cron('*/5 * * * *')\n"
        "describe(s, 'Europe/Berlin')\n"
        "validate_schedule(s, UTC, now)\n"
        "TaskSpec.from_json({'name': 'a', 'action': {'kind': 'command', 'argv': ['true']},"
        " 'schedule': s.to_json(), 'timezone': 'UTC'}, now=now)\n"
        "before = 'apscheduler' in sys.modules\n"
        "next_fire_times(s, UTC, now, 1)\n"
        "print(before, 'apscheduler' in sys.modules)\n"
    )
    assert _run(code) == "False True"
