"""app/core is the domain in plain Python: it imports neither Qt nor the database layer."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_core_imports_neither_qt_nor_peewee_nor_the_store() -> None:
    code = (
        "import pkgutil, importlib, sys, app.core\n"
        "for m in pkgutil.iter_modules(app.core.__path__):\n"
        "    importlib.import_module('app.core.' + m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'peewee')"
        " or n.startswith(('app.store', 'app.gui', 'app.engine', 'app.service')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == ""
