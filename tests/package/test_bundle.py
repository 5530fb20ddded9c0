"""The PyInstaller bundle on its own: copied away from the source tree, run with no Python,
venv or PYTHONPATH, from another folder — the CLI, the engine firing tasks (APScheduler's
triggers inside the bundle), the keyring and the first-start check."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app import __version__
from tests.conftest import ROOT
from tests.package.conftest import needs_bundle, run
from tests.platform.test_display import free_display

pytestmark = needs_bundle


def test_version_prints_and_starts_fast(bundle: Path, user: dict[str, str],
                                        tmp_path: Path) -> None:
    started = time.perf_counter()
    result = run([str(bundle), "--version"], user, tmp_path)
    took = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"tickwork {__version__}"
    print(f"bundle --version: {took:.2f} s")  # a figure for the report, not asserted


def test_nothing_of_the_source_tree_or_a_python_is_needed(bundle: Path) -> None:
    internal = bundle.parent / "_internal"
    assert not list(bundle.parent.rglob("app/cli/*.py")), "sources shipped instead of compiled"
    assert any(internal.glob("libpython3*.so*")), "the bundle carries its own Python"


def test_the_bundle_carries_the_user_guide_where_the_window_reads_it(bundle: Path) -> None:
    """Help › User guide reads it as package data of app.gui.window (importlib.resources),
    which a frozen app finds under _internal/app/gui/window/."""
    from tests.test_user_guide import TEXT

    shipped = bundle.parent / "_internal" / "app" / "gui" / "window" / "user-guide.md"
    assert shipped.read_text("utf-8") == TEXT


def test_a_task_is_added_and_listed_in_a_fresh_home(bundle: Path, user: dict[str, str],
                                                     tmp_path: Path) -> None:
    added = run([str(bundle), "task", "add", "hello", "--command", "echo hi", "--every", "1h"],
                user, tmp_path)
    assert added.returncode == 0, added.stderr
    listed = run([str(bundle), "task", "list", "--json"], user, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [t["name"] for t in json.loads(listed.stdout)] == ["hello"]
    assert Path(user["TICKWORK_HOME"]).is_dir()
    bad = run([str(bundle), "task", "add", "x", "--command", "true", "--every", "soon"],
              user, tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def wait_for_runs(bundle: Path, user: dict[str, str], cwd: Path, task: str,
                  count: int, timeout: float = 60) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while True:
        listed = run([str(bundle), "run", "list", "--task", task, "--json"], user, cwd)
        assert listed.returncode == 0, listed.stderr
        runs = [r for r in json.loads(listed.stdout) if r["status"] == "succeeded"]
        if len(runs) >= count or time.monotonic() > deadline:
            return runs
        time.sleep(0.2)


def test_the_engine_runs_tasks_on_demand_and_on_schedule(bundle: Path, user: dict[str, str],
                                                          tmp_path: Path) -> None:
    # a Python action runs in a worker process the bundle starts as itself
    (tmp_path / "greet.py").write_text("def hello():\n    print('python-from-the-bundle')\n")
    for argv in (["task", "add", "now", "--command", "echo from-the-bundle", "--manual"],
                 ["task", "add", "py", "--python", "greet:hello", "--cwd", str(tmp_path),
                  "--manual"],
                 ["task", "add", "every", "--command", "true", "--every", "1s"],
                 ["task", "add", "cron", "--command", "true", "--cron", "* * * * * *"]):
        assert run([str(bundle), *argv], user, tmp_path).returncode == 0
    log = (tmp_path / "engine.log").open("w")
    engine = subprocess.Popen([str(bundle), "engine"], env=user, cwd=tmp_path, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        ran = run([str(bundle), "task", "run", "now", "--wait", "60", "--json"], user, tmp_path)
        assert ran.returncode == 0, ran.stderr + ran.stdout
        run_id = json.loads(ran.stdout)["id"]
        shown = run([str(bundle), "run", "show", str(run_id), "--log"], user, tmp_path)
        assert "from-the-bundle" in shown.stdout
        ran = run([str(bundle), "task", "run", "py", "--wait", "60", "--json"], user, tmp_path)
        assert ran.returncode == 0, ran.stderr + ran.stdout
        shown = run([str(bundle), "run", "show", str(json.loads(ran.stdout)["id"]), "--log"],
                    user, tmp_path)
        assert "python-from-the-bundle" in shown.stdout, shown.stdout
        assert len(wait_for_runs(bundle, user, tmp_path, "every", 2)) >= 2
        assert len(wait_for_runs(bundle, user, tmp_path, "cron", 2)) >= 2
    finally:
        engine.send_signal(signal.SIGTERM)
        try:
            code = engine.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(engine.pid, signal.SIGKILL)
            raise
        log.close()
    text = (tmp_path / "engine.log").read_text()
    assert code == 0, text
    assert "Traceback" not in text


@contextmanager
def engine_running(bundle: Path, user: dict[str, str], cwd: Path) -> Iterator[None]:
    """`tickwork engine` from the bundle, stopped with SIGTERM as systemd stops it."""
    log = (cwd / "engine.log").open("w")
    engine = subprocess.Popen([str(bundle), "engine"], env=user, cwd=cwd, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield
    finally:
        engine.send_signal(signal.SIGTERM)
        try:
            engine.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(engine.pid, signal.SIGKILL)
            raise
        finally:
            log.close()


IMPORTABLE = """import importlib, json, sys
sys.path.insert(0, sys.argv[1])
from stdlib import stdlib_modules
found = []
for name in stdlib_modules():
    try:
        importlib.import_module(name)
    except Exception:
        continue
    found.append(name)
