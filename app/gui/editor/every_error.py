"""Every mistake in the editor's form at once, not only the first.

`TaskSpec.from_json` (the CLI's and import's check too) names the first bad field and stops,
so a person who typed -30 days and -5 runs saw only one of them, fixed it, and then met the
other. Here the form is checked again with each field found wrong set aside — its key given
its default, or a stand-in that passes (a manual schedule, a Python target) where there is
none — until it passes or what is wrong cannot be set aside; each field is named once, in
the order found. A field's own error is the one its check gives with the fields before it
as typed, so it reads as it would alone. `hidden_errors` adds what no check of the form
says while it has other errors: the name taken, the program missing on this machine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.errors import ValidationError
from app.core.task import Action
from app.gui.editor.action_page import ActionPage
from app.gui.editor.env_page import EnvPage
from app.gui.editor.links import LinkCheck
from app.gui.editor.machine import MachineCheck
from app.gui.editor.problems import route

Check = Callable[[dict[str, Any], set[str]], None]  # raises a form's first error

# editor fields whose error stands for the whole action or schedule
ACTION_FIELDS = frozenset({"action", "command", "python", "kwargs", "cwd", "shell_program",
                           "stdin"})
SCHEDULE_FIELDS = frozenset({"schedule", "at", "cron", "interval", "calendar", "exclude",
                             "after"})
STAND_IN_ACTION = {"kind": "python", "target": "tickwork_stand_in:check"}
STAND_IN_NAME = "tickwork-stand-in"
KEYS_WITH = {"env": ("env", "secret_env"), "group": ("group", "group_limit")}
MOST = 16  # checks at most: a field per check, and fewer fields than this can be wrong


def set_aside(data: dict[str, Any], field: str) -> bool:
    """Give the editor's `field` in the form's JSON its default or a stand-in that passes;
    False when there is nothing to set aside (the check would say the same again)."""
    if field in ACTION_FIELDS:
        if data.get("action") == STAND_IN_ACTION:
            return False
        data["action"] = dict(STAND_IN_ACTION)
    elif field in SCHEDULE_FIELDS:
        if data.get("schedule") == {"kind": "manual"}:
            return False
        data["schedule"] = {"kind": "manual"}
    elif field == "name":
        if data.get("name") == STAND_IN_NAME:
            return False
        data["name"] = STAND_IN_NAME
    else:
        keys = [key for key in KEYS_WITH.get(field, (field,)) if key in data]
        if not keys:
            return False
        for key in keys:
            del data[key]
    return True


def every_error(data: dict[str, Any], read: list[ValidationError],
                check: Check) -> list[ValidationError]:
    """The errors of the form whose JSON is `data`, which `read` holds the errors of its
    pages' own reading of (those fields are set aside first); `check` raises the first
    error of a form's JSON, given the fields set aside. `data` is changed."""
    errors: list[ValidationError] = []
    named: set[str] = set()

    def note(error: ValidationError) -> bool:
        field = route(error.field)
        if field in named:
            return False
        named.add(field)
        errors.append(error)
        return set_aside(data, field)

    for error in read:
        note(error)
    for _ in range(MOST):
        try:
            check(data, named)
            break
        except ValidationError as exc:
            if not note(exc):
                break
    return errors


def hidden_errors(found: list[ValidationError], name: str, own: int | None, links: LinkCheck,
                  action_page: ActionPage, env_page: EnvPage,
                  machine: MachineCheck) -> list[ValidationError]:
    """What the form's errors (`found`) may hide: the `name` taken or not a name, the
    program, module or folder missing here (as soon as a look has found it)."""
    errors: list[ValidationError] = []
    fields = {route(error.field) for error in found}
    if found and "name" not in fields:
        try:
            links.check_name(name, own)
        except ValidationError as exc:
            errors.append(exc)
    if action_page.skip_checks.isChecked():
        return errors
    data: dict[str, Any] = {}
    try:  # (arguments not valid JSON yet: each field says its own error, the module too)
        action_page.collect(data, kwargs={} if "kwargs" in fields else None)
        env_page.collect(data)
        action = Action.from_json(data["action"])
    except ValidationError:
        return errors  # the form's own check says what stops it
    missing = machine.error_for(action, data["env"].get("PATH"))
    if missing is not None and route(missing.field) not in fields:
        errors.append(missing)
    return errors
