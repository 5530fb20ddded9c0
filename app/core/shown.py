"""Text a person typed or a program wrote, as Tickwork prints it for people: escape sequences
and other controls shown (`\\x1b[31m`), never obeyed — by the command line's lines and the
logs on stderr alike (app/cli/output.py, app/engine/log.py)."""

from __future__ import annotations

# C0 controls but newline and tab, DEL, and C1 controls: what a terminal would act on
CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]
            if c not in (0x09, 0x0A)}


def shown(text: str) -> str:
    """Data a person typed or a program wrote (a task's command, variables and description,
    a run's error, a crontab line, a folder's name) as every human-readable output prints
    it, on a terminal or not: escape sequences and other controls are shown (`\\x1b[31m`),
    never obeyed (they could move the cursor, retitle the window, hide lines — now or when a
    saved listing or log is read with `cat`); newline and tab stay. `--json` keeps the data
    exact."""
    return text.translate(CONTROLS)
