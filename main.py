"""Tickwork: `python main.py [--home DIR]` opens the window; any other arguments go to the CLI."""

import sys

if __name__ == "__main__" and sys.argv[1:3] == ["--tickwork-worker", "launcher"]:
    from app.engine.launcher.loop import main as launcher_main  # a bundle's launcher process

    sys.exit(launcher_main(sys.argv[3:]))

from app.cli import main  # after the hidden worker entry, which needs none of the CLI

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
