"""The largest variable `task add --env` takes runs: "NAME=value" and its NUL exactly Linux's
131,072 bytes (MAX_ARG_STRLEN; one byte more is refused: tests/cli/test_env_too_large.py), so
the refusal is not a byte too strict; and a Python action, whose variables reach it in
`context.env` and not its process environment, runs with a larger one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FITS = "x" * (131_072 - len("BIG=") - 1)


def test_a_variable_at_the_limit_runs_and_a_python_actions_larger_one_too(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    seen, got = tmp_path / "seen", tmp_path / "got"
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "edge", "--manual", "--env", f"BIG={FITS}", "--command",
               f"sh -c 'printf %s \"${{#BIG}}\" > {seen}'").code == 0
    ran = cli("task", "run", "edge", "--wait", "30", "--json", timeout=40)
    assert ran.code == 0 and ran.json()["status"] == "succeeded", ran
    assert seen.read_text() == str(len(FITS))
    assert cli("task", "add", "py", "--manual", "--env", f"TOKEN={FITS}yz", "--python",
               "tests.support.actions:secret_env", "--kwargs",
               json.dumps({"path": str(got)})).code == 0
    ran = cli("task", "run", "py", "--wait", "30", "--json", timeout=40)
    assert ran.code == 0 and ran.json()["status"] == "succeeded", ran
    assert got.read_text() == f"{FITS}yz"


def test_an_argument_at_the_limit_runs(spawn: Any, cli: Any, tmp_path: Path) -> None:
    """An argument and its NUL exactly 131,072 bytes (one more is refused on import:
    tests/cli/test_env_too_large.py); a shell cannot hand the CLI one, so it comes in an
    export."""
    seen, arg = tmp_path / "seen", "y" * 131_071
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "edge", "--manual", "--command", "true").code == 0
    assert cli("export", str(tmp_path / "one.json")).code == 0
    doc = json.loads((tmp_path / "one.json").read_text())
    doc["tasks"][0].update(name="long", action={"kind": "command", "argv": [
        "sh", "-c", f'printf %s "${{#1}}" > {seen}', "sh", arg]})
    (tmp_path / "long.json").write_text(json.dumps(doc))
    assert cli("import", str(tmp_path / "long.json")).code == 0
    ran = cli("task", "run", "long", "--wait", "30", "--json", timeout=40)
    assert ran.code == 0 and ran.json()["status"] == "succeeded", ran
    assert seen.read_text() == str(len(arg))
