"""Whether the window can open here, asked before Qt is: Qt aborts the whole process when its
xcb platform plugin cannot load its system libraries or reach the X server, with a message
that names no package. This check reads the plugin's ELF dependencies (following Qt's own
libraries through their RUNPATH), tries to load each system library the way the loader
will, and connects to $DISPLAY (holding that connection until Qt has its own); what fails
becomes one line naming the Debian/Ubuntu and Fedora packages to install.

Only the xcb platform is checked, and only where Qt will choose it (Linux and the BSDs,
QT_QPA_PLATFORM unset or xcb, not a Wayland session); offscreen, wayland, minimal, Windows
and macOS pass without a look.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import os
import struct
import sys
import time
from collections.abc import Mapping
from pathlib import Path

# soname → (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libz.so.1": ("zlib1g", "zlib"),
    "libzstd.so.1": ("libzstd1", "libzstd"),
    "libstdc++.so.6": ("libstdc++6", "libstdc++"),
    "libgcc_s.so.1": ("libgcc-s1", "libgcc"),
}

_DT_NEEDED, _DT_RPATH, _DT_RUNPATH = 1, 15, 29
_SHT_DYNAMIC = 6


def will_use_xcb(env: Mapping[str, str], system: str = sys.platform) -> bool:
    """True when Qt, started with this environment, will load its xcb platform plugin."""
    if not system.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    if env.get("XDG_SESSION_TYPE") == "wayland":
        return False  # Qt 6 prefers its wayland plugin there
    return not (env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"))


def elf_dynamic(path: Path) -> tuple[list[str], list[str]] | None:
    """The DT_NEEDED names and the RUNPATH/RPATH directories ($ORIGIN expanded) of an ELF
    shared object; None when the file is not an ELF file this reader understands."""
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if len(ident) < 16 or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2):
                return None
            wide, end = ident[4] == 2, "<" if ident[5] == 1 else ">"
            head = f.read(48 if wide else 36)
            fields = struct.unpack(end + ("HHIQQQIHHHHHH" if wide else "HHIIIIIHHHHHH"), head)
            shoff, shentsize, shnum = fields[5], fields[10], fields[11]
            shfmt = end + ("IIQQQQIIQQ" if wide else "IIIIIIIIII")
            dynfmt = end + ("qQ" if wide else "iI")
            sections = []
            for i in range(shnum):
                f.seek(shoff + i * shentsize)
                sections.append(struct.unpack(shfmt, f.read(struct.calcsize(shfmt))))
            dynamic = next((s for s in sections if s[1] == _SHT_DYNAMIC), None)
            if dynamic is None:
                return None
            f.seek(dynamic[4])
            raw = f.read(dynamic[5])
            strtab = sections[dynamic[6]]
            f.seek(strtab[4])
            strings = f.read(strtab[5])
    except (OSError, struct.error, IndexError):
        return None
    needed: list[str] = []
    paths: list[str] = []
    size = struct.calcsize(dynfmt)
    for offset in range(0, len(raw) - size + 1, size):
        tag, value = struct.unpack_from(dynfmt, raw, offset)
        if tag == 0:
            break
        if tag in (_DT_NEEDED, _DT_RPATH, _DT_RUNPATH):
            text = strings[value:strings.index(b"\0", value)].decode("utf-8", "replace")
            if tag == _DT_NEEDED:
                needed.append(text)
            else:
                origin = str(path.parent)
                paths += [p.replace("$ORIGIN", origin).replace("${ORIGIN}", origin)
                          for p in text.split(":") if p]
    return needed, paths


def loads(soname: str) -> bool:
    """Whether the dynamic loader finds and loads this library by name."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def system_libraries(plugin: Path) -> list[str]:
    """The libraries `plugin` needs from the system, directly or through the libraries
    shipped with it (found via RUNPATH, beside it, or in the bundle), in the order met."""
    wanted: list[str] = []
    seen: set[str] = set()
    todo = [plugin]
    frozen = getattr(sys, "_MEIPASS", None)
    while todo:
        current = todo.pop(0)
        found = elf_dynamic(current)
        if found is None:
            continue
        needed, runpaths = found
        dirs = [Path(d) for d in runpaths] + [current.parent]
        if frozen:
            dirs.append(Path(frozen))
        for name in needed:
            if name in seen:
                continue
            seen.add(name)
            shipped = next((d / name for d in dirs if (d / name).is_file()), None)
            if shipped is not None:
                todo.append(shipped)
            else:
                wanted.append(name)
    return wanted


