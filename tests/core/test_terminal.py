"""A run's output as a terminal shows it (app/core/terminal.py): SGR styles, carriage-return
overwrites, every other control shown; chunks cut anywhere read as the whole."""

from __future__ import annotations

import pytest

from app.core.terminal import PLAIN, Screen, Span, Style, styled


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
    assert styled(PLAIN, "5;7;8;9;3") == Style(italic=True)  # blink, reverse, conceal left out
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
