"""A run's output as a terminal shows it (app/core/terminal.py): SGR styles, carriage-return
overwrites, every other control shown; chunks cut anywhere read as the whole."""

from __future__ import annotations

import pytest

from app.core.sgr import PLAIN, Style, styled
from app.core.terminal import Screen, Span


def screen_text(chunks: list[str]) -> tuple[str, list[Span]]:
    """What a person sees of `chunks` on one stream: the text, and its spans in order
    (applied as the window applies each `Shown`)."""
    screen = Screen()
    spans: list[Span] = []
    line_start = 0  # index in `spans`' text where the open line starts

    def apply(keep: int, new: list[Span]) -> None:
        nonlocal spans
        text = "".join(s.text for s in spans)
        cut = line_start + keep
        kept, pos = [], 0
        for span in spans:
            if pos + len(span.text) <= cut:
                kept.append(span)
            elif pos < cut:
                kept.append(Span(span.text[:cut - pos], span.style))
            pos += len(span.text)
        assert "".join(s.text for s in kept) == text[:cut]
        spans = kept + new

    for chunk in chunks:
        apply(*screen.feed(chunk))
        text = "".join(s.text for s in spans)
        line_start = text.rfind("\n") + 1
    apply(*screen.flush())
    return "".join(s.text for s in spans), spans


def each_style(spans: list[Span]) -> list[Style]:
    return [s.style for s in spans for _ in s.text]


def styles_of(spans: list[Span], word: str) -> set[Style]:
    return {s.style for s in spans if word in s.text}


def test_sgr_colours_and_attributes() -> None:
    assert styled(PLAIN, "31") == Style(fg=1)
    assert styled(PLAIN, "1;4;92;104") == Style(fg=10, bg=12, bold=True, underline=True)
    assert styled(PLAIN, "38;5;208;48;2;1;2;3") == Style(fg=208, bg=(1, 2, 3))
    assert styled(Style(fg=1, bold=True, faint=True, italic=True), "22;23;39") == PLAIN
    assert styled(Style(fg=1, bg=2), "") == PLAIN  # ESC[m is a reset
    assert styled(PLAIN, "5;8;3") == Style(italic=True)  # blink and conceal left out
    assert styled(PLAIN, "38;5;999;1") == Style(bold=True)  # a malformed colour passed over
    for style in (Style(fg=1), Style(fg=9, bg=(1, 2, 3), bold=True), Style(bg=200, italic=True)):
        assert styled(PLAIN, style.sgr()) == style


def test_colours_shown_other_controls_escaped() -> None:
    text, spans = screen_text(["a \x1b[31mred\x1b[0m b\x1b]0;title\x07 \x1b[2J\x1b[1Acup\n"])
    assert text == "a red b\\x1b]0;title\\x07 \\x1b[2J\\x1b[1Acup\n"
    assert styles_of(spans, "red") == {Style(fg=1)}
    assert styles_of(spans, " b") == {PLAIN}


def test_a_carriage_return_overwrites_the_line() -> None:
    text, _ = screen_text(["start\n 10%\r 45%", "\r 99%\r100% done\n", "end\n"])
    assert text == "start\n100% done\nend\n"
    assert screen_text(["Working...\rDone\n"])[0] == "Doneing...\n"  # as a terminal shows it
    assert screen_text(["a\r\nb\r\r\nc\n"])[0] == "a\nb\nc\n"  # CRLF is a line's end


@pytest.mark.parametrize("at", range(1, 16))
def test_chunks_cut_anywhere_read_as_the_whole(at: int) -> None:
    whole = "x\x1b[1;31mbold\x1b[0m 5%\r\n 6%\r 7%\rdone\x1b"
    cut = screen_text([whole[:at], whole[at:]])
    assert cut[0] == screen_text([whole])[0] == "xbold 5%\ndone\\x1b"
    assert each_style(cut[1]) == each_style(screen_text([whole])[1])


def test_colours_survive_an_overwrite() -> None:
    _, spans = screen_text(["\x1b[32mgreen\x1b[0m tail\r\x1b[31mRED\x1b[0m\n"])
    assert "".join(s.text for s in spans) == "REDen tail\n"
    assert styles_of(spans, "RED") == {Style(fg=1)}
    assert styles_of(spans, "en") == {Style(fg=2)}


