"""The installed forms of Tickwork, tested as a user gets them: the PyInstaller bundle copied
away from the source tree and run with a clean environment, and the .deb.

These tests run after `make package` builds them (it sets TICKWORK_BUNDLE); in `make test`
they are skipped, since building the bundle takes minutes."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.xserver import xvfb as x_server

BUNDLE = os.environ.get("TICKWORK_BUNDLE", "")

needs_bundle = pytest.mark.skipif(
    not BUNDLE, reason="bundle tests run in `make package` (TICKWORK_BUNDLE unset)")


def built_bundle() -> Path:
    path = Path(BUNDLE) if Path(BUNDLE).is_absolute() else ROOT / BUNDLE
    if not (path / "tickwork").is_file():
        pytest.fail(f"TICKWORK_BUNDLE={BUNDLE}: no executable {path / 'tickwork'}")
    return path


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of dist/tickwork in a temp folder far from the source tree: its executable."""
    place = tmp_path_factory.mktemp("installed")
    shutil.copytree(built_bundle(), place / "tickwork", symlinks=True)
    return place / "tickwork" / "tickwork"


@pytest.fixture(scope="session")
def deb() -> Path:
    found = sorted((built_bundle().parent).glob("tickwork_*.deb"))
    if not found:
        pytest.skip("no .deb beside the bundle (dpkg-deb missing when it was built)")
    return found[-1]


@pytest.fixture
def user(tmp_path: Path) -> dict[str, str]:
    """A clean environment: no PYTHONPATH, no venv, no Qt settings; its own home."""
    home = tmp_path / "user"
    home.mkdir()
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
            "TICKWORK_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_RUNTIME_DIR": str(tmp_path)}


def run(argv: list[str], env: dict[str, str], cwd: Path,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A real X server (Xvfb) on a free display, stopped after the test."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed (apt-get install xvfb; .ci/run does it as root)")
    with x_server() as display:
        yield display
