"""Text a person typed or a program wrote, as Tickwork prints it for people: escape sequences
and other controls shown (`\\x1b[31m`), never obeyed — by the command line's lines and the
logs on stderr alike (app/cli/output.py, app/engine/log.py)."""

from __future__ import annotations

import json
from typing import Any

# C0 controls but newline and tab, DEL, and C1 controls: what a terminal would act on
CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]
            if c not in (0x09, 0x0A)}
# bidirectional controls (embeddings, overrides, isolates, marks): they reorder what a
# terminal shows, so a line could read as something it is not (`\\u202e`)
BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
CONTROLS.update({c: f"\\u{c:04x}" for c in BIDI})


def shown(text: str) -> str:
    """Data a person typed or a program wrote (a task's command, variables and description,
    a run's error, a crontab line, a folder's name) as every human-readable output prints
    it, on a terminal or not: escape sequences and other controls are shown (`\\x1b[31m`),
    never obeyed (they could move the cursor, retitle the window, hide lines — now or when a
    saved listing or log is read with `cat`); newline and tab stay. `--json` keeps the data
    exact. Bidirectional controls are shown too (`\\u202e`): they would turn the text around."""
    return text.translate(CONTROLS)


def held(text: str, stream: Any) -> bool:
    """Whether `stream`'s encoding can write `text` as it is: not `日本` to a terminal of an
    ASCII or Latin-1 locale, or under `PYTHONIOENCODING=ascii` (a stream without an
    encoding, such as a test's buffer, holds any text)."""
    if text.isascii():
        return True
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def json_for(data: Any, stream: Any) -> str:
    """`data` as indented JSON for `stream`: its text as it is, or, where the stream cannot
    hold that (`held`), every character past ASCII escaped (`\\u65e5`): the same value to
    every JSON reader, where the text would have been cut by an escape JSON does not know
    (`caf\\xe9`) or not written at all ("failed: UnicodeEncodeError")."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return text if held(text, stream) else json.dumps(data, indent=2)
