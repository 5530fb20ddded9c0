"""Tickwork: a desktop task scheduler you can trust.

`app.__version__` is read from the installed package's metadata when first asked for:
importing `importlib.metadata` costs ~30 ms, which every CLI command would otherwise pay.
"""

from __future__ import annotations

from functools import cache


@cache
def version() -> str:
    """The installed version ("0+unknown" in a source tree that was never installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("tickwork")
    except PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'app' has no attribute {name!r}")
