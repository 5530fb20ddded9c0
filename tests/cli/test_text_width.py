"""Table cells measured as a terminal draws them (app/cli/text_width.py): wide characters,
marks, format characters and emoji sequences, so the columns after a name like `🚀 r` line up
in `task list`."""

from __future__ import annotations

from typing import Any

import pytest

from app.cli.text_width import cut, width


@pytest.mark.parametrize(("text", "columns"), [
    ("plain", 5), ("", 0),
    ("日本", 4), ("ｘ", 2), ("한국", 4),  # East Asian wide and fullwidth
    ("\u1100\u1161\u11a8", 2),  # a Hangul syllable in letters: its vowel and final join it
    ("e\u0301", 1), ("ผั", 1),  # marks, with a combining class or without (Thai)
    ("a\u200bb", 2), ("\u2060x\ufeff", 1), ("\u00ad", 1),  # format characters; a soft hyphen
    ("🚀", 2), ("🚀 r", 4),
    ("☀", 1), ("☀\ufe0f", 2), ("❤\ufe0f!", 3),  # text style, and drawn as an emoji
    ("👍🏽", 2), ("👍🏽👍", 4),  # a skin tone is part of its emoji
    ("👨\u200d👩\u200d👧", 2), ("👨\u200d👩\u200d👧 f", 4),  # one glyph of three
    ("🇫🇷", 2), ("🇫🇷🇩🇪", 4), ("🇫", 2),  # flags: two letters each
    ("a\u200db", 2),  # a joiner between letters joins nothing
])
def test_width_is_what_a_terminal_draws(text: str, columns: int) -> None:
    assert width(text) == columns


def test_a_cut_keeps_marks_and_joined_emoji_with_their_glyph() -> None:
    assert cut("日本" * 40, 60) == "日本" * 14 + "日…"  # 58 columns and "…", not a half
    accented = cut("e\u0301" * 70, 60)
    assert accented == "e\u0301" * 59 + "…" and width(accented) == 60
    family = "👨\u200d👩\u200d👧"
    assert cut(family * 31, 60) == family * 29 + "…"
    assert cut("short", 60) == "short"


def test_task_list_lines_up_after_wide_names(cli: Any) -> None:
    """A name with an emoji pushed its row's columns one cell right (`🚀 r`); each name here
    takes the columns given, and ON starts in the same terminal column on every row."""
    names = {"🚀 r": 4, "☀\ufe0f s": 4, "👍🏽 x": 4, "🇫🇷 fr": 5, "ผั t": 3, "日本": 4, "x": 1}
    for name in names:
        assert cli("task", "add", name, "--command", "true", "--manual").code == 0
    listed = cli("task", "list")
    assert listed.code == 0, listed.err
    header, *rows = listed.out.splitlines()
    start, on = header.index("NAME"), header.index("ON")  # (the header is ASCII)
    assert len(rows) == len(names)
    for row in rows:
        rest = row[start:]
        name = next(n for n in names if rest.startswith(n + " "))
        padding = len(rest[len(name):]) - len(rest[len(name):].lstrip(" "))
        assert start + names[name] + padding == on, row
