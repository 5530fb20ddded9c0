"""The .deb's /usr/share/doc/tickwork/copyright and licenses/: what the bundle in /opt/tickwork
is made of, and under which terms.

Read from the PyInstaller build itself (its work folder's COLLECT-00.toc, every file the
bundle holds with the file it was copied from, and PYZ-00.toc, every module in its archive
with its source): each source is owned by an installed distribution (its RECORD lists it),
by Tickwork (the source tree), by the Python interpreter (its standard library and its own
library), by PyInstaller (the executable: its bootloader), or by the build system's Debian
package (`dpkg -S` of the very path copied, whose own copyright file is copied too); one
owned by none is listed as such. Each distribution is named with its version, its declared
license and its license files copied beside. A distribution that declares no license and
ships no text, with none Debian keeps in /usr/share/common-licenses, stops the build: a
package must not ship terms it cannot name."""

from __future__ import annotations

import ast
import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "pyinstaller" / "tickwork"  # packaging/build.sh's --workpath
# SPDX ids whose text Debian keeps in every system's base-files
SPDX_COMMON = {"LGPL-3.0-only": "LGPL-3", "LGPL-3.0-or-later": "LGPL-3", "GPL-2.0-only": "GPL-2",
               "GPL-2.0-or-later": "GPL-2", "GPL-3.0-only": "GPL-3", "GPL-3.0-or-later": "GPL-3",
               "Apache-2.0": "Apache-2.0", "MPL-2.0": "MPL-2.0"}
TEXT_NAME = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)
PYTHON = "Python"
BOOTLOADER = "PyInstaller bootloader"
UNKNOWN = "origin not found on the build system"


@dataclass
class Component:
    name: str
    version: str
    license: str
    texts: list[Path] = field(default_factory=list)  # files to copy
    common: list[str] = field(default_factory=list)  # names in /usr/share/common-licenses


def key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(dist: md.Distribution) -> str | None:
    """A distribution's license: its SPDX expression, else its License field when that is a
    name (not a whole text), else its classifiers' names; None when it names none."""
    meta = dist.metadata  # (get_all: a field missing is None, not KeyError as some raise)
    expression = (meta.get_all("License-Expression") or [""])[0]
    if expression:
        return str(expression)
    text = str((meta.get_all("License") or [""])[0]).strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    names = [c.rpartition("::")[2].strip() for c in meta.get_all("Classifier") or []
             if c.startswith("License ::")]
    return " OR ".join(names) if names else None


def component(dist: md.Distribution) -> Component:
    name = str(dist.metadata["Name"])
    found = Component(name, dist.version, declared(dist) or "")
    if key(name) == "tickwork":
        found.texts = [ROOT / "LICENSE"]
        return found
    found.texts = [Path(str(dist.locate_file(f))) for f in dist.files or []
                   if TEXT_NAME.search(f.name) and ".dist-info" in str(f)]
    if not found.license:  # (peewee's metadata names none; its LICENSE file does)
        if not found.texts:
            raise SystemExit(f"licenses: {name} {dist.version} names no license and ships "
                             "no license text")
        found.license = f"as its {', '.join(t.name for t in found.texts)} says"
    if not found.texts:
        found.common = sorted({SPDX_COMMON[i] for i in re.split(r"\s+(?:OR|AND)\s+",
                                                               found.license)
                               if i in SPDX_COMMON})
        if not found.common:
            raise SystemExit(f"licenses: {name} {dist.version} ({found.license}) ships no "
                             "license text and Debian keeps none by that name")
    return found


def interpreter() -> Component:
    text = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    return Component(PYTHON, sys.version.split()[0], "PSF-2.0",
                     [text] if text.is_file() else [], [] if text.is_file() else ["GPL-2"])


def bootloader() -> Component:
    try:
        found = component(md.distribution("pyinstaller"))
    except md.PackageNotFoundError:
        found = Component("pyinstaller", "", "", [], ["GPL-2"])
    found.name = f"{BOOTLOADER} (the executable /opt/tickwork/tickwork)"
    found.license = "GPL-2.0-or-later WITH Bootloader-exception"
    return found


def built(work: Path) -> list[tuple[str, str, str]]:
    """(where in the bundle, copied from, PyInstaller's kind) of every file and archived
    module of the build in `work`; a link within the bundle is no file of its own."""
    found: list[tuple[str, str, str]] = []
    for toc in ("COLLECT-00.toc", "PYZ-00.toc"):
        try:
            data = ast.literal_eval((work / toc).read_text())
        except OSError as exc:
            raise SystemExit(f"licenses: {work / toc}: {exc.strerror}: build the bundle "
                             "first (packaging/build.sh)") from exc
        entries = data[0] if toc.startswith("COLLECT") else data[1]
        found += [(str(dest), str(src), str(kind)) for dest, src, kind in entries
                  if src and kind != "SYMLINK"]
    return found


