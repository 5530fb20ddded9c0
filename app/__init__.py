"""Tickwork: a desktop task scheduler you can trust."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tickwork")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
