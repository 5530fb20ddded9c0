"""The export file's text, written a page at a time (app/export_text.py), is the text the
whole document gives as one `json.dumps`: a file exported in pages reads as any other."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from app import export_text

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TASKS = [{"name": "日本 😀", "tags": [], "env": {}, "action": {"argv": ["echo", "a\nb"]}},
         {"name": "b", "schedule": {"kind": "cron", "expr": "* * * * *"}, "deps": [1, {}]}]


def whole(tasks: list[dict[str, object]], **options: bool) -> str:
    return json.dumps({"version": 1, "exported_at": NOW.isoformat(), "tasks": tasks},
                      indent=2, **options)


def test_pages_of_tasks_make_the_text_the_whole_document_makes() -> None:
    for pages in ([TASKS], [TASKS[:1], [], TASKS[1:]], [], [[]]):
        tasks = [task for page in pages for task in page]
        text = "".join(export_text.chunks(pages, NOW))
        assert text == whole(tasks, ensure_ascii=False)
        assert export_text.ascii_escaped(text) == whole(tasks)  # a stream of ASCII only
