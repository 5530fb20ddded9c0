"""Trivial actions for the benchmarks (module-level, importable by reference)."""


def noop() -> None:
    return None
