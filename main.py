"""Tickwork: `python main.py [--home DIR]` opens the window; any other arguments go to the CLI.

A bundle (PyInstaller) has no `python -m`: the engine starts its launcher and Python worker
processes as `tickwork --tickwork-worker launcher|python`, answered here before the CLI is
imported (they need none of it)."""

import sys

if __name__ == "__main__" and sys.argv[1:3] == ["--tickwork-worker", "launcher"]:
    from app.engine.launcher.loop import main as launcher_main

    sys.exit(launcher_main(sys.argv[3:]))

if __name__ == "__main__" and sys.argv[1:3] == ["--tickwork-worker", "python"]:
    from app.engine.pyworkers.worker import main as python_worker

    sys.exit(python_worker(sys.argv[3:]))

from app.cli import main  # after the hidden worker entries

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], program=True))
