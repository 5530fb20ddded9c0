"""`run show --log`: a run's output as it goes to a terminal — as a terminal would show the
program's own writes (app/core/terminal.py: its colours, its "\\r" progress in its last
state, ESC[K erasing a line's rest, every other control shown, not obeyed), and each line of
stderr and of Tickwork's own after its mark, as the window marks them — or, piped or saved,
byte for byte as the program wrote it (it is the program's output, not a field)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence

from app.core.sgr import PLAIN
from app.core.terminal import MARKS, Screen, Shown, Span, spans_until


def write_log(chunks: Sequence[tuple[int, str, str]]) -> None:
    """A run's stored output (seq, stream, text) on standard output."""
    if sys.stdout.isatty():
        sys.stdout.write(terminal_text((stream, text) for _seq, stream, text in chunks))
    else:
        for _seq, _stream, text in chunks:
            sys.stdout.write(text)


def terminal_text(chunks: Iterable[tuple[str, str]]) -> str:
    """(stream, text) chunks in order, as a terminal is sent them: each stream's styles
    written again as SGR sequences (so only what colours reaches it: no conceal, no cursor
    move), reset at each line's end; a stream that starts in another's line starts a line of
    its own; each line of a marked stream starts with its mark."""
    out: list[str] = []
    screens: dict[str, Screen] = {}
    line: list[Span] = []  # the open line, of `current`
    current = ""
    for stream, width, (keep, spans) in _shown(chunks, screens):
        if not spans and keep >= width:
            continue
        if stream != current and line:  # another stream mid-line: a line of its own
            screens[current].break_line()
            out.append(_sgr_lines(line, current) + "\n")
            line = []
        current = stream
        line = spans_until(line, keep) + spans
        for n in range(len(line) - 1, -1, -1):  # the lines that ended go out
            end = line[n].text.rfind("\n")
            if end >= 0:
                out.append(_sgr_lines([*line[:n], Span(line[n].text[:end], line[n].style)],
                                      stream) + "\n")
                rest = line[n].text[end + 1:]
                line = [Span(rest, line[n].style), *line[n + 1:]] if rest else line[n + 1:]
                break
    if line:
        out.append(_sgr_lines(line, current))
    return "".join(out)


def _shown(chunks: Iterable[tuple[str, str]],
           screens: dict[str, Screen]) -> Iterator[tuple[str, int, Shown]]:
    """Each chunk as its stream's screen shows it, then what a stream held at the end."""
    for stream, text in chunks:
        screen = screens.get(stream)
        if screen is None:
            screen = screens[stream] = Screen()
        yield stream, screen.width, screen.feed(text)
    for stream, screen in list(screens.items()):
        if screen.held:
            yield stream, screen.width, screen.flush()


def _sgr_lines(spans: list[Span], stream: str) -> str:
    """Spans (lines, the last not ended) as a terminal is sent them: each line with its
    stream's mark, its styles as SGR sequences, reset at its end."""
    mark = MARKS.get(stream, "")
    lines: list[str] = []
    parts: list[str] = []
    style = PLAIN
    for span in spans:
        for n, piece in enumerate(span.text.split("\n")):
            if n:
                lines.append("".join(parts) + ("\x1b[0m" if style is not PLAIN else ""))
                parts, style = [], PLAIN
            if piece:
                if span.style is not style:
                    parts.append(f"\x1b[0;{span.style.sgr()}m" if span.style is not PLAIN
                                 else "\x1b[0m")
                    style = span.style
                parts.append(piece)
    lines.append("".join(parts) + ("\x1b[0m" if style is not PLAIN else ""))
    return "\n".join(mark + text if text else text for text in lines)

