"""The task's notify mode: the CLI's `--notify never|failure|always`, `task show`, the JSON
(the two flags, unchanged; a mode word accepted on input) and the export/import round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import ValidationError
from app.core.notify import ALL_NOTIFY_MODES, notify_flags, notify_from_json, notify_mode


def test_every_mode_maps_to_flags_and_back() -> None:
    for mode in ALL_NOTIFY_MODES:
        assert notify_mode(notify_flags(mode)) == mode
    assert notify_mode({}) == "failure"  # the default of a task without the field
    assert notify_from_json("always") == {"on_failure": True, "on_success": True}
    with pytest.raises(ValidationError) as err:
        notify_from_json("sometimes")
    assert err.value.field == "notify"


def test_cli_sets_shows_and_refuses(cli: Any) -> None:
    assert cli("task", "add", "nightly", "--command", "true", "--notify", "always").code == 0
    assert "notify: always (fails or succeeds)" in cli("task", "show", "nightly").out
    assert cli("task", "show", "nightly", "--json").json()["notify"] == {
        "on_failure": True, "on_success": True}
    assert cli("task", "update", "nightly", "--notify", "never").code == 0
    assert "notify: never" in cli("task", "show", "nightly").out
    bad = cli("task", "update", "nightly", "--notify", "loudly")
    assert bad.code == 2
    assert len(bad.err.strip().splitlines()) == 1 and "--notify" in bad.err
    assert "notify: never" in cli("task", "show", "nightly").out  # nothing changed
    assert cli("task", "add", "plain", "--command", "true").code == 0
    assert "notify: when it fails" in cli("task", "show", "plain").out


def test_notify_success_is_notify_always_whatever_the_task_had(cli: Any) -> None:
    """`--notify-success` says "a desktop notification when a run succeeds too (as --notify
    always)"; on a task set to `never` it made "only when it succeeds", a mode the CLI does
    not offer, and its failures went untold."""
    assert cli("task", "add", "quiet", "--command", "true", "--notify", "never").code == 0
    assert cli("task", "update", "quiet", "--notify-success").code == 0
    assert "notify: always (fails or succeeds)" in cli("task", "show", "quiet").out
    assert cli("task", "add", "new", "--command", "true", "--notify-success").code == 0
    assert "notify: always (fails or succeeds)" in cli("task", "show", "new").out


def test_readmes_two_lines_say_what_they_do(cli: Any) -> None:
    """README's "Notifications" section sets `--notify always`, then shows `task show`'s
    line as "notify: when it fails", the default's: a newcomer typing the two lines saw
    another. Each line is run as README writes it; the second prints README's comment."""
    import shlex

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Notifications, even with the window closed", 1)[1]
    lines = [line.strip() for line in section.split("\n\n")[2].splitlines()]
    assert [line.split("#")[0].split()[:3] for line in lines] == [
        ["tickwork", "task", "update"], ["tickwork", "task", "show"]]
    assert cli("task", "add", "backup", "--command", "true").code == 0
    for line in lines:
        typed, _, said = line.partition("#")
        result = cli(*shlex.split(typed)[1:])
        assert result.code == 0, result.err
    assert said.strip() in [row.strip() for row in result.out.splitlines()]


def test_export_import_keeps_each_mode_and_a_word_imports(cli: Any, tmp_path: Path,
                                                          home: Path) -> None:
    for mode in ("never", "failure", "always"):
        assert cli("task", "add", f"t-{mode}", "--command", "true", "--notify", mode).code == 0
    export = tmp_path / "tasks.json"
    assert cli("export", str(export)).code == 0
    data = json.loads(export.read_text())
    tasks = data["tasks"] if isinstance(data, dict) else data
    tasks.append({"name": "worded", "action": {"kind": "command", "argv": ["true"]},
                  "notify": "success"})
    export.write_text(json.dumps(data))
    other = tmp_path / "other"
    result = cli("--home", str(other), "import", str(export))
    assert result.code == 0, result.err
    for mode, words in (("never", "never"), ("failure", "when it fails"),
                        ("always", "always (fails or succeeds)")):
        shown = cli("--home", str(other), "task", "show", f"t-{mode}")
        assert f"notify: {words}" in shown.out
    assert "notify: only when it succeeds" in cli("--home", str(other), "task", "show",
                                                  "worded").out