def missing_libraries(plugin: Path) -> list[str]:
    """The system libraries `plugin` needs that the loader cannot load."""
    return [name for name in system_libraries(plugin) if not loads(name)]


def debian_packages(plugin: Path) -> list[str]:
    """The Debian/Ubuntu packages that hold the system libraries `plugin` needs (those this
    module knows; the C library and its kin are everywhere)."""
    return sorted({PACKAGES[n][0] for n in system_libraries(plugin) if n in PACKAGES})


def xcb_plugin(env: Mapping[str, str]) -> Path | None:
    """The xcb platform plugin Qt will load: from QT_QPA_PLATFORM_PLUGIN_PATH when set,
    else the one inside the installed (or bundled) PySide6."""
    candidates: list[Path] = []
    if env.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        candidates.append(Path(env["QT_QPA_PLATFORM_PLUGIN_PATH"]) / "libqxcb.so")
    spec = importlib.util.find_spec("PySide6")
    for root in (spec.submodule_search_locations or []) if spec else []:
        candidates.append(Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so")
    return next((c for c in candidates if c.is_file()), None)


def install_line(missing: list[str]) -> str:
    """One line saying which libraries are missing and the packages that bring them."""
    debian = sorted({PACKAGES[m][0] for m in missing if m in PACKAGES})
    fedora = sorted({PACKAGES[m][1] for m in missing if m in PACKAGES})
    unknown = [m for m in missing if m not in PACKAGES]
    line = (f"the window cannot open: Qt's xcb platform needs {', '.join(missing)}, "
            "missing on this system")
    if debian:
        line += (f"; install: sudo apt install {' '.join(debian)} (Debian/Ubuntu) or "
                 f"sudo dnf install {' '.join(fedora)} (Fedora)")
    if unknown:
        line += f"; also install the packages that provide {', '.join(unknown)}"
    return line + "; `tickwork engine` runs tasks without a window"


# The probe's open connection, held until Qt has its own (`release_display`): an X server
# whose last client leaves resets itself, and for some milliseconds refuses new clients, so
# a probe that closed at once could make Qt's own connection — which aborts the process
# when it fails — land in that gap (measured on Xvfb: 9 of 300 back-to-back connections).
_HELD: list[int] = []


def _xcb() -> ctypes.CDLL | None:
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    return xcb


def display_reachable(display: str, patience: float = 3.0) -> bool:
    """Whether an X server answers at `display`. A refused connection is tried again for up
    to `patience` seconds (a server between its last client and its next refuses for a few
    milliseconds while it resets); the connection that succeeds stays open until
    `release_display()`, so this probe leaving cannot start such a reset under Qt."""
    xcb = _xcb()
    if xcb is None:
        return False
    deadline = time.monotonic() + patience
    while True:
        connection = xcb.xcb_connect(display.encode(), None)
        if connection and int(xcb.xcb_connection_has_error(connection)) == 0:
            _HELD.append(connection)
            return True
        if connection:
            xcb.xcb_disconnect(connection)
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def release_display() -> None:
    """Close the probe's connections (once Qt holds its own, or when no window will open)."""
    xcb = _xcb() if _HELD else None
    while _HELD:
        connection = _HELD.pop()
        if xcb is not None:
            xcb.xcb_disconnect(connection)


def problem(env: Mapping[str, str] | None = None) -> str | None:
    """Why the window cannot open here, in one line; None when it can (or when Qt will not
    use xcb, or its plugin is not where this check looks — Qt then speaks for itself)."""
    env = os.environ if env is None else env
    if not will_use_xcb(env):
        return None
    plugin = xcb_plugin(env)
    if plugin is not None:
        missing = missing_libraries(plugin)
        if missing:
            return install_line(missing)
    display = env.get("DISPLAY", "")
    if not display:
        return ("the window cannot open: no X display (DISPLAY is not set); start it from a "
                "desktop session, or `tickwork engine` runs tasks without a window")
    if not display_reachable(display):
        return (f"the window cannot open: no X display answers at DISPLAY={display}; "
                "`tickwork engine` runs tasks without a window")
    return None


@functools.cache
def require_window() -> None:
    """Exit with status 1 and one line on stderr when the window cannot open here."""
    line = problem()
    if line is not None:
        print(f"tickwork: {line}", file=sys.stderr)
        raise SystemExit(1)
