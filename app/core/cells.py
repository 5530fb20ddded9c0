"""How many columns (cells) of a terminal a character takes: two for a wide one (CJK, most
emoji: East Asian Width W or F), none for a combining mark or a zero-width one, one for any
other; a tab moves to the next multiple of 8. A "\\r" overwrite and an ESC[K erase go by
cells, as a terminal's cursor does (app/core/terminal.py)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

TAB = 8
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff")


@lru_cache(maxsize=4096)
def char_cells(ch: str) -> int:
    """The cells one character (not a tab) takes."""
    if ch.isascii():
        return 1
    if unicodedata.combining(ch) or ch in _ZERO_WIDTH \
            or unicodedata.category(ch) in ("Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def tab_end(column: int) -> int:
    """Where a tab at `column` moves to."""
    return (column // TAB + 1) * TAB


def cells(text: str, column: int = 0) -> int:
    """The column after `text` written from `column`."""
    if text.isascii() and "\t" not in text:
        return column + len(text)
    for ch in text:
        column = tab_end(column) if ch == "\t" else column + char_cells(ch)
    return column
