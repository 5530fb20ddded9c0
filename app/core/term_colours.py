"""The colours of a terminal's SGR sequences as RGB (xterm's 256), and the rule that keeps a
program's colour readable on the window's background: yellow on white and blue on a dark
theme's base are near invisible, so a colour under `READABLE` contrast (WCAG's ratio) is
moved toward black or white until it reads, keeping its hue as far as it can."""

from __future__ import annotations

RGB = tuple[int, int, int]

READABLE = 4.5  # WCAG AA for text
FAINT_READABLE = 3.0  # faint text (SGR 2) is meant to be dimmer, still legible

# xterm's first 16: normal, then bright
_SIXTEEN: tuple[RGB, ...] = (
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
    (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
    (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255))
_CUBE = (0, 95, 135, 175, 215, 255)


def rgb(colour: int | RGB) -> RGB:
    """A palette index (0-255) or an RGB as RGB."""
    if isinstance(colour, tuple):
        return colour
    if colour < 16:
        return _SIXTEEN[colour]
    if colour < 232:
        n = colour - 16
        return _CUBE[n // 36], _CUBE[n // 6 % 6], _CUBE[n % 6]
    grey = 8 + 10 * (colour - 232)
    return grey, grey, grey


def _luminance(colour: RGB) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = colour
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: RGB, b: RGB) -> float:
    """WCAG's contrast ratio, 1 (none) to 21 (black on white)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """`a` moved `t` (0-1) of the way to `b`."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def readable(fg: RGB, bg: RGB, ratio: float = READABLE) -> RGB:
    """`fg`, or the nearest shade of it toward black (on a light `bg`) or white (on a dark
    one) that reads on `bg` at `ratio`."""
    if contrast(fg, bg) >= ratio:
        return fg
    dark_bg = contrast(bg, (0, 0, 0)) < contrast(bg, (255, 255, 255))
    target = (255, 255, 255) if dark_bg else (0, 0, 0)
    for step in range(1, 21):
        shade = mix(fg, target, step / 20)
        if contrast(shade, bg) >= ratio:
            return shade
    return target
