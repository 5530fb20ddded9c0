"""Masks a run's secret values as `***` in text it outputs, also when a value is split
between two chunks of a stream — the value as given and the forms programs commonly print
it in.

The rule, for a whole text: every character covered by an occurrence of some secret form
(occurrences may overlap) is hidden, and each maximal stretch of hidden characters becomes
one `***`. A stream gives exactly the same result however its text is cut into chunks:
`MaskStream.feed` passes on at once every character whose fate is decided and holds back only
a tail that could still begin a form (at most len(longest form) - 1 characters, and only
when that tail really is the start of one); `flush` ends the stream.

The forms (`secret_forms`), as CI systems mask them (GitHub Actions' runner does the same):
the value itself, however short; and for a value of `MIN_TRANSFORMED` characters or more,
also its base64 (standard and URL-safe alphabets, with or without `=` padding, and inside a
longer base64 text such as `base64("user:" + value)`: at each of the three alignments, the
digits that hold no bit of a neighbouring byte), its percent-encoding (`%2F` style, as Python's
quote and quote_plus, JavaScript's encodeURIComponent, curl and jq write it) and its JSON
string escape (`\\"`, `\\\\`, `\\uXXXX`; ASCII-only or not). A form equal to the value adds
nothing. In a longer base64 text the digit on each side that mixes the value's first or last
bits with a neighbour's stays visible (at most 4 of the value's bits on each side).

Empty values are ignored. A value under `MIN_TRANSFORMED` characters is masked only as
given: a run that received the secret "7" has every "7" of its output hidden (innocent text
too, but the secret is never shown), while its base64 or escaped forms, a few common
characters, would hide far more than the secret. Any other transformation (hex, repr,
upper case, a value split by a newline, encrypted, hashed) is not recognised.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_TRANSFORMED = 6  # characters a value needs for its transformed forms to be masked too
_URL_SAFE = str.maketrans("+/", "-_")


def secret_forms(value: str) -> set[str]:
    """`value` and, when it has `MIN_TRANSFORMED` characters or more, the forms a program
    commonly prints it in (see the module's docstring)."""
    forms = {value}
    if len(value) < MIN_TRANSFORMED:
        return forms
    raw = value.encode()
    forms.add(base64.b64encode(raw).decode())  # as `base64` prints the value alone
    for shift in range(3):  # bytes before the value in its 3-byte group of a longer text
        # encoded behind `shift` stand-in bytes, less the digits holding any of their bits
        digits = base64.b64encode(b"\0" * shift + raw).decode()[(0, 2, 3)[shift]:]
        bare = digits.rstrip("=")
        if bare != digits:  # the last digit also holds bits of whatever follows
            bare = bare[:-1]
        forms.add(bare)
    forms |= {form.translate(_URL_SAFE) for form in forms if form != value}
    forms |= {quote(value, safe=""), quote(value), quote(value, safe="!'()*"),
              quote_plus(value, safe="")}
    forms |= {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return forms


class Masker:
    """The secret values one run received, and the forms each is masked in."""

    def __init__(self, values: Iterable[str]) -> None:
        forms = {form for v in values if v for form in secret_forms(v)}
        self.values: tuple[str, ...] = tuple(sorted(forms, key=len, reverse=True))
        self.longest = len(self.values[0]) if self.values else 0
        by_first: dict[str, list[str]] = {}
        for value in self.values:
            by_first.setdefault(value[0], []).append(value)
        self._by_first = {first: tuple(vs) for first, vs in by_first.items()}
        # finds where a form may begin without a Python step per character
        self._first = re.compile("[" + "".join(re.escape(c) for c in by_first) + "]"
                                 if by_first else "(?!)")

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
        by_first = self._by_first
        for found in self._first.finditer(text, max(0, len(text) - self.longest + 1)):
            start = found.start()
            tail = text[start:]
            for value in by_first[text[start]]:
                if value.startswith(tail):
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
