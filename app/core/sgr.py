"""A terminal's SGR sequences (ESC[…m) as the `Style` of the text after them: colours (16,
256, RGB — in the semicolon form, `38;2;r;g;b`, and the colon form of ITU T.416 some tools
write, `38:2::r:g:b`), bold, faint, italic, underline, reverse video and strike-through.
Blink and conceal (which would hide text) are left out."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

Colour = int | tuple[int, int, int] | None  # a palette index 0-255, an RGB, or the default's


class Style(NamedTuple):
    """The SGR attributes Tickwork shows. (A tuple: hashed and compared in C, on the hot path
    of a live log.)"""

    fg: Colour = None
    bg: Colour = None
    bold: bool = False
    faint: bool = False
    italic: bool = False
    underline: bool = False
    reverse: bool = False  # foreground and background swapped
    strike: bool = False

    def sgr(self) -> str:
        """The SGR parameters that set this style after a reset ("" for the plain one)."""
        codes = [c for c, on in (("1", self.bold), ("2", self.faint), ("3", self.italic),
                                 ("4", self.underline), ("7", self.reverse),
                                 ("9", self.strike)) if on]
        codes += _colour_codes(self.fg, 30) + _colour_codes(self.bg, 40)
        return ";".join(codes)


PLAIN = Style()

_FLAGS = {1: "bold", 2: "faint", 3: "italic", 4: "underline", 7: "reverse", 9: "strike"}
_OFF = {22: ("bold", "faint"), 23: ("italic",), 24: ("underline",), 27: ("reverse",),
        29: ("strike",), 39: ("fg",), 49: ("bg",)}


def _colour_codes(colour: Colour, base: int) -> list[str]:
    if colour is None:
        return []
    if isinstance(colour, tuple):
        return [f"{base + 8};2;{colour[0]};{colour[1]};{colour[2]}"]
    if colour < 8:
        return [str(base + colour)]
    if colour < 16:
        return [str(base + 60 + colour - 8)]
    return [f"{base + 8};5;{colour}"]


@lru_cache(maxsize=1024)
def styled(style: Style, params: str) -> Style:
    """`style` after an SGR sequence's parameters ("1;38;5;208", "38:2::255:0:0"; "" is a
    reset); the plain style is always `PLAIN` itself (`style is PLAIN` tells it)."""
    items = params.split(";")
    i = 0
    while i < len(items):
        item = items[i]
        i += 1
        if ":" in item:  # a parameter with its sub-parameters: they are its own
            style = _colon(style, item.split(":"))
            continue
        code = int(item) if item else 0
        if code == 0:
            style = PLAIN
        elif code in _FLAGS:
            style = style._replace(**{_FLAGS[code]: True})
        elif code in _OFF:
            style = style._replace(**dict.fromkeys(_OFF[code], _unset(code)))
        elif 30 <= code <= 37 or 90 <= code <= 97:
            style = style._replace(fg=code - 30 if code < 90 else code - 82)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            style = style._replace(bg=code - 40 if code < 100 else code - 92)
        elif code in (38, 48, 58):  # 58: the underline's colour, not shown
            colour, i = _extended(items, i)
            if colour is not None and code != 58:
                style = style._replace(fg=colour) if code == 38 else style._replace(bg=colour)
    return PLAIN if style == PLAIN else style


def _unset(code: int) -> bool | None:
    return None if code in (39, 49) else False


def _colon(style: Style, subs: list[str]) -> Style:
    """`style` after one parameter in the colon form: `38:5:n`, `38:2:[space]:r:g:b` (the
    colour space's id may be left out), `4:n` (an underline's kind, 0 none)."""
    if not all(s.isdigit() or not s for s in subs):
        return style
    code = int(subs[0] or 0)
    if code == 4:
        return style._replace(underline=subs[1] not in ("", "0"))
    if code not in (38, 48):
        return style
    colour: Colour = None
    if subs[1:2] == ["5"] and len(subs) == 3 and subs[2] and int(subs[2]) <= 255:
        colour = int(subs[2])
    elif subs[1:2] == ["2"] and len(subs) in (5, 6):
        rgb = [int(s or 0) for s in subs[-3:]]
        if max(rgb) <= 255:
            colour = (rgb[0], rgb[1], rgb[2])
    if colour is None:
        return style
    return style._replace(fg=colour) if code == 38 else style._replace(bg=colour)


def _extended(items: list[str], i: int) -> tuple[Colour, int]:
    """The colour of `38;5;n` / `38;2;r;g;b` whose parameters start at `i`, and where the
    sequence goes on; None for a malformed one (its parameters are passed over)."""
    codes = [int(s) if s.isdigit() else -1 for s in items[i:i + 4]]
    if codes[:1] == [5]:
        if len(codes) > 1 and 0 <= codes[1] <= 255:
            return codes[1], i + 2
        return None, i + 2
    if codes[:1] == [2]:
        rgb = codes[1:4]
        if len(rgb) == 3 and min(rgb) >= 0 and max(rgb) <= 255:
            return (rgb[0], rgb[1], rgb[2]), i + 4
        return None, i + 4
    return None, len(items)  # unknown: the rest cannot be told apart from its arguments
