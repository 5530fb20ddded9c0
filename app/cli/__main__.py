"""`python -m app.cli`: the `tickwork` command."""

import sys

from app.cli import main

sys.exit(main(program=True))
