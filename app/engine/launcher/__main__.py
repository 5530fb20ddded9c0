"""`python -m app.engine.launcher REQUESTS_FD RESULTS_FD`: a launcher process (the engine
starts it; see app/engine/launcher/loop.py)."""

import sys

from app.engine.launcher.loop import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
