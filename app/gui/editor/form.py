"""What the editor's form holds: the task JSON it opens with, and what it says now, page by
page (to tell whether the person changed anything before it closes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.errors import ValidationError
from app.core.schedule import system_timezone_name
from app.core.task import Task
from app.gui.editor.env_page import EnvPage
from app.gui.editor.page import Page


def initial_data(task: Task | None, mode: str) -> dict[str, Any]:
    """The form's data for `task` opened as `mode` ("new", "edit" or "duplicate")."""
    if task is None:  # no schedule: the person chooses one
        return {"name": "", "timezone": system_timezone_name()}
    data = task.spec.to_json()
    if mode == "duplicate":
        data["name"] = f"{task.name} (copy)"
    return data


def form_state(pages: Sequence[Page], env: EnvPage) -> object:
    """What the form says now, page by page (None for a page that cannot be read)."""
    state: list[object] = []
    for page in pages:
        data: dict[str, Any] = {"name": ""}
        try:
            page.collect(data)
        except ValidationError:
            state.append(None)
            continue
        state.append(data)
    state.append([row.value.text() for row in env.rows])  # secrets are not collected
    return state
