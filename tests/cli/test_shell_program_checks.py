"""A shell command's first program is checked as a command's is (a newcomer's run-through:
`task add t --shell --command 'nosuchprog --x'` was stored silently, and a crontab importing
`rsync` on a machine without it previewed clean): refused with the same words and the same
`--no-verify` escape, where the program can be told without the shell; builtins, keywords,
assignments, `$VAR` and what follows the first program are the shell's to read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_task_checks import refused


@pytest.mark.parametrize(("line", "reason"), [
    ("nosuchprog-tw --x", "program 'nosuchprog-tw' is not on PATH"),
    ("nosuchprog-tw -a src dst && echo done", "program 'nosuchprog-tw' is not on PATH"),
    ("LANG=C A='x y' nosuchprog-tw >log 2>&1", "program 'nosuchprog-tw' is not on PATH"),
    ("exec nosuchprog-tw", "program 'nosuchprog-tw' is not on PATH"),
    ("nohup nosuchprog-tw &", "program 'nosuchprog-tw' is not on PATH"),
    ("./missing-tw.sh | sort", "no such program: ./missing-tw.sh"),
])
def test_a_shell_line_whose_first_program_is_not_here_is_refused_unless_no_verify(
        cli: Any, line: str, reason: str) -> None:
    refused(cli("task", "add", "t", "--shell", "--command", line), "command:", reason,
            "--no-verify")
    assert cli("task", "list", "--json").json() == []
    stored = cli("task", "add", "t", "--shell", "--command", line, "--no-verify")
    assert stored.code == 0, stored.err
    assert cli("task", "show", "t", "--json").json()["action"]["argv"] == [line]


@pytest.mark.parametrize("line", [
    "cd DIR && ./run.sh",
    "echo hi; nosuchprog-tw",  # only the first program is looked at
    "true | nosuchprog-tw",
    "sort < /dev/null | nosuchprog-tw",
    "A=1 B=2 ./run.sh --x",
    "$TOOL_TW --x",
    "export X=1; nosuchprog-tw",
    "if nosuchprog-tw; then :; fi",
    "for f in *; do nosuchprog-tw; done",
    ". ./env.sh && nosuchprog-tw",
    "[ -x /bin/sh ] && nosuchprog-tw",
    "{ nosuchprog-tw; } 2>&1",
    "(nosuchprog-tw)",
    "f() { nosuchprog-tw; }; f",
    "PATH=/opt/tw/bin nosuchprog-tw",
    "command -v nosuchprog-tw || true",
    "`echo nosuchprog-tw` --x",
    "2>/dev/null nosuchprog-tw",
    "# a comment only",
])
def test_what_only_the_shell_can_tell_is_left_to_it(cli: Any, tmp_path: Path,
                                                    line: str) -> None:
    folder = tmp_path / "job"
    folder.mkdir()
    script = folder / "run.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    line = line.replace("DIR", str(folder))
    added = cli("task", "add", "t", "--shell", "--command", line, "--cwd", str(folder))
    assert added.code == 0, added.err


def test_a_relative_program_counts_from_the_working_folder_and_home_from_tilde(
        cli: Any, tmp_path: Path) -> None:
    refused(cli("task", "add", "t", "--shell", "--command", "./x.sh >> log 2>&1", "--cwd",
                str(tmp_path)), "command:", "no such program: ./x.sh")
    (tmp_path / "x.sh").write_text("#!/bin/sh\nexit 0\n")
    refused(cli("task", "add", "t", "--shell", "--command", "./x.sh >> log 2>&1", "--cwd",
                str(tmp_path)), "command:", "./x.sh is not executable")
    (tmp_path / "x.sh").chmod(0o755)
    assert cli("task", "add", "t", "--shell", "--command", "./x.sh >> log 2>&1", "--cwd",
               str(tmp_path)).code == 0
    refused(cli("task", "add", "u", "--shell", "--command", "~/tw-no-such-dir/job.sh"),
            "command:", "no such program: ", "/tw-no-such-dir/job.sh")


def test_update_checks_a_changed_shell_line(cli: Any) -> None:
    assert cli("task", "add", "t", "--shell", "--command", "true | sort").code == 0
    refused(cli("task", "update", "t", "--command", "nosuchprog-tw | sort"), "command:",
            "program 'nosuchprog-tw' is not on PATH")
    assert cli("task", "show", "t", "--json").json()["action"]["argv"] == ["true | sort"]


def test_a_crontab_preview_names_the_line_whose_program_is_not_here(cli: Any) -> None:
    crontab = ("PATH=/usr/bin:/bin\n"
               "0 2 * * * nosuchsync-tw -a ~/notes /mnt/backup/ >> /tmp/b.log 2>&1\n"
               "*/5 * * * * cd /tmp && ls | sort\n"
               "0 3 * * * /bin/true && nosuchsync-tw\n")
    preview = cli("import", "--crontab", "-", "--dry-run", stdin=crontab)
    assert preview.code == 2, preview
    assert "would be refused" not in preview.out, preview.out  # (a note: on stderr)
    assert preview.err == (
        "would be refused: line 2: command: program 'nosuchsync-tw' is not on PATH\n"
        "nothing was imported (--dry-run)\n"
        "tickwork: error: the import would be refused: line 2: command: program "
        "'nosuchsync-tw' is not on PATH; --no-verify stores it anyway\n"), preview.err
    refused(cli("import", "--crontab", "-", stdin=crontab), "line 2: command:",
            "'nosuchsync-tw' is not on PATH")
    assert cli("task", "list", "--json").json() == []
    fine = cli("import", "--crontab", "-", "--no-verify", stdin=crontab)
    assert fine.code == 0, fine.err
    assert len(cli("task", "list", "--json").json()) == 3


def test_a_line_for_a_shell_that_is_not_sh_is_not_looked_into(cli: Any) -> None:
    crontab = "SHELL=/bin/sh\n0 2 * * * nosuchsync-tw\n"
    assert cli("import", "--crontab", "-", "--dry-run", stdin=crontab).code == 2
    python = "SHELL=/usr/bin/python3\n0 2 * * * print('hi')\n"  # (not sh's words at all)
    preview = cli("import", "--crontab", "-", "--dry-run", stdin=python)
    assert preview.code == 0, preview
