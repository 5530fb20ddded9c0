"""Masks a run's secret values as `***` in text it outputs, also when a value is split
between two chunks of a stream.

The rule, for a whole text: every character covered by an occurrence of some secret value
(occurrences may overlap) is hidden, and each maximal stretch of hidden characters becomes
one `***`. A stream gives exactly the same result however its text is cut into chunks:
`MaskStream.feed` passes on at once every character whose fate is decided and holds back only
a tail that could still begin a secret (at most len(longest secret) - 1 characters, and only
when that tail really is the start of a secret); `flush` ends the stream.

Empty values are ignored. Very short values (one or two characters) are masked like any
other: a run that received the secret "7" has every "7" of its output hidden. That hides
innocent text too, but a secret is never shown, which is the promise. Only exact occurrences
are found: a value the program transforms (escaped by `repr`, base64, split by a newline)
is not recognised.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MASK = "***"


class Masker:
    """The secret values one run received."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values: tuple[str, ...] = tuple(sorted({v for v in values if v}, key=len,
                                                    reverse=True))
        self.longest = len(self.values[0]) if self.values else 0
        self._firsts = frozenset(v[0] for v in self.values)

    def __bool__(self) -> bool:
        return bool(self.values)

    def mask(self, text: str) -> str:
        """The whole `text` with every secret hidden."""
        stream = self.stream()
        return stream.feed(text) + stream.flush()

    def stream(self) -> MaskStream:
        return MaskStream(self)

    def mask_data(self, data: Any) -> Any:
        """JSON-like data with every secret hidden in its strings, keys included (so a
        value JSON escapes, `"` or `\\` in it, is found as it was given), and in its numbers
        (a number holding a secret's digits becomes text with them hidden)."""
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, list):
            return [self.mask_data(item) for item in data]
        if isinstance(data, dict):
            return {self.mask(str(k)): self.mask_data(v) for k, v in data.items()}
        if isinstance(data, int | float) and not isinstance(data, bool):  # a PIN, say
            masked = self.mask(str(data))
            return data if masked == str(data) else masked
        return data

    def _covered(self, text: str, carry: int = 0) -> list[tuple[int, int]]:
        """Maximal stretches [start, end) of `text` covered by occurrences (and by its first
        `carry` characters), in order; two stretches that touch are one."""
        spans: list[tuple[int, int]] = [(0, carry)] if carry else []
        for value in self.values:
            start = text.find(value)
            while start >= 0:
                spans.append((start, start + len(value)))
                start = text.find(value, start + 1)
        spans.sort()
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return merged

    def _open_tail(self, text: str) -> int:
        """Where the earliest suffix of `text` that is a proper prefix of some secret starts
        (len(text) when none): from there on, more text may still complete a secret."""
        for start in range(max(0, len(text) - self.longest + 1), len(text)):
            if text[start] in self._firsts:
                tail = text[start:]
                if any(v.startswith(tail) for v in self.values):
                    return start
        return len(text)


class MaskStream:
    """One stream of text (a run's stdout, say) masked as it arrives."""

    def __init__(self, masker: Masker) -> None:
        self.masker = masker
        self._pending = ""  # held back: may still begin a secret
        self._carry = 0  # leading characters of _pending already known to be hidden
        self._hidden = False  # the text passed on so far ends inside a hidden stretch

    def feed(self, text: str) -> str:
        """The part of the stream that is now decided, masked."""
        if not self.masker:
            return text
        return self._advance(self._pending + text, final=False)

    def flush(self) -> str:
        """The rest of the stream, masked (the stream has ended)."""
        if not self.masker:
            return ""
        return self._advance(self._pending, final=True)

    def _advance(self, text: str, *, final: bool) -> str:
        masker = self.masker
        spans = masker._covered(text, self._carry)
        cut = len(text) if final else masker._open_tail(text)
        out: list[str] = []
        pos = 0
        hidden_end = 0
        for start, end in spans:
            if start >= cut:
                break
            out.append(text[pos:start])
            if not (start == 0 and self._hidden):
                out.append(MASK)
            pos = min(end, cut)
            hidden_end = max(hidden_end, end)
        out.append(text[pos:cut])
        if cut > 0:  # does the text passed on end inside a hidden stretch?
            self._hidden = any(s < cut <= e for s, e in spans)
        self._carry = max(0, max(hidden_end, self._carry) - cut)
        self._pending = text[cut:]
        return "".join(out)
