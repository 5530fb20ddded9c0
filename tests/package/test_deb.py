"""The .deb: its control fields and file list, the bundle inside it running from where dpkg
puts it, the desktop entry and AppStream metainfo validated with their own tools, the icons
at their sizes; and, as root on a system without Tickwork installed, a real `dpkg -i`,
`tickwork --version` through /usr/bin, and `dpkg -r` leaving nothing behind."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from app import __version__
from tests.package.conftest import needs_bundle, run

pytestmark = needs_bundle

SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
METAINFO = "usr/share/metainfo/io.github.tickwork.Tickwork.metainfo.xml"


@pytest.fixture(scope="module")
def unpacked(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deb-root")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True, timeout=300)
    return root


def field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_control_names_the_package_and_the_window_s_libraries(deb: Path) -> None:
    assert field(deb, "Package") == "tickwork"
    assert field(deb, "Version") == __version__
    depends = field(deb, "Depends")
    for lib in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0"):
        assert lib in depends


def test_the_files_are_where_a_desktop_looks(unpacked: Path) -> None:
    assert os.access(unpacked / "opt/tickwork/tickwork", os.X_OK)
    wrapper = unpacked / "usr/bin/tickwork"
    assert os.access(wrapper, os.X_OK) and "/opt/tickwork/tickwork" in wrapper.read_text()
    assert (unpacked / "usr/share/applications/tickwork.desktop").is_file()
    assert (unpacked / METAINFO).is_file()
    assert (unpacked / "usr/share/icons/hicolor/scalable/apps/tickwork.svg").is_file()
    unit = (unpacked / "usr/lib/systemd/user/tickwork-engine.service").read_text()
    assert "ExecStart=/usr/bin/tickwork engine" in unit
    # what the installed unit says to do works where it is: no source tree's script
    assert "systemctl --user enable --now tickwork-engine" in unit and "packaging/" not in unit
    for size in SIZES:
        png = (unpacked / f"usr/share/icons/hicolor/{size}x{size}/apps/tickwork.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (size, size)


def test_copyright_names_every_bundled_part_and_its_license(unpacked: Path) -> None:
    """Debian asks every package for /usr/share/doc/PACKAGE/copyright; a bundle that carries
    Qt (LGPL) and a hundred libraries says whose each one is and under which terms."""
    docs = unpacked / "usr/share/doc/tickwork"
    text = (docs / "copyright").read_text()
    assert "The Tickwork developers" in text and "MIT" in text
    assert (docs / "licenses/tickwork/LICENSE").read_text().startswith("MIT License")
    internal = unpacked / "opt/tickwork/_internal"
    lines = text.splitlines()
    for info in internal.glob("*.dist-info"):  # each distribution whose metadata came along
        name = info.name.split("-")[0].replace("_", "-").lower()
        assert any(line.strip().lower().replace("_", "-").startswith(name + " ")
                   for line in lines), info.name
    libraries = [p for p in internal.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    assert len(libraries) > 100
    for path in libraries:  # each said whose it is, and none unknown
        where = str(path.relative_to(internal))
        line = next((x for x in lines if x.startswith(f"  {where}: ")), "")
        assert line and "origin not found" not in line, where
    for folder in (docs / "licenses").iterdir():
        assert any(folder.iterdir()), folder


def test_the_unpacked_bundle_runs(unpacked: Path, user: dict[str, str], tmp_path: Path) -> None:
    result = run([str(unpacked / "opt/tickwork/tickwork"), "--version"], user, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"tickwork {__version__}"


def test_desktop_entry_and_metainfo_validate(unpacked: Path) -> None:
    missing = [t for t in ("desktop-file-validate", "appstreamcli") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (desktop-file-utils, appstream)")
    desktop = subprocess.run(["desktop-file-validate",
                              str(unpacked / "usr/share/applications/tickwork.desktop")],
                             capture_output=True, text=True, timeout=60)
    assert desktop.returncode == 0, desktop.stdout + desktop.stderr
    assert "error" not in desktop.stdout
    meta = subprocess.run(["appstreamcli", "validate", "--no-net", str(unpacked / METAINFO)],
                          capture_output=True, text=True, timeout=60)
    assert meta.returncode == 0, meta.stdout + meta.stderr


def installed(name: str) -> bool:
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], capture_output=True,
                            text=True)
    return "installed" in status.stdout and "not-installed" not in status.stdout


def test_dpkg_installs_runs_and_removes_it(deb: Path, user: dict[str, str],
                                           tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("dpkg") is None:
        pytest.skip("a real dpkg -i needs root and dpkg")
    if installed("tickwork") or Path("/usr/bin/tickwork").exists() \
            or Path("/opt/tickwork").exists():
        pytest.skip("Tickwork is already installed on this system: not touching it")
    try:
        done = run(["dpkg", "-i", str(deb)], {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                   tmp_path, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        listed = run(["dpkg", "-L", "tickwork"], {"PATH": "/usr/bin:/bin"}, tmp_path).stdout
        assert "/usr/bin/tickwork" in listed and "/opt/tickwork/tickwork" in listed
        version = run(["tickwork", "--version"], user, tmp_path)
        assert version.returncode == 0, version.stderr
        assert version.stdout.strip() == f"tickwork {__version__}"
        added = run(["tickwork", "task", "add", "t", "--command", "true", "--manual"], user,
                    tmp_path)
        assert added.returncode == 0, added.stderr
    finally:
        removed = run(["dpkg", "-r", "tickwork"], {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                      tmp_path, timeout=600)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not Path("/usr/bin/tickwork").exists()
    assert not Path("/opt/tickwork").exists()
