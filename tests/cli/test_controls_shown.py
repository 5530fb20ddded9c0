"""Control characters in a task's or a run's data — a command, a variable, a description, a
run's error, a crontab line — reach no terminal raw: every human-readable output (tables,
`show` cards, the import preview, errors and notes on stderr) shows them escaped
(`\\x1b[31m`), piped or not; `--json` keeps the data exact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli.test_run_log_terminal import noisy_run

COMMAND = "echo \x1b[31mRED"
VARIABLE = "\x1b[5mblink"
DESCRIPTION = "d \x1b]0;PWNED\x07 \x1b[2J\x9b\nsecond line\tend"
RAW = ("\x1b", "\x07", "\x9b")


def _no_raw_controls(text: str) -> None:
    assert not any(c in text for c in RAW), repr(text)


def test_task_show_escapes_fields_and_indents_lines_after_the_first(cli: Any) -> None:
    added = cli("task", "add", "e", "--command", COMMAND, "--env", f"X={VARIABLE}",
                "--description", DESCRIPTION, "--manual")
    assert added.code == 0, added.err
    shown = cli("task", "show", "e")
    assert shown.code == 0, shown.err
    _no_raw_controls(shown.out)
    assert "      action: command echo \\x1b[31mRED\n" in shown.out
    assert "         env: X=\\x1b[5mblink\n" in shown.out
    assert (" description: d \\x1b]0;PWNED\\x07 \\x1b[2J\\x9b\n"
            "              second line\tend\n") in shown.out
    exact = cli("task", "show", "e", "--json").json()
    assert (exact["action"]["line"], exact["env"], exact["description"]) == (
        COMMAND, {"X": VARIABLE}, DESCRIPTION)
    assert "\x9b" not in cli("task", "show", "e", "--json").out  # (as \u009b: same value)


def test_a_runs_error_is_shown_escaped_in_the_list_and_the_card(home: Path, cli: Any) -> None:
    error = "boom\t\x1b]0;PWNED\x07\nnext\tline"
    run = noisy_run(home, error=error)
    listed = cli("run", "list")
    assert listed.code == 0, listed.err
    _no_raw_controls(listed.out)
    row = listed.out.splitlines()[1]  # the row stays one line, its tab shown: the error's first
    assert row.endswith("boom\\x09\\x1b]0;PWNED\\x07"), row  # line, as the window says it
    card = cli("run", "show", str(run))
    _no_raw_controls(card.out)
    assert "       error: boom\t\\x1b]0;PWNED\\x07\n              next\tline\n" in card.out
    assert cli("run", "list", "--json").json()[0]["error"] == error


def test_a_crontab_preview_and_an_error_show_controls_escaped(tmp_path: Path, cli: Any) -> None:
    crontab = tmp_path / "crontab"
    crontab.write_text("0 1 * * * echo \x1b[31mred\n")
    preview = cli("import", "--crontab", str(crontab), "--dry-run")
    assert preview.code == 0, preview.err
    _no_raw_controls(preview.out)
    assert "echo \\x1b[31mred" in preview.out
    refused = cli("task", "add", "f", "--command", "true", "--manual", "--cwd", "x\x1b[2J")
    assert refused.code == 2
    _no_raw_controls(refused.err)
    assert "x\\x1b[2J" in refused.err and len(refused.err.splitlines()) == 1


def test_paths_with_controls_are_shown_escaped_in_what_each_command_says(tmp_path: Path
                                                                         ) -> None:
    """README: "a file's or a home's path may be any bytes", and controls are shown, never
    obeyed, in every message. An error naming such a path showed it escaped, while the line
    saying it worked printed it raw: `check`, `backup FILE`, `export FILE`, `restore FILE`,
    `import --crontab FILE`'s preview and import, `settings --start-at-login on`."""
    import os

    from tests.support import tickwork

    odd = "\x1b[31mred"
    home, folder = tmp_path / f"home{odd}", tmp_path / f"files{odd}"
    folder.mkdir()
    (folder / "crontab").write_text("0 1 * * * true\n")
    env = {**os.environ, "XDG_CONFIG_HOME": str(folder / "config")}
    said = []
    assert tickwork.run(["--home", str(home), "task", "add", "t", "--command", "true"],
                        env=env, timeout=60).returncode == 0
    for args in (["check"], ["backup", f"{folder}/b.db"], ["export", f"{folder}/e.json"],
                 ["import", "--crontab", f"{folder}/crontab", "--dry-run"],
                 ["import", "--crontab", f"{folder}/crontab"], ["restore", f"{folder}/b.db"],
                 ["settings", "--start-at-login", "on"], ["settings", "--start-at-login", "off"]):
        proc = tickwork.run(["--home", str(home), *args], env=env, timeout=60)
        assert proc.returncode == 0, (args, proc.stderr)
        _no_raw_controls(proc.stdout + proc.stderr)
        said.append(proc.stdout)
    assert all("\\x1b[31mred" in out for out in said), said
