"""An export never goes over the data home's own files: `tickwork export HOME/tickwork.db`
put the JSON in place of the store, and every task and run was gone."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_transfer import ok, tickwork


def test_an_export_over_the_homes_store_a_backup_or_its_lock_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "keep", "--command", "true", "--every", "5m")
    ok(home, "backup")
    backup = next((home / "backups").iterdir())
    store = home / "tickwork.db"
    link = tmp_path / "tasks.json"
    link.symlink_to(store)  # a link of the user's own is written through: to the store here
    before = store.read_bytes(), backup.read_bytes()
    for target in (store, backup, home / "engine.lock", link):
        result = tickwork(home, "export", str(target))
        assert result.code == 2, (target, result.err)
        assert result.err == (f"tickwork: error: file: {store if target == link else target} "
                              "is one of the data home's own files (its store, backups or "
                              "checkpoints): an export never replaces it; name another "
                              "file\n")
    assert (store.read_bytes(), backup.read_bytes()) == before
    assert not (home / "engine.lock").exists() or (home / "engine.lock").read_text() == ""
    assert [t["name"] for t in ok(home, "task", "list", "--json").json()] == ["keep"]
    # an export of the user's own kept in the home is theirs to write again
    for _ in range(2):
        ok(home, "export", str(home / "tasks.json"))
    assert '"keep"' in (home / "tasks.json").read_text()


def test_an_export_replaces_a_file_already_there_as_readme_says(tmp_path: Path) -> None:
    """`export FILE` replaces a file already there (`backup FILE` refuses one): the second
    export is the whole of the home as it is then, read back by an import."""
    home, target = tmp_path / "home", tmp_path / "tasks.json"
    ok(home, "task", "add", "first", "--command", "true", "--every", "5m")
    ok(home, "export", str(target))
    ok(home, "task", "add", "second", "--command", "true", "--every", "5m")
    ok(home, "export", str(target))
    other = tmp_path / "other"
    ok(other, "import", str(target))
    assert sorted(t["name"] for t in ok(other, "task", "list", "--json").json()) == [
        "first", "second"]
