"""The .deb's copyright file (packaging/linux/licenses.py), written for a small bundle of real
files: each component Tickwork needs at run time named with its license and its texts
copied, and each shared library said where it came from only when it is that very file.
(The real .deb's file is checked against the real bundle in test_deb.py.)"""

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


def system_library(name: str) -> Path | None:
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():  # "\tlibz.so.1 (libc6,x86-64) => /lib/…/libz.so.1"
        if line.split(" ", 1)[0].strip() == name and "=> " in line:
            return Path(line.rpartition("=> ")[2].strip())
    return None


def test_every_runtime_component_is_named_with_its_license(tmp_path: Path) -> None:
    bundle = tmp_path / "tickwork"
    (bundle / "_internal").mkdir(parents=True)
    docs = tmp_path / "doc"
    docs.mkdir()
    text = licenses.write(bundle, docs).read_text()
    listed = {line.split(":")[0].strip() for line in text.splitlines() if line.startswith("  ")}
    for name in ("tickwork 0.1.0", "APScheduler", "peewee", "keyring", "psutil"):
        assert any(item.startswith(name) for item in listed), name
    # an extra Tickwork asks for (psycopg[binary]) brings its wheel; a dev tool does not come
    assert any(item.startswith("psycopg-binary ") for item in listed)
    assert not any(item.startswith(("pytest ", "mypy ", "ruff ")) for item in listed)
    assert (docs / "licenses/tickwork/LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    # Qt for Python ships no text of its own: Debian's copies are named
    qt = next(line for line in text.splitlines() if line.startswith("  PySide6"))
    assert "LGPL-3.0-only" in qt and "/usr/share/common-licenses/LGPL-3" in qt
    assert Path("/usr/share/common-licenses/LGPL-3").is_file()
    # peewee names no license in its metadata: its LICENSE file is copied and pointed at
    assert "peewee" in next(line for line in text.splitlines() if "peewee" in line)
    assert any((docs / "licenses/peewee").iterdir())
    for line in text.splitlines():  # no component left without a license said
        if line.startswith("  ") and ": " in line and ".so" not in line:
            assert line.split(": ", 1)[1].strip(), line


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg: Debian systems only")
def test_a_library_is_attributed_only_when_it_is_that_very_file(tmp_path: Path) -> None:
    bundle = tmp_path / "tickwork"
    top = bundle / "_internal"
    top.mkdir(parents=True)
    zlib = system_library("libz.so.1")
    assert zlib is not None and zlib.is_file()
    shutil.copyfile(zlib, top / "libz.so.1")
    (top / "libbz2.so.1.0").write_bytes(b"not Debian's libbz2")  # same name, other bytes
    qt = Path(__import__("PySide6").__file__).parent / "Qt" / "lib" / "libQt6Core.so.6"
    shutil.copyfile(qt, top / "libQt6Core.so.6")
    own = Path(str(sysconfig.get_config_var("LIBDIR"))) / "libpython3.11.so.1.0"
    if own.is_file():
        shutil.copyfile(own, top / own.name)
    docs = tmp_path / "doc"
    docs.mkdir()
    text = licenses.write(bundle, docs).read_text()
    assert "  libz.so.1: Debian package zlib1g" in text
    assert (docs / "licenses/debian/zlib1g/copyright").is_file()
    assert "  libbz2.so.1.0: origin not found on the build system" in text
    assert "  libQt6Core.so.6: carried by the PySide6" in text
    if own.is_file():
        assert f"  {own.name}: the Python interpreter's own" in text
