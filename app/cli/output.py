"""How the command line prints: local times, JSON, aligned tables, a run's row, a task's
card."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from itertools import chain
from time import localtime
from typing import Any

from app.core.keep import keep_words
from app.core.next_due import Retry, next_due
from app.core.notify import NOTIFY_WORDS, notify_mode
from app.core.nouns import plural
from app.core.shown import CONTROLS, held, json_for
from app.core.shown import shown as shown  # (the CLI's modules take it from here)
from app.core.wall_time import offset_text, shown_twice
from app.secrets import missing_said


def local(value: datetime | str | None) -> str:
    """A moment (or its ISO text) in this machine's time zone, to the second; one the clocks
    show twice here (the hour repeated as daylight saving time ends) with its UTC offset,
    as `--json` and `--from` write it: `2027-11-07 01:30:00-04:00`, then `…01:30:00-05:00`."""
    return local_times([value])[0]


def note_here(note: str | None) -> str | None:
    """A run's note (or error: "replaced by the fire at …") with the moments the engine
    wrote in it in UTC (app/core/rules.py's `when_text`) said in local time, as `local`
    says every other."""
    from app.core.rules import moments_said

    return note if not note else moments_said(note, local)


def local_times(values: Sequence[datetime | str | None]) -> list[str]:
    """A table's column of moments, each as `local` says it, but every one with its UTC
    offset when the column crosses a change of offset here (spring forward or fall back)
    or holds a time the clocks show twice: the column reads one way, its rows in order.
    (1,000 times: ~2 ms, of which the offsets ~0.9 ms.)"""
    stamps = [_timestamp(v) for v in values]
    east = {t: localtime(t).tm_gmtoff for t in stamps if t is not None}  # (each once)
    marked = len(set(east.values())) > 1 or any(map(shown_twice, east))
    # the wall time here, as `astimezone().strftime(...)` says it, at under half its cost
    # (a list of 1,000 tasks: 28 M instructions of its ~650 M, now 13 M)
    return ["-" if t is None else datetime.fromtimestamp(t).isoformat(" ", "seconds")
            + (offset_text(east[t]) if marked else "") for t in stamps]


def _timestamp(value: datetime | str | None) -> float | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # a wall time here already (the store's times are aware)
        moment = moment.astimezone()
    return moment.timestamp()


# in a table's cell, a row's one line: newline and tab too
_ONE_LINE = {**CONTROLS, 0x09: "\\x09", 0x0A: "\\x0a"}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# what JSON leaves raw in a string (ensure_ascii=False): DEL and C1, written as \\u escapes
_JSON_RAW = {c: f"\\u{c:04x}" for c in [0x7F, *range(0x80, 0xA0)]}


def print_json(data: Any) -> None:
    """Data as JSON, exact; the DEL and C1 controls that JSON leaves raw in a string are
    written escaped (`\\u009b`), the same value to a reader, nothing to a terminal, and so is
    every character past ASCII where standard output cannot write it (`json_for`)."""
    sys.stdout.write(json_for(data, sys.stdout).translate(_JSON_RAW) + "\n")


def table(headers: Sequence[str], rows: list[Sequence[str]]) -> None:
    """Columns as wide as their widest cell, at most 60 columns of a terminal (longer cells
    cut). Text that is not all ASCII is measured as a terminal shows it — `日本` takes four
    columns, a combining accent none, an emoji two (app/cli/text_width.py) — so the columns
    after it stay aligned. Controls in a cell are shown escaped (`shown`; newline and tab
    too: a row is one line). Where standard output cannot hold a cell's text (an ASCII or
    Latin-1 locale's terminal), it is escaped before it is measured (`\\u65e5\\u672c`), and a
    cut cell ends in "..." if "…" is not to be had either."""
    text = "".join(chain.from_iterable(rows))  # every cell looked at once (1,000 rows: 0.1 ms)
    if _UNSAFE.search(text):
        rows = [[c.translate(_ONE_LINE) for c in row] for row in rows]
        text = "".join(chain.from_iterable(rows))
    mark = "…"
    if not held(text + mark, sys.stdout):
        code = sys.stdout.encoding
        rows = [[c.encode(code, "backslashreplace").decode(code) for c in row] for row in rows]
        text = "".join(chain.from_iterable(rows))
        mark = mark if held(mark, sys.stdout) else "..."
    if not text.isascii():
        _wide_table(headers, rows, mark)
        return
    widest = [max(map(len, column)) for column in zip(headers, *rows, strict=True)]
    if max(widest) > 60:  # only then each cell is looked at (1,000 rows: ~6 M instructions)
        rows = [[c if len(c) <= 60 else c[:60 - len(mark)] + mark for c in row] for row in rows]
    line = "  ".join(f"{{:{min(w, 60)}}}" for w in widest).format
    lines = [line(*headers).rstrip()]
    lines += [line(*row).rstrip() for row in rows]
    sys.stdout.write("\n".join(lines) + "\n")  # one write: a print per row cost 1,000 rows ~3 ms


def _wide_table(headers: Sequence[str], rows: list[Sequence[str]], mark: str) -> None:
    from app.cli.text_width import cut, width

    cells = [list(headers), *([cut(c, 60, mark) for c in row] for row in rows)]
    widest = [max(width(c) for c in column) for column in zip(*cells, strict=True)]
    sys.stdout.write("".join("  ".join(c + " " * (w - width(c)) for c, w in zip(
        row, widest, strict=True)).rstrip() + "\n" for row in cells))


def card(fields: Sequence[tuple[str, str]], width: int = 12) -> None:
    """Labelled values, labels right-aligned in `width` columns: each value `shown`, and the
    lines after a value's first (a description of several) indented under its first."""
    indent = "\n" + " " * (width + 2)
    sys.stdout.write("".join(f"{key:>{width}}: {shown(value).replace(chr(10), indent)}\n"
                             for key, value in fields))


def run_rows(runs: list[dict[str, Any]]) -> list[Sequence[str]]:
    """The rows of `run list`: its times read as `local_times` says a column, its note as the
    window's "Result / note" says it (`result_note`)."""
    from app.core.run import result_note
    scheduled = local_times([r["scheduled_for"] for r in runs])
    started = local_times([r["started_at"] for r in runs])
    return [[str(run["id"]), run["task_name"], run["status"], str(run["attempt"]), at, began,
             "-" if run["lateness_ms"] is None else f"{run['lateness_ms']:.1f}",
             "-" if run["exit_code"] is None else str(run["exit_code"]),
             result_note(run["exit_code"], note_here(run["error"]),
                         note_here(run["reason"]), run["status"])]
            # (`table` cuts it, with "…", as any cell; a failed attempt's note says what
            # followed it)
            for run, at, began in zip(runs, scheduled, started, strict=True)]


def show_run(run: dict[str, Any], resources: str = "-") -> None:
    """A run's card, as `show_task` prints a task's: labels in words, times local to the
    second (`--json` keeps them ISO with offset); `resources`: its samples' peaks in words."""
    # (`task list` imports this module: kept lean)
    from app.core.durations import duration_text
    from app.core.run import RETRY_FIRE, RETRY_LATE, error_label, exit_code_text

    duration, late = run["duration_s"], run["lateness_ms"]
    retry = run["trigger"] == "retry"  # its fire's time, and late from when it was due
    fields = [
        ("id", str(run["id"])), ("task", f"{run['task_name']} (id {run['task_id']})"),
        ("status", run["status"]), ("attempt", str(run["attempt"])), ("trigger", run["trigger"]),
        ("scheduled", local(run["scheduled_for"]) + (RETRY_FIRE if retry else "")),
        ("queued", local(run["queued_at"])),
        ("started", local(run["started_at"])), ("finished", local(run["finished_at"])),
        ("duration", "-" if duration is None else duration_text(duration)),
        ("late", "-" if late is None else f"{late:.1f} ms" + (RETRY_LATE if retry else "")),
        ("exit code", exit_code_text(run["exit_code"]) or "-"),
        # (a cancel is no error)
        (error_label(run["status"]).lower(), note_here(run["error"]) or "-"),
        ("note", note_here(run["reason"]) or "-"),
        ("after run", str(run["parent_run_id"] or "-")),
        ("cancel asked", "yes" if run["cancel_requested"] else "no"),
        ("celery id", run["celery_id"] or "-"),
        ("checkpoint", "-" if run.get("checkpoint") is None
         else json.dumps(run["checkpoint"], ensure_ascii=False)),
        ("resources", resources),
    ]
    card(fields)


def keep_text(t: dict[str, Any], default: Any) -> str:
    """A task's history keep policy in words, saying which values are the global default's."""
    runs = t.get("keep_runs")
    days = t.get("keep_days")
    if runs is None and days is None:
        return f"the default ({default.describe()})"
    said_days = plural(days, "day") if days is not None \
        else f"{plural(default.days, 'day')} (default)"
    said_runs = plural(runs, "run") if runs is not None \
        else f"{plural(default.runs, 'run')} (default)"
    kept = keep_words(said_days, said_runs, default.days if days is None else days)
    # by count alone being the default's, its "(default)" goes last (no days are said)
    return f"{kept} (default)" if days is None and default.days == 0 else kept


def _window(t: dict[str, Any]) -> list[tuple[str, str]]:
    """When the task may fire: its start and end, in local time (none: no rows)."""
    bounds = [f"not before {local(t['start_at'])}"] if t.get("start_at") else []
    bounds += [f"not after {local(t['end_at'])}"] if t.get("end_at") else []
    return [("fires", ", ".join(bounds))] if bounds else []


def _action(action: dict[str, Any]) -> list[tuple[str, str]]:
    """What runs, as typed: the command line (and its shell), or the function and its
    arguments; the folder it starts in (none set: the home folder, as a run does) and standard
    input when it has one."""
    if action["kind"] == "python":
        kwargs = json.dumps(action.get("kwargs") or {}, ensure_ascii=False)
        rows = [("action", f"Python {action['target']} {kwargs}")]
    else:
        from app.core.task import Action

        line = Action.from_json(action).command_line()  # as typed, else re-joined rightly
        how = f" (through {action.get('shell_program') or '/bin/sh'})" if action.get("shell") \
            else ""
        rows = [("action", f"command {line}{how}")]
    rows.append(("folder", action.get("cwd") or "(home folder)"))  # (it said nothing)
    if action.get("stdin"):
        rows.append(("stdin", json.dumps(action["stdin"], ensure_ascii=False)))
    return rows


def broken(report: Any) -> str:
    """The line for an audit trail that does not verify (an `AuditReport`): `audit
    --verify`'s, and `check`'s — not verified, not broken, where the keyring cannot be used
    (its links hold; its keys were not checked)."""
    said = "NOT VERIFIED" if report.keyring else "BROKEN"
    return f"audit trail {said}: {report.problem}"


def _seconds(value: float) -> str:
    from datetime import timedelta

    from app.core.durations import format_duration

    return format_duration(timedelta(seconds=value))


def last_run_text(run: dict[str, Any]) -> str:
    """"timed_out, started 05:27:32, ended 05:27:37 (run 8)": it read "timed_out at 05:27:28",
    the time the run was due, which is not when it ran."""
    when = (f"started {local(run['started_at'])}" if run["started_at"]
            else f"due {local(run.get('due_at') or run['scheduled_for'])}")
    ended = f", ended {local(run['finished_at'])}" if run["finished_at"] else ""
    return f"{run['status']}, {when}{ended} (run {run['id']})"


def _next_run(t: dict[str, Any], first: Retry | None) -> str:
    """"2026-12-07 22:44:07 (retry: run 2), then 2026-12-07 22:48:09": a retry waiting out its
    delay (`first`, the task's first due, of any of its runs) runs before the schedule's next
    fire (`next_due`)."""
    scheduled = datetime.fromisoformat(t["next_run_at"]) if t["next_run_at"] else None
    when, retry = next_due(scheduled, first.due if first else None)
    if not retry or first is None:
        return local(t["next_run_at"])
    then = f", then {local(scheduled)}" if scheduled is not None else ""
    return f"{local(when)} (retry: run {first.run_id}){then}"


def _value(text: str) -> str:
    """A variable's value as a shell takes it in `--env`, quoted where it holds a space or a
    quote: `A=1 B=two words` could be read as one, two or three variables."""
    if re.search(r"[\s'\"\\]", text):
        import shlex

        return shlex.quote(text)
    return text


def show_task(t: dict[str, Any], keep_default: Any = None, retry: Retry | None = None) -> None:
    last = t["last_run"]
    fields = [
        ("id", str(t["id"])), ("name", t["name"]), ("enabled", "yes" if t["enabled"] else "no"),
        ("schedule", t["schedule_text"]), ("time zone", t["timezone"]),
        ("next run", _next_run(t, retry)),
        ("last run", last_run_text(last) if last else "-"),
        *_window(t),
        *_action(t["action"]),
        ("runs on", t.get("runs_on") or "local"),
        ("depends on", ", ".join(t["depends_on"]) or "-"),
        ("waiting limit", f"gives up after {_seconds(t['dependency_timeout'])}"
         if t.get("dependency_timeout") else "-"),  # (on its upstreams: the editor's words)
        ("priority", str(t["priority"])),
        ("retries", f"{t['retries']} ({t['backoff']}, delay {_seconds(t['retry_delay'])})"),
        ("timeout", _seconds(t["timeout"]) if t["timeout"] else "-"),
        ("instances", f"max {t['max_instances']}, overlap {t['overlap']}"),
        ("group", f"{t['group']} (limit {t['group_limit']})" if t["group"] else "-"),
        ("catch-up", t["catch_up"]), ("fallback", t["fallback"] or "-"),
        ("notify", NOTIFY_WORDS[notify_mode(t["notify"])]),
        ("env", " ".join(f"{k}={_value(v)}" for k, v in sorted(t["env"].items())) or "-"),
        ("secret env", "\n".join([" ".join(f"{k}=<secret {v}>" for k, v in sorted(
            t["secret_env"].items())) or "-",
            *map(missing_said, t.get("missing_secrets") or [])])),  # (its runs fail)
        ("tags", ", ".join(t["tags"]) or "-"), ("description", t["description"] or "-"),
    ]
    if keep_default is not None:
        fields.append(("history", keep_text(t, keep_default)))
    card(fields)