print(json.dumps(found))
"""

PROBE = """import importlib, json
def probe():
    missing = []
    for name in json.load(open("names.json")):
        try:
            importlib.import_module(name)
        except Exception as error:
            missing.append(f"{name} ({error})")
    print("missing:", ", ".join(missing) or "none")
"""


def test_a_python_action_imports_the_standard_library(bundle: Path, user: dict[str, str],
                                                      tmp_path: Path) -> None:
    """A user's Python action runs in the bundle's Python: what of the standard library the
    build's Python imports, the action imports too (before, only the modules Tickwork's own
    code imported were bundled: `email.mime.text`, `html.parser`, `tomllib` were not)."""
    found = subprocess.run([sys.executable, "-c", IMPORTABLE, str(ROOT / "packaging")],
                           cwd=tmp_path, capture_output=True, text=True, check=True, timeout=120)
    names = json.loads(found.stdout)
    assert {"email.mime.text", "html.parser", "tomllib", "xml.dom.minidom"} <= set(names)
    (tmp_path / "names.json").write_text(json.dumps(names))
    (tmp_path / "stdlib_probe.py").write_text(PROBE)
    added = run([str(bundle), "task", "add", "stdlib", "--python", "stdlib_probe:probe",
                 "--cwd", str(tmp_path), "--manual"], user, tmp_path)
    assert added.returncode == 0, added.stderr
    with engine_running(bundle, user, tmp_path):
        ran = run([str(bundle), "task", "run", "stdlib", "--wait", "120", "--json"], user,
                  tmp_path, timeout=180)
    assert ran.returncode == 0, ran.stderr + ran.stdout
    shown = run([str(bundle), "run", "show", str(json.loads(ran.stdout)["id"]), "--log"], user,
                tmp_path)
    assert "missing: none" in shown.stdout, shown.stdout


def test_a_secret_without_a_keyring_service_is_one_line(bundle: Path, user: dict[str, str],
                                                        tmp_path: Path) -> None:
    result = subprocess.run([str(bundle), "secret", "set", "token"], env=user, cwd=tmp_path,
                            input="s3cret\n", capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_the_first_start_check_works_in_the_bundle(bundle: Path, user: dict[str, str],
                                                   tmp_path: Path) -> None:
    where = f":{free_display()}"
    result = run([str(bundle)], {**user, "QT_QPA_PLATFORM": "xcb", "DISPLAY": where}, tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (
        f"tickwork: the window cannot open: no X display answers at DISPLAY={where}; "
        "`tickwork engine` runs tasks without a window")
