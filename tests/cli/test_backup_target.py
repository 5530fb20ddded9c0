"""`tickwork backup FILE` writes a new file and nothing else: a link at FILE — one planted in
/tmp by someone else pointing where they like, or one's own — is refused as a file that
exists, as an export refuses a link it may not follow. It was followed: a link to a name
that did not exist yet got the whole store (its tasks' variables too) written there."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_transfer import ok, tickwork


def test_a_backup_is_never_written_through_a_link(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "t", "--command", "true", "--env", "PASSWORD=hunter2")
    planted = tmp_path / "elsewhere" / "theirs.db"
    planted.parent.mkdir()
    link = tmp_path / "backup.db"
    link.symlink_to(planted)  # dangling: the name it points to is not there yet
    result = tickwork(home, "backup", str(link))
    assert result.code == 2
    assert result.err == (f"tickwork: error: file: {link} already exists (a link to "
                          f"{planted}); name a new file\n")
    assert not planted.exists() and sorted(planted.parent.iterdir()) == []
    assert link.is_symlink()
    made = ok(home, "backup", str(tmp_path / "fresh.db"))
    assert made.out.endswith(f" to {tmp_path / 'fresh.db'}\n")