def owners(sources: set[str], work: Path) -> dict[str, str]:
    """Each source file's owner: a distribution's name, PYTHON, BOOTLOADER, "tickwork",
    "Debian package NAME" or UNKNOWN."""
    by_path: dict[str, str] = {}
    for dist in md.distributions():
        name = str(dist.metadata["Name"])
        by_path.update(dict.fromkeys(
            (os.path.realpath(str(dist.locate_file(f))) for f in dist.files or []), name))
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"]) + os.sep
    libpython = os.path.realpath(os.path.join(str(sysconfig.get_config_var("LIBDIR")),
                                              str(sysconfig.get_config_var("INSTSONAME"))))
    owner: dict[str, str] = {}
    for source in sources:
        real = os.path.realpath(source)
        if real in by_path:
            owner[source] = by_path[real]
        elif real.startswith(str(ROOT / "app") + os.sep):
            owner[source] = "tickwork"
        elif real == str(work / "tickwork"):
            owner[source] = BOOTLOADER
        elif real.startswith(stdlib) or real == libpython or \
                real.startswith(str(work) + os.sep):
            owner[source] = PYTHON  # (the build's base_library.zip: the standard library)
    # the rest by the path dpkg installed: /lib and /usr/lib are one folder on a merged /usr
    asked = {alias: s for s in sources if s not in owner
             for alias in (s, re.sub(r"^/usr/lib/", "/lib/", s), re.sub(r"^/lib/", "/usr/lib/", s))}
    if asked and shutil.which("dpkg"):
        done = subprocess.run(["dpkg", "-S", *sorted(asked)], capture_output=True, text=True,
                              check=False)
        for line in done.stdout.splitlines():  # "libx11-6:amd64: /usr/lib/…/libX11.so.6"
            packages, _, path = line.partition(": ")
            source = asked.get(path.strip(), "")
            if source and source not in owner:
                owner[source] = f"Debian package {packages.split(',')[0].split(':')[0]}"
    return {s: owner.get(s, UNKNOWN) for s in sources}


def write(docs: Path, work: Path = WORK) -> Path:
    """Write docs/copyright and docs/licenses/ for the build in `work`; the copyright file."""
    files = built(work)
    owner = owners({src for _, src, _ in files}, work)
    names = sorted({o for o in owner.values()  # (PyInstaller's own modules: the bootloader's)
                    if o not in (PYTHON, BOOTLOADER, UNKNOWN, "pyinstaller")
                    and not o.startswith("Debian package ")}, key=key)
    if "tickwork" not in names:
        names.insert(0, "tickwork")
    parts = [interpreter(), bootloader(), *(component(md.distribution(n)) for n in names)]
    licenses = docs / "licenses"
    lines = ["Tickwork — a desktop task scheduler",
             "Copyright (c) 2026 The Tickwork developers.",
             "License: MIT (licenses/tickwork/LICENSE).",
             "",
             "/opt/tickwork is a self-contained bundle: Tickwork, the Python interpreter, the",
             "Python distributions below and the shared libraries they load. Each one's",
             "license texts are in /usr/share/doc/tickwork/licenses/<name>/ (or, where named,",
             "in /usr/share/common-licenses/).",
             "",
             "Components (name, version, license):"]
    for part in parts:
        folder = licenses / key(part.name.split(" (")[0])
        if part.texts:
            folder.mkdir(parents=True, exist_ok=True)
        for text in part.texts:
            shutil.copyfile(text, folder / text.name)
        where = "".join(f"; /usr/share/common-licenses/{c}" for c in part.common)
        version = f" {part.version}" if part.version else ""
        lines.append(f"  {part.name}{version}: {part.license}{where}")
    lines += ["", "Shared libraries in the bundle (/opt/tickwork/_internal), and whose each is",
              "(a Debian package's own copyright is in licenses/debian/<package>/):"]
    for dest, src, kind in sorted(files):
        if kind not in ("BINARY", "EXTENSION"):
            continue
        lines.append(f"  {dest}: {owner[src]}")
        package = owner[src].removeprefix("Debian package ")
        source = Path("/usr/share/doc") / package / "copyright"
        if package != owner[src] and source.is_file():
            (licenses / "debian" / package).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, licenses / "debian" / package / "copyright")
    target = docs / "copyright"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    print(write(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else WORK))
