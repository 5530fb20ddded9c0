"""What a worker sends of a run's end: no more of a value returned, a traceback or an error
than the engine keeps of it (app/engine/capture.py). They crossed to the engine whole, and
the engine's memory grew by twice to five times their size before it kept its bounds (1 GB
for a 200 MB exception message: a fault hunt); now that costs the run's worker alone.

A value or a traceback longer than the output's head never fits it (said whole, it goes to
the kept tail), so only its last `KEPT` characters are sent and the rest is counted
(`…_left_out`), for the run's output to say as before how much was left out; an error is
cut as the engine cuts it (`bounded_error`). Masked here with the run's secrets first, as
the engine masks them, so a cut never leaves part of a secret in clear.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.core.masking import Masker
from app.engine.capture import ERROR_MAX, LINE_NEAR, OUTPUT_HEAD, OUTPUT_TAIL, bounded_error

KEPT = OUTPUT_TAIL + LINE_NEAR  # the end of a long value sent (the tail finds a line's start)


def bound(end: dict[str, Any], secrets: Iterable[str]) -> None:
    """Cut the run's `end` (worker.py's) to what the engine keeps of it."""
    masker: Masker | None = None
    for key in ("result", "traceback"):
        text = end.get(key)
        if isinstance(text, str) and len(text) > OUTPUT_HEAD:
            masker = masker or Masker(secrets)
            if masker:
                end[key] = text = masker.mask(text)
                if len(text) <= OUTPUT_HEAD:
                    continue
            end[key] = text[-KEPT:]
            end[f"{key}_left_out"] = max(0, len(text) - KEPT)
    error = end.get("error")
    if isinstance(error, str) and len(error) > ERROR_MAX:
        masker = masker or Masker(secrets)
        end["error"] = bounded_error(masker.mask(error) if masker else error)