def test_a_colour_that_would_not_read_is_moved_until_it_does() -> None:
    from app.core.term_colours import contrast, readable, rgb

    white, dark = (255, 255, 255), (30, 30, 30)
    assert contrast(rgb(3), white) < 2  # xterm's yellow on white
    for colour in range(256):
        for ground in (white, dark):
            assert contrast(readable(rgb(colour), ground), ground) >= 4.5
    assert readable(rgb(1), white) == rgb(1)  # red reads on white as it is
    shade = readable(rgb(3), white)
    assert shade[0] == shade[1] > shade[2]  # still a yellow, darker


def test_erase_in_line_as_a_terminal_does() -> None:
    """ESC[K (grep --color=always writes it after each colour; progress after "\\r") erases
    the line from the cursor; ESC[2K all of it, the cursor where it was."""
    assert screen_text(["a \x1b[01;31m\x1b[Kfoo\x1b[m\x1b[K b\n"])[0] == "a foo b\n"
    assert screen_text(["long line 100%", "\r\x1b[Kshort\n"])[0] == "short\n"
    assert screen_text(["abcdef\r\x1b[2Kxy\n"])[0] == "xy\n"
    assert screen_text(["abcdef\x1b[2Kxy\n"])[0] == "      xy\n"
    assert screen_text(["abcdef\rab\x1b[Kz\n"])[0] == "abz\n"


def test_reverse_strike_and_the_colon_form() -> None:
    """Reverse video (7, off 27) and strike-through (9, off 29) are kept; the colon form of
    ITU T.416 (`38:2::r:g:b`, `38:5:n`, `4:3`) sets what the semicolon form does. They were
    dropped, and the colon form's sequence was shown escaped."""
    assert styled(PLAIN, "7;9") == Style(reverse=True, strike=True)
    assert styled(Style(reverse=True, strike=True, fg=1), "27;29") == Style(fg=1)
    assert styled(PLAIN, "38:2::255:0:0") == Style(fg=(255, 0, 0))
    assert styled(PLAIN, "38:2:255:0:0;48:5:208") == Style(fg=(255, 0, 0), bg=208)
    assert styled(PLAIN, "4:3;1") == Style(underline=True, bold=True)
    assert styled(Style(underline=True), "4:0") == PLAIN
    assert styled(PLAIN, "38:2::999:0:0;1") == Style(bold=True)  # malformed: passed over
    assert styled(PLAIN, "58;2;1;2;3;3") == Style(italic=True)  # an underline's colour
    for style in (Style(reverse=True), Style(strike=True, fg=(1, 2, 3))):
        assert styled(PLAIN, style.sgr()) == style
    text, spans = screen_text(["a \x1b[38:2::255:0:0mred\x1b[0m \x1b[7mrev\x1b[27;9mgone\n"])
    assert text == "a red revgone\n"
    assert styles_of(spans, "red") == {Style(fg=(255, 0, 0))}
    assert styles_of(spans, "rev") == {Style(reverse=True)}
    assert styles_of(spans, "gone\n") == {Style(strike=True)}


