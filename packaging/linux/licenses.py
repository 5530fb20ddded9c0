"""The .deb's /usr/share/doc/tickwork/copyright and licenses/: what the bundle in /opt/tickwork
is made of, and under which terms.

Read from the interpreter that built the bundle: Tickwork's own license (LICENSE, MIT), the
Python interpreter's, PyInstaller's bootloader (the executable itself), and every Python
distribution Tickwork needs at run time (its requirements, followed with their extras and
markers), each with its version, its declared license and its license files copied beside.
A distribution that declares no license, or ships no text and has none Debian keeps in
/usr/share/common-licenses, stops the build: a package must not ship terms it cannot name.
Then each shared library at the bundle's top level is said where it came from: a wheel that
carried it (its files list it), the interpreter's own library folder, or the build system's
Debian package (`dpkg -S`), whose own
copyright file is copied — each only when the bundled file is that very file, byte for byte;
one found in none of them is listed as such."""

from __future__ import annotations

import filecmp
import importlib.metadata as md
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
COMMON = Path("/usr/share/common-licenses")
# SPDX ids whose text Debian keeps in every system's base-files
SPDX_COMMON = {"LGPL-3.0-only": "LGPL-3", "LGPL-3.0-or-later": "LGPL-3", "GPL-2.0-only": "GPL-2",
               "GPL-2.0-or-later": "GPL-2", "GPL-3.0-only": "GPL-3", "GPL-3.0-or-later": "GPL-3",
               "Apache-2.0": "Apache-2.0", "MPL-2.0": "MPL-2.0"}
TEXT_NAME = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


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
    meta = dist.metadata
    expression = meta["License-Expression"]
    if expression:
        return str(expression)
    text = (meta["License"] or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    names = [c.rpartition("::")[2].strip() for c in meta.get_all("Classifier") or []
             if c.startswith("License ::")]
    if names:
        return " OR ".join(names)
    return None


def runtime(root: str = "tickwork") -> list[md.Distribution]:
    """`root` and every distribution it needs at run time, on this interpreter."""
    found: dict[str, md.Distribution] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while todo:
        name, extras = todo.pop()
        if (key(name), extras) in seen:
            continue
        seen.add((key(name), extras))
        dist = md.distribution(name)
        found.setdefault(key(name), dist)
        for line in dist.requires or []:
            req = Requirement(line)
            wanted = ["", *sorted(extras)]  # (a requirement of an extra asked for counts)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in wanted):
                todo.append((req.name, frozenset(req.extras)))
    return sorted(found.values(), key=lambda d: key(d.metadata["Name"]))


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
            raise SystemExit(f"copyright: {name} {dist.version} names no license and ships "
                             "no license text")
        found.license = f"as its {', '.join(t.name for t in found.texts)} says"
    if not found.texts:
        found.common = sorted({SPDX_COMMON[i] for i in re.split(r"\s+(?:OR|AND)\s+",
                                                               found.license)
                               if i in SPDX_COMMON})
        if not found.common:
            raise SystemExit(f"copyright: {name} {dist.version} ({found.license}) ships no "
                             "license text and Debian keeps none by that name")
    return found


def interpreter() -> Component:
    text = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    return Component("Python", sys.version.split()[0], "PSF-2.0",
                     [text] if text.is_file() else [], [] if text.is_file() else ["GPL-2"])


def bootloader() -> Component | None:
    try:
        dist = md.distribution("pyinstaller")
    except md.PackageNotFoundError:
        return None
    found = component(dist)
    found.name = "PyInstaller bootloader (the executable /opt/tickwork/tickwork)"
    found.license = "GPL-2.0-or-later WITH Bootloader-exception"
    return found


def libraries(bundle: Path, dists: list[md.Distribution]) -> dict[str, str]:
    """Each shared library at the bundle's top level (`_internal`): where it came from."""
    top = bundle / "_internal" if (bundle / "_internal").is_dir() else bundle
    names = sorted(p.name for p in top.iterdir() if ".so" in p.name and p.is_file())
    origin: dict[str, str] = {}
    carried: dict[str, str] = {}
    for dist in dists:
        carried.update(dict.fromkeys((f.name for f in dist.files or []),
                                     str(dist.metadata["Name"])))
    for name in names:
        if name in carried:
            origin[name] = f"carried by the {carried[name]} wheel"
    own = Path(str(sysconfig.get_config_var("LIBDIR") or "/nonexistent"))
    for name in names:
        if name not in origin and same(top / name, own / name):
            origin[name] = "the Python interpreter's own (Python, above)"
    rest = [n for n in names if n not in origin]
    if rest and shutil.which("dpkg"):
        out = subprocess.run(["dpkg", "-S", *(f"*/{n}" for n in rest)], capture_output=True,
                             text=True, check=False).stdout
        for line in out.splitlines():
            package, _, path = line.partition(": ")
            name = Path(path.strip()).name
            # only the very file: a library of the same name elsewhere is not the one bundled
            if name in rest and name not in origin and same(top / name, Path(path.strip())):
                origin[name] = f"Debian package {package.split(':')[0]}"
    for name in names:
        origin.setdefault(name, "origin not found on the build system")
    return origin


def same(a: Path, b: Path) -> bool:
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def write(bundle: Path, docs: Path) -> Path:
    """Write docs/copyright and docs/licenses/; the copyright file's path."""
    dists = runtime()
    parts = [interpreter(), *(component(d) for d in dists)]
    loader = bootloader()
    if loader is not None:
        parts.insert(1, loader)
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
        folder.mkdir(parents=True, exist_ok=True)
        for text in part.texts:
            shutil.copyfile(text, folder / text.name)
        where = "".join(f"; /usr/share/common-licenses/{c}" for c in part.common)
        lines.append(f"  {part.name} {part.version}: {part.license}{where}")
    lines += ["", "Shared libraries at the bundle's top level (/opt/tickwork/_internal), and",
              "where each came from (a Debian package's own copyright is in",
              "licenses/debian/<package>/):"]
    origins = libraries(bundle, dists)
    for name, origin in origins.items():
        lines.append(f"  {name}: {origin}")
        package = origin.removeprefix("Debian package ")
        source = Path("/usr/share/doc") / package / "copyright"
        if package != origin and source.is_file():
            (licenses / "debian" / package).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, licenses / "debian" / package / "copyright")
    target = docs / "copyright"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    print(write(Path(sys.argv[1]), Path(sys.argv[2])))
