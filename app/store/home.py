"""Where Tickwork keeps its data: `--home`, else `$TICKWORK_HOME`, else the platform's place."""

from __future__ import annotations

import os
from pathlib import Path

DB_NAME = "tickwork.db"
LOCK_NAME = "engine.lock"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("TICKWORK_HOME")
    if env:
        return Path(env).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir("tickwork", appauthor=False))
