"""An audit event as one sentence a person reads: the one job of this module.

`sentence(event)` takes the event as a dict (`action`, `target`, `before`, `after`, and
optionally `actor`) and returns e.g. “Ran “Slow ticker” by hand (run 5)” or “Changed the
schedule of “Backup” from “At 02:00 (UTC)” to “Every hour””. Every action the code writes
has its sentence (tests/core/test_audit_words.py lists them); an action it does not know
yet still reads as words, never as `dotted.names` and JSON. Secret events name the secret
and never show a value, whatever the event holds. Never raises: a damaged event still gets
a line. Pure Python (no Qt, no store), so the CLI could use it too.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.core import audit_store_words as store_words
from app.core.schedule import Schedule, describe

Event = Mapping[str, Any]

# words for the fields of a task that an edit can change, in the order they are listed
FIELDS: dict[str, str] = {
    "name": "the name",
    "schedule": "the schedule",
    "timezone": "the time zone",
    "start_at": "the start",
    "end_at": "the end",
    "action": "the command",
    "enabled": "whether it runs",
    "description": "the description",
    "tags": "the tags",
    "priority": "the priority",
    "retries": "the retries",
    "retry_delay": "the retry delay",
    "backoff": "the backoff",
    "timeout": "the time limit",
    "max_instances": "how many may run at once",
    "overlap": "what happens on overlap",
    "group": "the concurrency group",
    "group_limit": "the group's limit",
    "catch_up": "the catch-up policy",
    "depends_on": "what it waits for",
    "env": "the environment",
    "secret_env": "the secret variables",
    "notify": "the notifications",
    "fallback": "the fallback task",
    "dependency_timeout": "how long it waits for upstreams",
    "runs_on": "where it runs",
}
# fields whose old and new values are short enough to say in the sentence
SAID = {"priority", "retries", "retry_delay", "timeout", "max_instances", "overlap",
        "catch_up", "group", "group_limit", "backoff", "timezone", "fallback", "runs_on"}


def sentence(event: Event) -> str:
    """The event as one sentence (see the module docstring)."""
    action = str(event.get("action") or "")
    target = event.get("target")
    before, after = event.get("before"), event.get("after")
    try:
        words = SENTENCES.get(action)
        if words is not None:
            return words("" if target is None else str(target), before, after)
        return _engine(action, target, after) if action.startswith("engine.") \
            else _unknown(action, target)
    except Exception:  # words are a courtesy: a damaged event still gets a line
        return _unknown(action, target)


def _q(name: object) -> str:
    return f"“{name}”"


def _schedule_words(task: Mapping[str, Any]) -> str:
    """Its schedule as the task list says it: a calendar schedule names its day from where
    it counts (its start, else its creation: "anchor"); "Every month at 09:00" left it out."""
    data = task.get("schedule") or {"kind": "manual"}
    try:
        schedule = Schedule.from_json(data)
        at = task.get("start_at") or task.get("anchor")
        start = datetime.fromisoformat(at) if isinstance(at, str) else None
    except Exception:
        return str(data.get("kind", "unknown")) if isinstance(data, Mapping) else "unknown"
    if schedule.kind == "manual":
        return "only when run by hand"
    return describe(schedule, task.get("timezone"), start=start)


DURATIONS = {"timeout", "retry_delay", "dependency_timeout"}
# the parts of an action besides what it runs, as an edit names them
ACTION_PARTS: dict[str, str] = {"kwargs": "the arguments", "cwd": "the working folder",
                                "stdin": "the standard input",
                                "shell_program": "the shell program"}


def _value_words(key: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if key in DURATIONS and isinstance(value, int | float) and not isinstance(value, bool):
        from datetime import timedelta

        from app.core.durations import format_duration

        return format_duration(timedelta(seconds=value))
    if key == "action" and isinstance(value, Mapping):
        if value.get("kind") == "python":
            return str(value.get("target"))
        argv = [str(a) for a in value.get("argv") or []]
        return argv[0] if value.get("shell") and argv else shlex.join(argv)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# -- tasks ---------------------------------------------------------------------------------

def _created(verb: str) -> Callable[[str, Any, Any], str]:
    def words(target: str, _before: Any, after: Any) -> str:
        name = after.get("name", target) if isinstance(after, Mapping) else target
        text = f"{verb} task {_q(name)}"
        if isinstance(after, Mapping):
            text += f", which runs {_lower(_schedule_words(after))}"
        return text
    return words


def _lower(text: str) -> str:
    """“Every hour” inside a sentence: “every hour”."""
    return text[:1].lower() + text[1:]


def _updated(target: str, before: Any, after: Any) -> str:
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return f"Changed task {_q(target)}"
    keys = [k for k in FIELDS if before.get(k) != after.get(k)]
    keys += sorted(k for k in set(before) | set(after)  # (its "anchor" is no field of it)
                   if k not in {*FIELDS, "anchor"} and before.get(k) != after.get(k))
    name = after.get("name", target)
    parts: list[str] = []
    lead = f"Changed task {_q(name)}"
    if "name" in keys:
        lead = f"Renamed task {_q(before.get('name'))} to {_q(name)}"
        keys.remove("name")
    when = [k for k in ("schedule", "timezone", "start_at", "end_at") if k in keys]
    if "schedule" in when or "timezone" in when:
        parts.append(f"the schedule from {_q(_schedule_words(before))} to "
                     f"{_q(_schedule_words(after))}")
        keys = [k for k in keys if k not in ("schedule", "timezone")]
    for key in keys:
        label = FIELDS.get(key, "the " + key.replace("_", " "))
        if key == "enabled":
            parts.append("paused it" if not after.get(key) else "resumed it")
        elif key == "action":
            parts.extend(_action_changes(before.get(key), after.get(key)))
        elif key in TASK_NAMES:
            parts.append(f"{label} from {_task_names(before.get(key))} to "
                         f"{_task_names(after.get(key))}")
        elif key in SAID or key in ("start_at", "end_at", "tags"):
            parts.append(f"{label} from {_value_words(key, before.get(key))} to "
                         f"{_value_words(key, after.get(key))}")
        elif key in ("env", "secret_env"):  # the names, never the values
            parts.append(_variables(label, before.get(key), after.get(key)))
        else:
            parts.append(label)
    if not parts:
        return lead if "Renamed" in lead else f"Saved task {_q(name)} without changes"
    if "Renamed" in lead:
        return f"{lead} and changed {_join(parts)}"
    if len(parts) == 1 and parts[0].startswith("the "):  # “Changed the schedule of …”
        label, sep, change = parts[0].partition(" from ")
        label, paren, which = label.partition(" (")  # “the secret variables (added X)”
        return (f"Changed {label} of {_q(name)}" + (f" from {change}" if sep else "")
                + (f" ({which}" if paren else ""))
    return f"Changed task {_q(name)}: {_join(parts)}"


TASK_NAMES = {"depends_on", "fallback"}  # fields that name other tasks


def _task_names(value: object) -> str:
    """Other tasks by name, each in quotes as everywhere in the sentence ("what it waits for
    from long to none" read as words, not a task)."""
    names = value if isinstance(value, list) else [] if value in (None, "") else [value]
    return ", ".join(_q(name) for name in names) or "none"


def _variables(label: str, before: Any, after: Any) -> str:
    """Which variables an edit added, removed or gave a new value, by name ("Changed the
    secret variables" said of an add and a remove alike; a run-through under X)."""
    old = before if isinstance(before, Mapping) else {}
    new = after if isinstance(after, Mapping) else {}
    said = [f"{verb} {', '.join(sorted(names))}" for verb, names in (
        ("added", set(new) - set(old)), ("removed", set(old) - set(new)),
        ("changed", {k for k in set(old) & set(new) if old[k] != new[k]})) if names]
    return f"{label} ({'; '.join(said)})" if said else label


def _action_changes(before: Any, after: Any) -> list[str]:
    """What an edit changed in an action: what runs, and each other part by name (a Python
    action whose arguments alone changed read "the command from “x” to “x”"; its function
    was called its command)."""
    old = before if isinstance(before, Mapping) else {}
    new = after if isinstance(after, Mapping) else {}
    said = [_value_words("action", old), _value_words("action", new)]
    kinds = {old.get("kind"), new.get("kind")}  # a Python action's is its function
    what = "the function" if kinds == {"python"} else "the command" if kinds == {
        "command"} else "what it runs"
    parts = [f"{what} from {_q(said[0])} to {_q(said[1])}"] if said[0] != said[1] \
        or old.get("kind") != new.get("kind") else []
    if bool(old.get("shell")) != bool(new.get("shell")) and new.get("kind") == "command":
        parts.append("ran it through the shell" if new.get("shell") else
                     "ran it without the shell")
    for key, label in ACTION_PARTS.items():
        if old.get(key) != new.get(key):
            was, now = (_short(key, side.get(key)) for side in (old, new))
            parts.append(f"{label} from {was} to {now}" if was and now else label)
    return parts or [what]


def _short(key: str, value: object) -> str:
    """A part's value when it is short enough to say ("" when not)."""
    import json

    text = json.dumps(value or {}, ensure_ascii=False) if key == "kwargs" \
        else _value_words(key, value)
    return text if len(text) <= 60 and "\n" not in text else ""


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + " and " + parts[-1]


def _deleted(target: str, _before: Any, _after: Any) -> str:
    return f"Deleted task {_q(target)}"


def _paused(target: str, _before: Any, _after: Any) -> str:
    return f"Paused {_q(target)}: it does not run on its schedule until resumed"


def _resumed(target: str, _before: Any, _after: Any) -> str:
    return f"Resumed {_q(target)}: it runs on its schedule again"


def _run_now(target: str, _before: Any, after: Any) -> str:
    run = after.get("run_id") if isinstance(after, Mapping) else None
    return f"Ran {_q(target)} by hand" + (f" (run {run})" if run is not None else "")


def _cancelled(target: str, before: Any, _after: Any) -> str:
    name, _, run = target.rpartition("#")
    status = before.get("status") if isinstance(before, Mapping) else None
    what = f"run {run} of {_q(name)}" if name and run.isdecimal() else _q(target)
    return f"Cancelled {what}" + (f" (it was {status})" if status else "")


def _result_ignored(target: str, before: Any, after: Any) -> str:
    """A Celery worker's result for a run already settled (app/remote/client.py)."""
    name, _, run = target.rpartition("#")
    what = f"run {run} of {_q(name)}" if name and run.isdecimal() else _q(target)
    late = after.get("status") if isinstance(after, Mapping) else None
    settled = before.get("status") if isinstance(before, Mapping) else None
    return (f"Ignored a Celery worker's late result for {what}"
            + (f" ({late})" if late else "")
            + (f"; the run had already ended as {settled}" if settled else ""))


# -- secrets (never a value) ---------------------------------------------------------------

def _secret_set(target: str, _before: Any, after: Any) -> str:
    created = after.get("created") if isinstance(after, Mapping) else None
    if created is True:
        return f"Stored a new secret {_q(target)} in the keyring"
    if created is False:
        return f"Replaced the value of the secret {_q(target)} in the keyring"
    return f"Set the secret {_q(target)} in the keyring"


def _secret_deleted(target: str, _before: Any, _after: Any) -> str:
    return f"Deleted the secret {_q(target)} from the keyring"


SENTENCES: dict[str, Callable[[str, Any, Any], str]] = {
    "task.create": _created("Created"),
    "task.import": _created("Imported"),
    "task.update": _updated,
    "task.delete": _deleted,
    "task.pause": _paused,
    "task.resume": _resumed,
    "task.run_now": _run_now,
    "run.cancel": _cancelled,
    "run.result_ignored": _result_ignored,
    "secret.set": _secret_set,
    "secret.delete": _secret_deleted,
    "tasks.export": store_words.exported,
    "tasks.import": store_words.imported,
    "store.permissions_fixed": store_words.permissions_fixed,
    "store.restore": store_words.restored,
    "store.restored": store_words.restored,
    "store.backup": store_words.backed_up,
    "audit.accept_unkeyed": store_words.accepted_unkeyed,
    "audit.key_export": store_words.key_exported,
    "audit.key_import": store_words.key_imported,
    "settings.keep": store_words.keep_changed,
}


# -- the engine and the unknown ------------------------------------------------------------

ENGINE = {"start": "The engine started", "started": "The engine started",
          "stop": "The engine stopped", "stopped": "The engine stopped",
          "takeover": "This window's engine took over the store",
          "recovered": "The engine recovered runs cut off when it last stopped",
          "lead": "An engine took the lead of the store",
          "fenced_off": "An engine was fenced off: another took the lead of the store"}


def _engine(action: str, target: object, after: Any) -> str:
    event = action.partition(".")[2]
    text = ENGINE.get(event) or "The engine: " + event.replace("_", " ").replace(".", " ")
    if target:
        text += f" ({target})"
    return text


def _unknown(action: str, target: object) -> str:
    """`widget.frobnicate_all` → “Widget: frobnicate all “target”” — words, not code."""
    subject, _, verb = action.partition(".")
    text = (subject.replace("_", " ").capitalize() or "Event")
    if verb:
        text += ": " + verb.replace("_", " ").replace(".", " ")
    return text + (f" {_q(target)}" if target else "")
