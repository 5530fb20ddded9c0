"""The .deb's copyright file (packaging/linux/licenses.py), written from a PyInstaller work
folder whose lists name real files of this machine: each file said whose it is — a Python
distribution by its RECORD, Tickwork, the interpreter, or the Debian package that installed
that very path — and each distribution named with its license and its texts copied. (The
real .deb's file is checked against the real bundle in test_deb.py.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "packaging" / "linux"))
import licenses


def system_library(name: str) -> str:
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():  # "\tlibz.so.1 (libc6,x86-64) => /lib/…/libz.so.1"
        if line.split(" ", 1)[0].strip() == name and "=> " in line:
            return line.rpartition("=> ")[2].strip()
    raise AssertionError(f"{name} not in ldconfig's cache")


def work_folder(tmp_path: Path, files: list[tuple[str, str, str]],
                modules: list[tuple[str, str, str]]) -> Path:
    """A PyInstaller work folder whose lists hold these (in the bundle, source, kind)."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "COLLECT-00.toc").write_text(repr((files,)))
    (work / "PYZ-00.toc").write_text(repr((str(work / "PYZ-00.pyz"), modules)))
    return work


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg: Debian systems only")
def test_each_file_is_said_whose_it_is_and_each_owner_s_license_named(tmp_path: Path) -> None:
    import apscheduler
    import PySide6

    qt = str(Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Core.so.6")
    zlib = system_library("libz.so.1")
    stray = tmp_path / "libstray.so.1"  # a file no package installed
    stray.write_bytes(b"\x7fELF")
    libpython = Path(str(sysconfig.get_config_var("LIBDIR")),
                     str(sysconfig.get_config_var("INSTSONAME")))
    files = [("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
             ("PySide6/Qt/lib/libQt6Core.so.6", qt, "BINARY"),
             ("libz.so.1", zlib, "BINARY"), ("libstray.so.1", str(stray), "BINARY"),
             ("app/gui/window/user-guide.md", str(ROOT / "app/gui/window/user-guide.md"),
              "DATA")]
    if libpython.is_file():
        files.append((libpython.name, str(libpython), "BINARY"))
    modules = [("apscheduler", apscheduler.__file__, "PYMODULE"),
               ("json", sys.modules["json"].__file__, "PYMODULE")]
    docs = tmp_path / "doc"
    docs.mkdir()
    text = licenses.write(docs, work_folder(tmp_path, files, modules)).read_text()
    lines = text.splitlines()
    assert "  PySide6/Qt/lib/libQt6Core.so.6: PySide6_Essentials" in lines
    assert "  libz.so.1: Debian package zlib1g" in lines  # by the path dpkg installed
    assert (docs / "licenses/debian/zlib1g/copyright").is_file()
    assert "  libstray.so.1: origin not found on the build system" in lines
    assert not any(line.startswith("  libQt6Core.so.6:") for line in lines)  # (a link)
    if libpython.is_file():
        assert f"  {libpython.name}: Python" in lines
    named = {line.split(":")[0].strip() for line in lines if line.startswith("  ")}
    assert "tickwork 0.1.0" in named and any(n.startswith("APScheduler ") for n in named)
    assert any(n.startswith("Python 3.") for n in named)
    assert not any(n.startswith(("pytest ", "mypy ", "keyring ")) for n in named)  # not in it
    assert (docs / "licenses/tickwork/LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    # Qt for Python ships no text of its own: Debian's copies are named
    qt_line = next(line for line in lines if line.startswith("  PySide6_Essentials "))
    assert "LGPL-3.0-only" in qt_line and "/usr/share/common-licenses/LGPL-3" in qt_line
    assert Path("/usr/share/common-licenses/LGPL-3").is_file()


def test_a_distribution_naming_no_license_is_said_by_its_license_file(tmp_path: Path) -> None:
    """peewee's metadata names no license; its LICENSE file goes along and is pointed at."""
    import peewee

    docs = tmp_path / "doc"
    docs.mkdir()
    work = work_folder(tmp_path, [], [("peewee", peewee.__file__, "PYMODULE")])
    text = licenses.write(docs, work).read_text()
    line = next(x for x in text.splitlines() if x.startswith("  peewee "))
    assert line.endswith(": as its LICENSE says"), line
    assert (docs / "licenses/peewee/LICENSE").is_file()


def test_no_build_to_read_is_said_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="build the bundle first"):
        licenses.write(tmp_path, tmp_path / "no-work")
