"""The autostart entry and the engine's user unit as text: the right executable (a bundle's
own, or this Python running app.cli), quoting that survives spaces, `%` and `$`, and only
Tickwork's own files ever removed; read without waiting on a fifo, and a failed write leaves
no temp file."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.platform import autostart, config_files, service_unit


def test_a_bundle_starts_its_own_executable_quoted_and_escaped(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "HOME": str(tmp_path)}
    home = tmp_path / "my data 100%"
    path = autostart.enable(home, env, argv=["/opt/tick work/tickwork"])
    assert path == tmp_path / "cfg" / "autostart" / "tickwork.desktop"
    exec_line = next(x for x in path.read_text().splitlines() if x.startswith("Exec="))
    assert exec_line == f'Exec="/opt/tick work/tickwork" --home "{tmp_path}/my data 100%%" ' \
                       "--minimized"
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(path)], capture_output=True,
                               text=True)
        assert check.returncode == 0, check.stdout
    assert autostart.is_enabled(env)
    assert autostart.disable(env) and not path.exists() and not autostart.is_enabled(env)


def test_the_config_folder_defaults_to_home_dot_config(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": "relative/is/ignored"}
    assert autostart.entry_path(env) == tmp_path / ".config" / "autostart" / "tickwork.desktop"
    assert service_unit.unit_path(env) == (tmp_path / ".config" / "systemd" / "user" /
                                           "tickwork-engine.service")


def test_an_entry_the_user_wrote_is_not_removed(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = autostart.entry_path(env)
    path.parent.mkdir(parents=True)
    path.write_text("[Desktop Entry]\nType=Application\nName=Mine\nExec=tickwork\n")
    assert not autostart.is_enabled(env)
    assert not autostart.disable(env) and path.exists()


def test_the_unit_escapes_specifiers_and_variables(tmp_path: Path) -> None:
    text = service_unit.unit_text(Path("/data/$HOME 50%"), argv=["/opt/tickwork/tickwork"])
    start = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    assert start == 'ExecStart=/opt/tickwork/tickwork --home "/data/$$HOME 50%%" engine'
    assert service_unit.MARK in text.splitlines()


def test_a_write_that_fails_leaves_no_temp_file(tmp_path: Path) -> None:
    """A folder where the file goes: the rename fails after the temp file was written,
    which stayed behind (`.tickwork.desktop.tmp`, a fault hunt)."""
    (tmp_path / "tickwork.desktop").mkdir()
    with pytest.raises(IsADirectoryError):
        config_files.replace(tmp_path / "tickwork.desktop", "[Desktop Entry]\n")
    assert [p.name for p in tmp_path.iterdir()] == ["tickwork.desktop"]


def test_a_fifo_is_read_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "tickwork.desktop"
    os.mkfifo(fifo)
    with pytest.raises(config_files.NotAFile, match=r"^a fifo \(named pipe\)$"):
        config_files.read(fifo)
    assert config_files.read(tmp_path / "missing") is None
