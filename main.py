"""Tickwork: `python main.py [--home DIR]` opens the window; any other arguments go to the CLI."""

import sys

from app.cli import main

if __name__ == "__main__" and sys.argv[1:3] == ["--tickwork-worker", "python"]:
    from app.engine.pyworkers.worker import main as python_worker  # a bundle's Python worker

    sys.exit(python_worker(sys.argv[3:]))
if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
