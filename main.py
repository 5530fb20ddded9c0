"""Tickwork: `python main.py [--home DIR]` opens the window; any other arguments go to the CLI."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
