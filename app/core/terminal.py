"""A run's output as a terminal shows it to a person, so a coloured test report reads in
colour and a download's progress is one line, not 3,000: SGR sequences (ESC[…m: colour,
bold, faint, italic, underline, reverse, strike: app/core/sgr.py) become a `Style`, and a
carriage return not followed by a newline sends what follows over the line's start (the
line's last state is what is shown, its cells overwritten as a terminal overwrites them: a
wide character takes two, a combining mark none, a tab moves to the next multiple of 8 —
app/core/cells.py), and ESC[K / ESC[2K erase that line from the cursor / all of it (grep
--color=always writes ESC[K after each colour, progress after "\\r"; it reaches no further
than "\\r" does). Every other escape sequence and control is
shown (`\\x1b[2J`, `\\x1b]52;…`), never obeyed, as `shown` shows data: a cursor move, a
title, the clipboard are hostile or meaningless in a log.

The stored output is untouched: this is a view of it, for the Runs view's output
(app/gui/runs/output.py) and `run show --log` on a terminal (app/cli/run_log.py). Each
stream is its own `Screen`, fed chunk by chunk as the engine sends them: a sequence or a
"\\r\\n" cut between two chunks is held until the next one says what it is."""

from __future__ import annotations

import re
from typing import NamedTuple

from app.core.cells import cells, char_cells, tab_end
from app.core.sgr import PLAIN, Style, styled
from app.core.shown import CONTROLS, shown


class Span(NamedTuple):
    text: str  # as shown: controls escaped, a line's end as "\n"
    style: Style


class Shown(NamedTuple):
    """What a chunk changes in what is shown of its stream: the first `keep` characters of
    its open line (the last, not ended) stay, the rest of that line goes, `spans` follow."""

    keep: int
    spans: list[Span]


_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
# a control `shown` escapes (bidirectional ones too), but an SGR sequence's ESC
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f\u061c\u200e\u200f"
                      r"\u202a-\u202e\u2066-\u2069]|\x1b(?!\[[0-9;:]*m)")
# an SGR sequence, or carriage returns (a line's end when a newline follows them)
_TOKEN = re.compile(r"\x1b\[([0-9;:]*)m|\r+(\n?)|\x1b\[([02]?)K")
# erase in line (EL): to its end, or all of it
_ERASE = re.compile(r"\x1b\[[02]?K")
# what a chunk may end in that the next chunk decides: the start of an SGR sequence, or
# carriage returns (a newline may follow)
_OPEN = re.compile(r"(?:\x1b(?:\[[0-9;:]*)?|\r+)\Z")
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
        first character of the starting line changed (`first`: the open line is that one)."""
        column = cells_of(self.line) if self.column is None else self.column
        if whole:
            self.line, changed = ([Span(" " * column, PLAIN)] if column else []), 0
        else:
            self.line, _right, changed = _split(self.line, column)
        if first and changed < self.width:
            touched = min(touched, changed)
        self.width, self.column = _length(self.line), None
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
            if not piece:
                continue
            if self.column is None:
                self._put(Span(piece, self.style))
                continue
            for k, part in enumerate(piece.split("\t")):  # a tab over the line moves
                changed = self._tab() if k else self.width
                if part:
                    changed = min(changed, self._put(Span(part, self.style)))
                if first:
                    touched = min(touched, changed)
        return touched, first

    def _put(self, span: Span) -> int:
        """`span` (no tab) on the open line: at its end, or over its cells from `column`.
        Returns the first character of the line changed."""
        column = self.column
        if column is None:
            self.line.append(span)
            self.width += len(span.text)
            return self.width - len(span.text)
        end = cells(span.text, column)
        left, _, changed = _split(self.line, column)
        right = _split(self.line, end)[1]
        width = cells_of(self.line)
        self.line = [s for s in (*left, span, *right) if s.text]
        self.width = _length(self.line)
        self.column = end if end < width else None
        return changed

    def _tab(self) -> int:
        """A tab with text after the cursor: the cursor moves to the next multiple of 8,
        over the line's cells (a terminal leaves them as they are), or to its end and on.
        Returns the first character of the line changed."""
        if self.column is not None:
            to, width = tab_end(self.column), cells_of(self.line)
            if to <= width:
                self.column = to if to < width else None
                return self.width
            self.column = None
        self._put(Span("\t", self.style))  # from the line's end: it reaches the same column
        return self.width - 1

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
                self.width = _length(self.line)
                return
        self.line.extend(spans)
        self.width += _length(spans)


def _length(spans: list[Span]) -> int:
    return sum(len(s.text) for s in spans)


def cells_of(spans: list[Span]) -> int:
    """The cells a line's spans take."""
    column = 0
    for span in spans:
        column = cells(span.text, column)
    return column


def _split(line: list[Span], column: int) -> tuple[list[Span], list[Span], int]:
    """A line's cells before `column` and from it on, and how many of its characters the
    first keeps as they were: a wide character or a tab across `column` leaves blanks on its
    side of it (a terminal blanks a wide character written over in part), a tab from
    `column` on the other; a combining mark goes with its character."""
    left: list[Span] = []
    right: list[Span] = []
    kept = 0
    at = 0  # the cell of the character looked at
    side: list[Span] | None = left if column > 0 else right  # of the last character
    for span in line:
        before, after = [], []
        for ch in span.text:
            end = tab_end(at) if ch == "\t" else at + char_cells(ch)
            if end == at:  # (a combining mark: with its character)
                if side is left:
                    before.append(ch)
                    kept += 1
                elif side is right:
                    after.append(ch)
                continue
            if end <= column:
                before.append(ch)
                kept += 1
                side = left
            elif at >= column:
                after.append(ch)
                side = right
            else:
                before.append(" " * (column - at))
                after.append("\t" if ch == "\t" else " " * (end - column))
                side = None
            at = end
        if before:
            left.append(Span("".join(before), span.style))
        if after:
            right.append(Span("".join(after), span.style))
    return left, right, kept


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
