#!/usr/bin/env bash
# Build the installable forms of Tickwork (run by `make package`, from a clean clone too):
#   dist/tickwork/                      PyInstaller one-folder bundle; dist/tickwork/tickwork is
#                                       the window (no arguments) and the whole CLI
#   dist/tickwork_VERSION_ARCH.deb      /opt/tickwork + /usr/bin/tickwork, desktop entry,
#                                       hicolor icons, AppStream metainfo (Debian/Ubuntu only)
# PYTHON: the interpreter with the 'package' extra installed (default: .venv/bin/python).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=${PYTHON:-$root/.venv/bin/python}
start=$(date +%s)
rm -rf dist/tickwork
QT_QPA_PLATFORM=offscreen "$py" -m PyInstaller --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/tickwork.spec
bundled=$(date +%s)
echo "bundle: dist/tickwork, $(du -sh dist/tickwork | cut -f1), built in $((bundled - start)) s"
if command -v dpkg-deb >/dev/null 2>&1; then
    rm -f dist/tickwork_*.deb
    deb=$(QT_QPA_PLATFORM=offscreen "$py" packaging/linux/build_deb.py dist/tickwork dist)
    echo "deb: $deb, $(du -h "$deb" | cut -f1), built in $(($(date +%s) - bundled)) s"
else
    echo "deb: not built (no dpkg-deb on this system)"
fi
