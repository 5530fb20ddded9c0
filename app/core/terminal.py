"""A run's output as a terminal shows it to a person, so a coloured test report reads in
colour and a download's progress is one line, not 3,000: SGR sequences (ESC[…m: colour,
bold, faint, italic, underline) become a `Style`, and a carriage return not followed by a
newline sends what follows over the line's start (the line's last state is what is shown,
its characters overwritten as a terminal overwrites them), and ESC[K / ESC[2K erase that line
from the cursor / all of it (grep --color=always writes ESC[K after each colour, progress
after "\\r"; it reaches no further than "\\r" does). Every other escape sequence and control is
shown (`\\x1b[2J`, `\\x1b]52;…`), never obeyed, as `shown` shows data: a cursor move, a
title, the clipboard are hostile or meaningless in a log.

The stored output is untouched: this is a view of it, for the Runs view's output
(app/gui/runs/output.py) and `run show --log` on a terminal (app/cli/run_log.py). Each
stream is its own `Screen`, fed chunk by chunk as the engine sends them: a sequence or a
"\\r\\n" cut between two chunks is held until the next one says what it is."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from app.core.shown import CONTROLS, shown

Colour = int | tuple[int, int, int] | None  # a palette index 0-255, an RGB, or the default's


class Style(NamedTuple):
    """The SGR attributes Tickwork shows; any other parameter of an SGR sequence (blink,
    reverse, conceal — which would hide text —, strike) is left out. (A tuple: hashed and
    compared in C, on the hot path of a live log.)"""

    fg: Colour = None
    bg: Colour = None
    bold: bool = False
    faint: bool = False
    italic: bool = False
    underline: bool = False

    def sgr(self) -> str:
        """The SGR parameters that set this style after a reset ("" for the plain one)."""
        codes = [c for c, on in (("1", self.bold), ("2", self.faint), ("3", self.italic),
                                 ("4", self.underline)) if on]
        codes += _colour_codes(self.fg, 30) + _colour_codes(self.bg, 40)
        return ";".join(codes)


PLAIN = Style()


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
    """`style` after an SGR sequence's parameters ("1;38;5;208"; "" is a reset); the plain
    style is always `PLAIN` itself (`style is PLAIN` tells it)."""
    codes = [int(p) if p else 0 for p in params.split(";")]
    i = 0
    while i < len(codes):
        code = codes[i]
        i += 1
        if code == 0:
            style = PLAIN
        elif code in (1, 2, 3, 4):
            style = style._replace(**{_FLAGS[code]: True})
        elif code == 22:
            style = style._replace(bold=False, faint=False)
        elif code == 23:
            style = style._replace(italic=False)
        elif code == 24:
            style = style._replace(underline=False)
        elif 30 <= code <= 37 or 90 <= code <= 97:
            style = style._replace(fg=code - 30 if code < 90 else code - 82)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            style = style._replace(bg=code - 40 if code < 100 else code - 92)
        elif code in (39, 49):
            style = style._replace(fg=None) if code == 39 else style._replace(bg=None)
        elif code in (38, 48):
            colour, i = _extended(codes, i)
            if colour is not None:
                style = style._replace(fg=colour) if code == 38 else style._replace(bg=colour)
    return PLAIN if style == PLAIN else style


_FLAGS = {1: "bold", 2: "faint", 3: "italic", 4: "underline"}


def _extended(codes: list[int], i: int) -> tuple[Colour, int]:
    """The colour of `38;5;n` / `38;2;r;g;b` whose parameters start at `i`, and where the
    sequence goes on; None for a malformed one (its parameters are passed over)."""
    if i < len(codes) and codes[i] == 5:
        if i + 1 < len(codes) and codes[i + 1] <= 255:
            return codes[i + 1], i + 2
        return None, i + 2
    if i < len(codes) and codes[i] == 2:
        rgb = codes[i + 1:i + 4]
        if len(rgb) == 3 and max(rgb) <= 255:
            return (rgb[0], rgb[1], rgb[2]), i + 4
        return None, i + 4
    return None, len(codes)  # unknown: the rest cannot be told apart from its arguments


class Span(NamedTuple):
    text: str  # as shown: controls escaped, a line's end as "\n"
    style: Style


class Shown(NamedTuple):
    """What a chunk changes in what is shown of its stream: the first `keep` characters of
    its open line (the last, not ended) stay, the rest of that line goes, `spans` follow."""

    keep: int
    spans: list[Span]


_SGR = re.compile(r"\x1b\[([0-9;]*)m")
# a control `shown` escapes, but an SGR sequence's ESC
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]|\x1b(?!\[[0-9;]*m)")
# an SGR sequence, or carriage returns (a line's end when a newline follows them)
_TOKEN = re.compile(r"\x1b\[([0-9;]*)m|\r+(\n?)|\x1b\[([02]?)K")
# erase in line (EL): to its end, or all of it
_ERASE = re.compile(r"\x1b\[[02]?K")
# what a chunk may end in that the next chunk decides: the start of an SGR sequence, or
# carriage returns (a newline may follow)
_OPEN = re.compile(r"(?:\x1b(?:\[[0-9;]*)?|\r+)\Z")
_HELD_MAX = 64  # characters: an SGR sequence's start held longer is shown as it is


class Screen:
    """One stream's output as a terminal shows it, fed chunk by chunk (`feed`)."""

    def __init__(self) -> None:
        self.style = PLAIN  # the SGR state at the end of what was fed
        self.line: list[Span] = []  # the open line as shown
        self.width = 0  # its length
        self.column: int | None = None  # where text goes on it after "\r"; None: its end
        self.held = ""  # a chunk's end the next chunk decides

    def feed(self, text: str) -> Shown:
        text = self.held + text
        self.held = ""
        cut = _OPEN.search(text, max(0, len(text) - _HELD_MAX))
        if cut is not None:
            text, self.held = text[:cut.start()], text[cut.start():]
        start = self.width
        if self.column is not None or "\r" in text or _ERASE.search(text):
            return self._feed(text, start)
        if "\x1b" not in text:  # (most chunks)
            if not text:
                return Shown(start, [])
            span = Span(shown(text), self.style)
            self._append([span])
            return Shown(start, [span])
        return Shown(start, self._styled(text))  # (a coloured report's)

    def flush(self) -> Shown:
        """The output ended: what was held is shown as it is (a lone ESC at the end; a
        carriage return at the end shows nothing)."""
        held, self.held = self.held.lstrip("\r"), ""
        return self._feed(held, self.width) if held else Shown(self.width, [])

    def break_line(self) -> None:
        """The open line ends here (another stream's line follows it): a later "\\r" of this
        stream starts from a line of its own."""
        self.line, self.width, self.column = [], 0, None

    # -- the general case ------------------------------------------------------------------

    def _feed(self, text: str, start: int) -> Shown:
        ended: list[Span] = []  # the lines ended by this chunk, the first from its start
        touched = start  # the first column of the starting line this chunk changed
        first = True  # the open line is still the one the chunk started on
        at = 0
        for match in _TOKEN.finditer(text):
            if match.start() > at:
                touched, first = self._write(shown(text[at:match.start()]), ended, touched,
                                             first)
            at = match.end()
            params, newline, erase = match.group(1), match.group(2), match.group(3)
            if params is not None:
                self.style = styled(self.style, params)
            elif erase is not None:
                touched = self._erase(erase == "2", touched, first)
            elif newline:
                touched, first = self._write("\n", ended, touched, first)
            elif self.width:  # "\r": what follows goes over the line from its start
                self.column = 0
        if at < len(text):
            touched, first = self._write(shown(text[at:]), ended, touched, first)
        spans = ended + self.line if not first else list(self.line)
        return Shown(touched, _after(spans, touched))

    def _erase(self, whole: bool, touched: int, first: bool) -> int:
        """ESC[K: the open line erased from where text would go to its end; ESC[2K: all of
        it, blanks up to there (a terminal keeps the cursor's column). Returns `touched`: the
        first column of the starting line changed (`first`: the open line is that one)."""
        column = self.width if self.column is None else self.column
        changed = 0 if whole else column
        self.line = ([Span(" " * column, PLAIN)] if column else []) if whole \
            else spans_until(self.line, column)
        if first and changed < self.width:
            touched = min(touched, changed)
        self.width, self.column = column, None
        return touched

    def _write(self, text: str, ended: list[Span], touched: int,
               first: bool) -> tuple[int, bool]:
        lines = text.split("\n")
        for n, piece in enumerate(lines):
            if n:  # the line ends
                if self.line:
                    last = self.line[-1]
                    self.line[-1] = Span(last.text + "\n", last.style)
                else:
                    self.line.append(Span("\n", self.style))
                ended.extend(self.line)
                self.line, self.width, self.column = [], 0, None
                first = False
            if piece:
                if first and self.column is not None:
                    touched = min(touched, self.column)
                self._put(Span(piece, self.style))
        return touched, first

    def _put(self, span: Span) -> None:
        """`span` on the open line: at its end, or over it from `column`."""
        column = self.column
        if column is None:
            self.line.append(span)
            self.width += len(span.text)
            return
        end = column + len(span.text)
        kept: list[Span] = []
        pos = 0
        for old in self.line:
            if pos < column:
                kept.append(Span(old.text[:column - pos], old.style))
            pos += len(old.text)
        kept.append(span)
        pos = 0
        for old in self.line:
            if pos + len(old.text) > end:
                kept.append(Span(old.text[max(0, end - pos):], old.style))
            pos += len(old.text)
        self.line = kept
        self.width = max(self.width, end)
        self.column = end if end < self.width else None

    def _styled(self, text: str) -> list[Span]:
        """The spans of a chunk without "\\r", added to the open line."""
        parts = _SGR.split(text)  # text, parameters, text, …
        if _CONTROL.search(text):  # (only then each piece is looked at)
            parts[::2] = [p.translate(CONTROLS) for p in parts[::2]]
        spans: list[Span] = []
        style = self.style
        for i in range(0, len(parts) - 1, 2):
            if parts[i]:
                spans.append(Span(parts[i], style))
            style = styled(style, parts[i + 1])
        if parts[-1]:
            spans.append(Span(parts[-1], style))
        self.style = style
        if spans:
            self._append(spans)
        return spans

    def _append(self, spans: list[Span]) -> None:
        """Spans at the end of the open line (none of them writes over it)."""
        for n in range(len(spans) - 1, -1, -1):
            end = spans[n].text.rfind("\n")
            if end >= 0:
                rest = spans[n].text[end + 1:]
                self.line = [Span(rest, spans[n].style)] if rest else []
                self.line += spans[n + 1:]
                self.width = sum(len(s.text) for s in self.line)
                return
        self.line.extend(spans)
        self.width += sum(len(s.text) for s in spans)


def spans_until(spans: list[Span], keep: int) -> list[Span]:
    """`spans`' first `keep` characters."""
    out: list[Span] = []
    for span in spans:
        if keep <= 0:
            break
        out.append(span if len(span.text) <= keep else Span(span.text[:keep], span.style))
        keep -= len(span.text)
    return out


def _after(spans: list[Span], skip: int) -> list[Span]:
    """`spans` without their first `skip` characters."""
    if not skip:
        return spans
    out: list[Span] = []
    for span in spans:
        if skip >= len(span.text):
            skip -= len(span.text)
        elif skip:
            out.append(Span(span.text[skip:], span.style))
            skip = 0
        else:
            out.append(span)
    return out



# the marks of the lines of stderr and of Tickwork's own, in the window and on a terminal
MARKS = {"stderr": "stderr: ", "tickwork": "tickwork: "}
