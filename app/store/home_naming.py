"""How a message names the way to name a data home (`--home`, else $TICKWORK_HOME): the
store's refusals say it in the words of no one way (`ANOTHER_HOME`: the window's, opened
from a menu, a login entry or a command line), and the command line and `tickwork engine`
say it as the person named theirs (`as_named`; `home.home_named_by` says how). No imports:
app/store/home.py and app/store/integrity.py both use it."""

from __future__ import annotations

HOME_VAR = "TICKWORK_HOME"

ANOTHER_HOME = f"`--home` or {HOME_VAR}"


def naming(named_by: str | None) -> str:
    """The way to name another home, as the person named this one (`home.home_named_by`):
    `--home`, TICKWORK_HOME, or either (the platform's folder: they named none)."""
    if named_by == "--home":
        return "`--home`"
    return HOME_VAR if named_by == HOME_VAR else ANOTHER_HOME


def as_named(message: str, named_by: str | None) -> str:
    """A message of the store's with its way to name another home (`ANOTHER_HOME`) said as
    the person named theirs (`naming`): it said `--home` to one who had set TICKWORK_HOME."""
    return message.replace(ANOTHER_HOME, naming(named_by))
