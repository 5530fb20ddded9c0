"""Build the .deb from the PyInstaller bundle: `python packaging/linux/build_deb.py BUNDLE OUT`.

Lays out /opt/tickwork (the bundle), /usr/bin/tickwork (a two-line wrapper that execs it),
the desktop entry, hicolor icons 16…512 px plus the scalable SVG (rendered here with Qt), the
AppStream metainfo, the engine's systemd user unit and /usr/share/doc/tickwork/copyright with
every bundled component's license (licenses.py), then runs `dpkg-deb --build`.
Depends lists the packages of the system libraries Qt's xcb window needs, read from the
plugin's ELF files by the first-start check's code, so apt brings what a bare system lacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "packaging"))

from app import __version__  # noqa: E402
from app.platform.display import debian_packages, xcb_plugin  # noqa: E402
from render_icons import render  # noqa: E402

sys.path.insert(0, str(ROOT / "packaging" / "linux"))
import licenses  # noqa: E402

METAINFO = "io.github.tickwork.Tickwork.metainfo.xml"
WRAPPER = '#!/bin/sh\n# Tickwork is installed in /opt/tickwork (a self-contained bundle).\n' \
          'exec /opt/tickwork/tickwork "$@"\n'


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()


def stage(bundle: Path, staging: Path) -> None:
    shutil.copytree(bundle, staging / "opt" / "tickwork", symlinks=True)
    wrapper = staging / "usr" / "bin" / "tickwork"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(WRAPPER)
    wrapper.chmod(0o755)
    share = staging / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copyfile(ROOT / "resources" / "tickwork.desktop", share / "applications" /
                    "tickwork.desktop")
    render(share / "icons")
    (share / "metainfo").mkdir()
    shutil.copyfile(ROOT / "packaging" / "linux" / "tickwork.metainfo.xml",
                    share / "metainfo" / METAINFO)
    unit = (ROOT / "packaging" / "systemd" / "tickwork-engine.service").read_text()
    unit = unit.replace("%h/.local/bin/tickwork", "/usr/bin/tickwork")
    (staging / "usr" / "lib" / "systemd" / "user").mkdir(parents=True)
    (staging / "usr" / "lib" / "systemd" / "user" / "tickwork-engine.service").write_text(unit)
    docs = share / "doc" / "tickwork"
    docs.mkdir(parents=True)
    shutil.copyfile(ROOT / "README.md", docs / "README.md")
    licenses.write(docs)  # what /opt/tickwork is made of (the build's own lists): licenses


def control(staging: Path, arch: str) -> str:
    size_kb = sum(p.lstat().st_size for p in staging.rglob("*")
                  if p.is_file() and not p.is_symlink()) // 1024
    plugin = xcb_plugin({})
    if plugin is None:
        raise SystemExit("build_deb: PySide6's xcb plugin not found: is PySide6 installed?")
    depends = ", ".join(["libc6 (>= 2.28)", *debian_packages(plugin)])
    return (f"Package: tickwork\nVersion: {__version__}\nArchitecture: {arch}\n"
            "Maintainer: The Tickwork developers <tickwork@localhost>\n"
            f"Installed-Size: {size_kb}\nDepends: {depends}\n"
            "Section: utils\nPriority: optional\n"
            "Description: desktop task scheduler you can trust\n"
            " Tickwork runs your commands and Python functions on cron expressions,\n"
            " intervals and calendar rules, records every run with its output, and\n"
            " keeps working headless (tickwork engine) when the window is closed.\n")


def build(bundle: Path, out: Path) -> Path:
    arch = architecture()
    staging = out / "deb-root"
    if staging.exists():
        shutil.rmtree(staging)
    stage(bundle, staging)
    (staging / "DEBIAN").mkdir()
    (staging / "DEBIAN" / "control").write_text(control(staging, arch))
    target = out / f"tickwork_{__version__}_{arch}.deb"
    compress = os.environ.get("DEB_COMPRESSION", "xz")  # gzip builds faster, xz is smaller
    subprocess.run(["dpkg-deb", f"-Z{compress}", "--root-owner-group", "--build", str(staging),
                    str(target)],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(staging)
    return target


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(build(Path(sys.argv[1]), Path(sys.argv[2])))
