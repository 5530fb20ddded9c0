"""`task show` of a task whose secret is not in this home's keyring (a store restored into
another home: the store keeps a secret's name, the keyring its value) says so; it said
nothing, and the task's runs then failed. `--json`: `missing_secrets`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support import tickwork


def test_task_show_says_which_secret_the_keyring_lacks(cli: Any, tmp_path: Path) -> None:
    assert cli("secret", "set", "API_KEY", stdin="s3cret\n").code == 0
    assert cli("task", "add", "fetch", "--command", "true", "--manual",
               "--secret-env", "TOKEN=API_KEY").code == 0
    shown = cli("task", "show", "fetch")
    assert "  secret env: TOKEN=<secret API_KEY>\n" in shown.out
    assert "missing" not in shown.out
    assert cli("task", "show", "fetch", "--json").json()["missing_secrets"] == []
    assert cli("backup", str(tmp_path / "b.db")).code == 0

    other = ["--home", str(tmp_path / "other")]  # restored into another home: no API_KEY
    restored = tickwork.run([*other, "restore", str(tmp_path / "b.db")])
    assert restored.returncode == 0, restored.stderr
    shown_there = tickwork.run([*other, "task", "show", "fetch"])
    assert shown_there.returncode == 0
    assert ("  secret env: TOKEN=<secret API_KEY>\n"
            "              secret API_KEY: missing from the keyring\n") in shown_there.stdout
    data = tickwork.run([*other, "task", "show", "fetch", "--json"])
    assert '"missing_secrets": [\n    "API_KEY"\n  ]' in data.stdout