def test_wide_characters_combining_marks_and_tabs_take_their_cells() -> None:
    """A "\\r" overwrite and an ESC[K erase go by a terminal's cells: a CJK character or an
    emoji takes two, a combining mark none, a tab moves to the next multiple of 8. They
    went by characters: an overwrite left half a bar, an erase cut the wrong cell."""
    # a progress bar of CJK text: each state as wide as the last, drawn over it
    assert screen_text(["下载中 10%", "\r下载中 55%", "\r下载完成!\n"])[0] == "下载完成!%\n"
    assert screen_text(["日本語\rab\n"])[0] == "ab本語\n"
    assert screen_text(["日本語\rabc\n"])[0] == "abc 語\n"  # half a wide character: blank
    assert screen_text(["ab\r日本\n"])[0] == "日本\n"
    assert screen_text(["🚀 build 3/9\r🚀 build 9/9\n"])[0] == "🚀 build 9/9\n"
    assert screen_text(["🚀 abcdef\r🚀 ab", "\x1b[K\n"])[0] == "🚀 ab\n"
    assert screen_text(["e\u0301te\u0301 x\rete\u0301\n"])[0] == "ete\u0301 x\n"
    assert screen_text(["caf\u00e9s\rcafe\u0301\x1b[K!\n"])[0] == "cafe\u0301!\n"
    # a table aligned with tabs, its rows rewritten with "\r"
    assert screen_text(["name\tsize\tstate\rtask\n"])[0] == "task\tsize\tstate\n"
    assert screen_text(["a\tb\rxyz\n"])[0] == "xyz\tb\n"
    assert screen_text(["a\tb\r\tB\n"])[0] == "a\tB\n"
    assert screen_text(["abcdefghij\r\tX\n"])[0] == "abcdefghXj\n"  # a tab only moves
    assert screen_text(["ab\r\t\tc\n"])[0] == "ab\t\tc\n"
    assert screen_text(["a\tb\r\x1b[Kxy\tz\n"])[0] == "xy\tz\n"
    assert screen_text(["long name\tb\rx\tY\n"])[0] == "xong namY\tb\n"
    assert screen_text(["a\tb\rxy\x1b[K\n"])[0] == "xy\n"
    assert screen_text(["日\tb\rx", "\x1b[K\n"])[0] == "x\n"


def render(text: str) -> list[str]:
    """Lines as a terminal draws them, a cell a string ("" the second half of a wide one)."""
    from app.core.cells import char_cells, tab_end

    lines = []
    for line in text.split("\n"):
        row: list[str] = []
        for ch in line:
            if ch == "\t":
                row += [" "] * (tab_end(len(row)) - len(row))
            elif char_cells(ch) == 0:  # with its character (none at a line's start)
                if row:
                    row[-1 if row[-1] else -2] += ch
            else:
                row += [ch] + [""] * (char_cells(ch) - 1)
        lines.append("|".join(row))
    return lines


def terminal_model(text: str) -> list[str]:
    """A terminal's cells after `text` (no escapes but ESC[K; "\\r", "\\n", "\\t"), a grid
    written cell by cell, as in a terminal emulator."""
    from app.core.cells import char_cells, tab_end

    lines: list[str] = []
    row: list[str] = []
    x = 0
    for part in text.replace("\x1b[K", "\x00"):
        if part == "\n":
            lines.append("|".join(row))
            row, x = [], 0
        elif part == "\r":
            x = 0
        elif part == "\x00":
            if x < len(row) and row[x] == "":  # half a wide character kept
                row[x - 1] = " "
            del row[x:]
        elif part == "\t":
            x = tab_end(x)
            row += [" "] * max(0, x - len(row))
        elif char_cells(part) == 0:
            if x and row[x - 1] == "":
                row[x - 2] += part
            elif x:
                row[x - 1] += part
        else:
            w = char_cells(part)
            row += [" "] * max(0, x + w - len(row))
            for cell in range(x, x + w):  # a wide character written over in part: blanks
                if row[cell] == "" and cell > x - 1 and cell - 1 < x:
                    row[cell - 1] = " "
                if cell + 1 < len(row) and row[cell + 1] == "" and cell == x + w - 1:
                    row[cell + 1] = " "
            row[x:x + w] = [part] + [""] * (w - 1)
            x += w
    lines.append("|".join(row))
    return lines


@pytest.mark.parametrize("seed", range(40))
def test_cells_as_a_terminal_grid_has_them(seed: int) -> None:
    import random

    rnd = random.Random(seed)
    atoms = ["a", "bc", "日", "本語", "🚀", "e\u0301", "o\u0308\u0301", "\t", "\r", "\x1b[K", " ",
             "12345678", "\n"]
    for _ in range(50):
        text = "".join(rnd.choice(atoms) for _ in range(rnd.randint(1, 14)))
        cut = rnd.randint(0, len(text))
        shown = screen_text([text[:cut], text[cut:]])[0]
        want = [line.rstrip(" |") for line in terminal_model(text)]
        assert [line.rstrip(" |") for line in render(shown)] == want, repr(text)
