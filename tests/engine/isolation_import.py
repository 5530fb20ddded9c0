"""A task's module that sets its interpreter up when it is imported, for
tests/engine/test_worker_isolation.py: the setting holds for each of its runs in a worker
(the import is done once), not for another module's."""

from __future__ import annotations

import sys

sys.setrecursionlimit(5000)  # at import: for every run of this module's tasks


def deep(depth: int = 3000) -> int:
    """Recurses deeper than the default limit allows (its module raised it at import)."""
    return 0 if depth == 0 else 1 + deep(depth - 1)
