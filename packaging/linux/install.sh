#!/usr/bin/env bash
# Install Tickwork for the current user: the package (with pipx when available, else
# pip --user), the desktop entry and icon, and optionally the headless engine as a systemd
# user service. Usage: packaging/linux/install.sh [--engine]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}

if command -v pipx >/dev/null 2>&1; then
    pipx install --force "$here"
else
    python3 -m pip install --user --upgrade "$here"
fi

install -Dm644 "$here/resources/tickwork.desktop" "$data/applications/tickwork.desktop"
install -Dm644 "$here/resources/icons/tickwork.svg" \
    "$data/icons/hicolor/scalable/apps/tickwork.svg"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$data/applications" || true

if [ "${1:-}" = "--engine" ]; then
    # the same unit Settings → "Run the engine in the background" writes (app/platform/service_unit.py)
    tickwork=$(command -v tickwork || echo "$HOME/.local/bin/tickwork")
    "$tickwork" settings --background-engine on
fi
echo "installed: run 'tickwork' or find Tickwork in your applications menu"
