"""The export file's text, written a page of tasks at a time, never whole in memory.

With 100,000 tasks the export built every task's JSON (some 3 million objects) and then one
60 MB string; the interpreter's full garbage collection that this brought on ran on the GUI
thread, freezing the window 0.6 s, and joining and encoding the string held it 0.5 s more.
Each page here is built, written and dropped before the next; the text is the one
`json.dumps(document, indent=2, ensure_ascii=False)` gives for the whole (a test checks).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

EXPORT_VERSION = 1
_PAST_ASCII = re.compile(r"[^\x00-\x7f]")


def chunks(pages: Iterable[list[dict[str, Any]]], now: datetime) -> Iterator[str]:
    """`{"version": 1, "exported_at": ..., "tasks": [...]}` as indented JSON, one piece per
    page of tasks (each as `Task.to_json` gives it), without the final newline."""
    yield (f'{{\n  "version": {EXPORT_VERSION},\n  "exported_at": '
           f'{json.dumps(now.isoformat())},\n  "tasks": [')
    first = True
    for page in pages:
        if not page:
            continue
        text = ",".join("\n    " + json.dumps(item, indent=2, ensure_ascii=False)
                        .replace("\n", "\n    ") for item in page)
        yield text if first else "," + text
        first = False
    yield "]\n}" if first else "\n  ]\n}"


def ascii_escaped(text: str) -> str:
    """JSON `text` with every character past ASCII escaped (`\\u65e5`), as
    `ensure_ascii=True` writes it: the same values, for a stream that cannot hold them."""
    return _PAST_ASCII.sub(lambda m: json.dumps(m.group())[1:-1], text)
