"""How many columns of a terminal text takes, so a table's columns line up after a cell that
is not ASCII: East Asian wide and fullwidth characters and emoji take two, marks and format
characters none, and an emoji sequence (`👨‍👩‍👧`, `👍🏽`, `☀️`, `🇫🇷`) takes two, as one
glyph — the rules `wcwidth` and today's terminals follow, from `unicodedata` alone.

A terminal may still draw some sequences otherwise (an older one draws `👨‍👩‍👧` as three
faces); these rules are the ones Unicode gives (UAX #11, UTS #51)."""

from __future__ import annotations

from collections.abc import Iterator
from unicodedata import category, east_asian_width

ZWJ = "\u200d"  # zero-width joiner: what follows it joins the glyph before
VS16 = "\ufe0f"  # emoji presentation: the character before is drawn as an emoji (two columns)
_MODIFIERS = range(0x1F3FB, 0x1F400)  # skin tones: part of the emoji before
_FLAG_LETTERS = range(0x1F1E6, 0x1F200)  # regional indicators: two make one flag
_ZERO = frozenset({"Mn", "Me", "Cf", "Cc"})  # marks, format characters (controls: escaped)


def _alone(c: str) -> int:
    """The columns one character takes by itself."""
    point = ord(c)
    if point < 0x7F:
        return 1 if point >= 0x20 else 0
    if category(c) in _ZERO and point != 0xAD:  # (a soft hyphen is drawn)
        return 0
    if 0x1160 <= point <= 0x11FF or 0xD7B0 <= point <= 0xD7FF:  # Hangul vowels and finals
        return 0  # (they join the syllable's first letter)
    return 2 if east_asian_width(c) in "WF" or point in _FLAG_LETTERS else 1


def _advances(text: str) -> Iterator[int]:
    """The columns each character of `text` adds, in order (0 for one that joins the glyph
    before it)."""
    before = ""  # the character before
    drawn = 0  # the columns the glyph being drawn takes so far
    flag_open = False  # a regional indicator waits for its pair
    for c in text:
        point, alone = ord(c), _alone(c)
        if before == ZWJ and drawn == 2 and alone == 2:  # emoji joined into one glyph
            step = 0
        elif c == VS16:  # a text-style character drawn as an emoji
            step = 1 if drawn == 1 else 0
        elif (point in _MODIFIERS and drawn == 2) or (point in _FLAG_LETTERS and flag_open):
            # a skin tone on its emoji, the second letter of a flag
            step = 0
        else:
            step = alone
        flag_open = point in _FLAG_LETTERS and not flag_open
        drawn = drawn + step if (step == 0 or c == VS16) else step
        before = c
        yield step


def width(text: str) -> int:
    """The columns `text` takes on a terminal."""
    return len(text) if text.isascii() else sum(_advances(text))


def cut(text: str, limit: int, mark: str = "…") -> str:
    """`text` if it fits in `limit` columns, else as much of it as fits before `mark` ("…"),
    and the mark; a character that belongs to the glyph before (a mark, a joined emoji)
    stays with it."""
    if width(text) <= limit:
        return text
    used = 0
    for i, step in enumerate(_advances(text)):
        used += step
        if used > limit - len(mark):
            return text[:i] + mark
    return text
