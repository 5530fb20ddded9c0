"""Every module under app/ imports on a system without POSIX-only modules (Windows): none of
fcntl, resource, pwd, grp, termios, pty, tty, syslog is imported at module level by app code.
Such imports belong inside functions of app/platform, which a port replaces.

Each package is imported in a fresh interpreter whose `__import__` refuses those names to
code of the scanned package only: third-party libraries (psutil's Linux backend imports
`resource`) have their own Windows code paths and are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import ROOT

POSIX_ONLY = ("fcntl", "resource", "pwd", "grp", "termios", "pty", "tty", "syslog")

SCRIPT = textwrap.dedent("""
    import builtins, importlib, pkgutil, sys
    BLOCKED, PACKAGE = set(sys.argv[1].split(",")), sys.argv[2]
    real_import = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        importer = str((globals or {}).get("__name__", ""))
        if (level == 0 and name.split(".")[0] in BLOCKED
                and importer.split(".")[0] == PACKAGE):
            raise ImportError(f"{importer} imports {name} at import time")
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded
    root = importlib.import_module(PACKAGE)
    failures = []
    for info in pkgutil.walk_packages(root.__path__, PACKAGE + "."):
        if info.name.endswith(".__main__"):
            continue  # importing it runs the program
        try:
            importlib.import_module(info.name)
        except ImportError as exc:
            failures.append(f"{info.name}: {exc}")
    print("\\n".join(failures))
""")


def posix_only_imports(package: str, path: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(path), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, ",".join(POSIX_ONLY), package],
                            cwd=path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def test_no_app_module_imports_a_posix_only_module_at_import_time() -> None:
    failures = posix_only_imports("app", ROOT)
    assert failures == [], "POSIX-only import at module level (move it into app/platform):\n" \
        + "\n".join(failures)


def test_the_guard_names_the_module_that_does(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "__init__.py").write_text("")
    (probe / "fine.py").write_text("def lock():\n    import fcntl\n    return fcntl\n")
    (probe / "posixy.py").write_text("import os\nimport pwd\n")
    (probe / "user.py").write_text("from probe import posixy\n")
    failures = posix_only_imports("probe", tmp_path)
    assert "probe.posixy: probe.posixy imports pwd at import time" in failures
    assert any(f.startswith("probe.user:") for f in failures)
    assert not any(f.startswith("probe.fine") for f in failures)
