"""A chain task's next run in words, named by the tasks it runs after: one wording for the
task table's Next run, the editor's Next runs and the calendar's counts (they read "—" and
"after upstream", the code's word, beside the table's "after Nightly backup"). Qt-free."""

from __future__ import annotations

from collections.abc import Sequence


def after_words(upstreams: Sequence[str]) -> str:
    """“after Nightly backup”, “after Fetch and Build”, “after Fetch and 2 more”."""
    if len(upstreams) <= 2:
        return "after " + " and ".join(upstreams)
    return f"after {upstreams[0]} and {len(upstreams) - 1} more"
